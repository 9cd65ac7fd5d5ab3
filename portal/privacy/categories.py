"""The codes of the retention categories (`RetentionRule.code`) that the code carries out. The rules themselves,
with their periods and legal bases, are data (migration 0006, editable in the admin)."""

ACCESS_LOGS = "access_logs"
OUTBOX = "outbox"
SESSIONS = "sessions"
SIGN_IN_EVENTS = "sign_in_events"
CONFIDENTIAL_NOTES = "confidential_notes"
FUNDING_FILE = "funding_file"
INACTIVE_ACCOUNTS = "inactive_accounts"

ALL = (ACCESS_LOGS, OUTBOX, SESSIONS, SIGN_IN_EVENTS, CONFIDENTIAL_NOTES, FUNDING_FILE, INACTIVE_ACCOUNTS)
