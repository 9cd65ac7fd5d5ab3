"""The retention schedule the portal ships: one rule per category the code carries out (portal.privacy.categories).
An admin may change the periods and texts afterwards; this migration never overwrites an existing rule."""

from django.db import migrations

SECURITY = "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 BDSG; Art. 32 DSGVO (Sicherheit der Verarbeitung)"
PROCEDURE = "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 BDSG (Durchführung des Begutachtungsverfahrens)"
# The English texts are written by migration 0008, which adds their fields.
SECURITY_EN = "Art. 6(1)(e) GDPR in conjunction with Section 3 BDSG; Art. 32 GDPR (security of processing)"
PROCEDURE_EN = "Art. 6(1)(e) GDPR in conjunction with Section 3 BDSG (conduct of the evaluation procedure)"

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
        "label_en": "Access and download logs",
        "description_en": "Who downloaded which document or dossier, and when.",
        "legal_basis_en": SECURITY_EN,
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
        "label_en": "Outbox (notifications sent)",
        "description_en": "E-mails sent or finally failed, with recipient, subject and text.",
        "legal_basis_en": PROCEDURE_EN,
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
        "label_en": "Sessions",
        "description_en": "Technically necessary session data after signing in.",
        "legal_basis_en": "Art. 6(1)(e) GDPR in conjunction with Section 3 BDSG; Section 25(2) no. 2 TDDDG",
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
        "label_en": "Sign-in events",
        "description_en": "Failed sign-ins, locks and unlocks; signed-in devices with IP address and browser "
        "identification.",
        "legal_basis_en": SECURITY_EN,
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
        "label_en": "Experts' confidential notes",
        "description_en": "The confidential note of a review to the programme office and the ministry is emptied; "
        "the review itself stays part of the funding file.",
        "legal_basis_en": PROCEDURE_EN,
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
        "label_en": "Funding file: submissions, reviews, decisions and audit trail",
        "description_en": "When the period ends, free texts about persons in the funding file are emptied "
        "(declarations of conflicts of interest, confidential notes); strategies, scores and decisions remain "
        "without reference to a person.",
        "legal_basis_en": "Section 70 BHO / VV-BHO: retention of the funding file; Art. 6(1)(c) and (e) GDPR in "
        "conjunction with Section 3 BDSG",
    },
    {
        "code": "inactive_accounts",
        "label": "Konten ohne Aktivität",
        "description": "Ein Konto ohne Anmeldung wird deaktiviert und pseudonymisiert: Name und E-Mail-Adresse "
        "werden ersetzt, Anmeldedaten gelöscht. Einträge der Förderakte bleiben an das Pseudonym gebunden.",
        "period": 730,
        "unit": "days",
        "counts_from": "last_activity",
        "legal_basis": "Art. 5 Abs. 1 lit. e DSGVO (Speicherbegrenzung); Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 BDSG",
        "action": "anonymise",
        "label_en": "Accounts without activity",
        "description_en": "An account without sign-in is deactivated and pseudonymised: name and e-mail address are "
        "replaced, sign-in data deleted. Entries of the funding file remain bound to the pseudonym.",
        "legal_basis_en": "Art. 5(1)(e) GDPR (storage limitation); Art. 6(1)(e) GDPR in conjunction with "
        "Section 3 BDSG",
    },
]


def ship_rules(apps, schema_editor, rules=RULES):
    """Also ships the rules of later migrations (`rules`), which call it with theirs. Writes to the database being
    migrated, which need not be the default one (the tests migrate a SQLite database beside PostgreSQL)."""
    from django.utils import timezone

    database = schema_editor.connection.alias

    RetentionRule = apps.get_model("portal", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("portal", "HistoricalRetentionRule")
    fields = {field.name for field in RetentionRule._meta.get_fields()}
    for given in rules:
        # Keys of fields a later migration adds (the English texts) wait for that migration.
        values = {key: value for key, value in given.items() if key in fields}
        rule, created = RetentionRule.objects.using(database).get_or_create(code=values["code"], defaults=values)
        if created:
            # The shipped value is the first entry of the rule's history, so that a later change shows what it was.
            HistoricalRetentionRule.objects.using(database).create(
                id=rule.pk,
                updated_at=rule.updated_at,
                history_date=timezone.now(),
                history_type="+",
                history_change_reason="Voreinstellung des Portals",
                **values,
            )


def remove_rules(apps, schema_editor, rules=RULES):
    codes = [rule["code"] for rule in rules]
    apps.get_model("portal", "RetentionRule").objects.using(schema_editor.connection.alias).filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_retention_schedule")]

    operations = [migrations.RunPython(ship_rules, remove_rules)]
