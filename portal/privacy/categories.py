"""The codes of the retention categories (`RetentionRule.code`) that the code carries out. The rules themselves,
with their periods and legal bases, are data (migrations portal/0006 and dossiers/0006, editable in the admin)."""

ACCESS_LOGS = "access_logs"
OUTBOX = "outbox"
SESSIONS = "sessions"
SIGN_IN_EVENTS = "sign_in_events"
CONFIDENTIAL_NOTES = "confidential_notes"
FUNDING_FILE = "funding_file"
INACTIVE_ACCOUNTS = "inactive_accounts"
# Shipped by migration dossiers/0006: the PDFs of "Meine Daten".
PERSONAL_COPIES = "personal_copies"

ALL = (
    ACCESS_LOGS,
    OUTBOX,
    SESSIONS,
    SIGN_IN_EVENTS,
    CONFIDENTIAL_NOTES,
    FUNDING_FILE,
    INACTIVE_ACCOUNTS,
    PERSONAL_COPIES,
)
