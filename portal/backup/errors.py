"""The one error of backups and restores."""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is German and meant for the user."""
