"""Ships the retention rule of the "Meine Daten" PDFs, in the schedule of migration portal/0006."""

from functools import partial
from importlib import import_module

from django.db import migrations

schedule = import_module("portal.migrations.0006_default_retention_rules")

RULES = [
    {
        "code": "personal_copies",
        "label": "Auskünfte als PDF (Meine Daten)",
        "description": "Die als PDF erstellte Auskunft über die gespeicherten Daten einer Person; sie lässt sich "
        "jederzeit neu erstellen.",
        "period": 30,
        "unit": "days",
        "counts_from": "created",
        "legal_basis": "Art. 12 Abs. 3 und Art. 15 Abs. 3 DSGVO (Bereitstellung der Auskunft)",
        "action": "delete",
        "label_en": "Data access copies as PDF (My data)",
        "description_en": "The PDF copy of the data stored about a person; it can be made again at any time.",
        "legal_basis_en": "Art. 12(3) and Art. 15(3) GDPR (providing the copy)",
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_personal_data_and_privacy_record"),
        ("portal", "0008_retention_rule_english"),
    ]

    operations = [
        migrations.RunPython(partial(schedule.ship_rules, rules=RULES), partial(schedule.remove_rules, rules=RULES))
    ]
