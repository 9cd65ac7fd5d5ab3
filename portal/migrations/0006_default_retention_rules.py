"""The retention schedule the portal ships: one rule per category the code carries out (portal.privacy.categories).
An admin may change the periods and texts afterwards; this migration never overwrites an existing rule."""

from django.db import migrations

SECURITY = "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 BDSG; Art. 32 DSGVO (Sicherheit der Verarbeitung)"
PROCEDURE = "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 BDSG (Durchführung des Begutachtungsverfahrens)"

RULES = [
    {
        "code": "access_logs",
        "label": "Zugriffs- und Downloadprotokolle",
        "description": "Wer wann welches Dokument oder Dossier heruntergeladen hat.",
        "period": 90,
        "unit": "days",
        "counts_from": "created",
        "legal_basis": SECURITY,
        "action": "delete",
    },
    {
        "code": "outbox",
        "label": "Postausgang (versandte Benachrichtigungen)",
        "description": "Versandte und endgültig gescheiterte E-Mails mit Empfänger/in, Betreff und Text.",
        "period": 365,
        "unit": "days",
        "counts_from": "created",
        "legal_basis": PROCEDURE,
        "action": "delete",
    },
    {
        "code": "sessions",
        "label": "Sitzungen",
        "description": "Technisch notwendige Sitzungsdaten nach der Anmeldung.",
        "period": 0,
        "unit": "days",
        "counts_from": "expiry",
        "legal_basis": "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 BDSG; § 25 Abs. 2 Nr. 2 TDDDG",
        "action": "delete",
    },
    {
        "code": "sign_in_events",
        "label": "Anmeldeereignisse",
        "description": "Fehlgeschlagene Anmeldungen, Sperren und Entsperrungen; angemeldete Geräte mit IP-Adresse "
        "und Browserkennung.",
        "period": 90,
        "unit": "days",
        "counts_from": "created",
        "legal_basis": SECURITY,
        "action": "delete",
    },
    {
        "code": "confidential_notes",
        "label": "Vertrauliche Anmerkungen der Gutachterinnen und Gutachter",
        "description": "Die vertrauliche Anmerkung eines Gutachtens an Projektträger und BMBF wird geleert; das "
        "Gutachten selbst bleibt Teil der Förderakte.",
        "period": 365,
        "unit": "days",
        "counts_from": "cycle_closed",
        "legal_basis": PROCEDURE,
        "action": "anonymise",
    },
    {
        "code": "funding_file",
        "label": "Förderakte: Einreichungen, Gutachten, Entscheidungen und Prüfprotokoll",
        "description": "Nach Ablauf werden die Freitexte über Personen in der Förderakte geleert (Erklärungen zur "
        "Befangenheit, vertrauliche Anmerkungen); Strategien, Bewertungen und Entscheidungen bleiben ohne "
        "Personenbezug.",
        "period": 10,
        "unit": "years",
        "counts_from": "funding_end",
        "legal_basis": "BHO § 70 / VV-BHO: Aufbewahrung der Förderakte; Art. 6 Abs. 1 lit. c und e DSGVO "
        "i. V. m. § 3 BDSG",
        "action": "anonymise",
    },
    {
        "code": "inactive_accounts",
        "label": "Konten ohne Aktivität",
        "description": "Ein Konto ohne Anmeldung wird deaktiviert und pseudonymisiert: Name und E-Mail-Adresse "
        "werden ersetzt, Anmeldedaten gelöscht. Einträge der Förderakte bleiben an das Pseudonym gebunden.",
        "period": 730,
        "unit": "days",
        "counts_from": "last_activity",
        "legal_basis": "Art. 5 Abs. 1 lit. e DSGVO (Speicherbegrenzung); Art. 6 Abs. 1 lit. e DSGVO i. V. m. "
        "§ 3 BDSG",
        "action": "anonymise",
    },
]


def ship_rules(apps, schema_editor, rules=RULES):
    """Also ships the rules of later migrations (`rules`), which call it with theirs."""
    from django.utils import timezone

    RetentionRule = apps.get_model("portal", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("portal", "HistoricalRetentionRule")
    for values in rules:
        rule, created = RetentionRule.objects.get_or_create(code=values["code"], defaults=values)
        if created:
            # The shipped value is the first entry of the rule's history, so that a later change shows what it was.
            HistoricalRetentionRule.objects.create(
                id=rule.pk,
                updated_at=rule.updated_at,
                history_date=timezone.now(),
                history_type="+",
                history_change_reason="Voreinstellung des Portals",
                **values,
            )


def remove_rules(apps, schema_editor, rules=RULES):
    apps.get_model("portal", "RetentionRule").objects.filter(code__in=[rule["code"] for rule in rules]).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_retention_schedule")]

    operations = [migrations.RunPython(ship_rules, remove_rules)]
