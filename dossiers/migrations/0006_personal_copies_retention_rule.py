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
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_personal_data_and_privacy_record"),
        ("portal", "0006_default_retention_rules"),
    ]

    operations = [
        migrations.RunPython(partial(schedule.ship_rules, rules=RULES), partial(schedule.remove_rules, rules=RULES))
    ]
