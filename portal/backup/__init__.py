"""Backup and restore: the database and the private files in one tar archive that can be checked.

An archive holds `manifest.json`, one database member (`database.pgdump`, a `pg_dump --format=custom` on
PostgreSQL; `database.sqlite3`, a copy made by SQLite's online backup API) and the private files under
`private/`. The manifest lists every other member with its size and SHA-256. A restore refuses an archive
that differs from its manifest in any way, or that comes from another database system, before it changes
anything.

One module per concept: `archive` (the format, its manifest and the check), `database` (dump and restore of
each database system), `private_files` (where they live and how a restore swaps them), `create` and `restore`
(the two operations). This module re-exports the names the management commands use.
"""

from portal.backup.archive import default_backup_name, private_file_count, verify_backup
from portal.backup.create import create_backup
from portal.backup.errors import BackupError
from portal.backup.private_files import private_root
from portal.backup.restore import restore_backup

__all__ = [
    "BackupError",
    "create_backup",
    "default_backup_name",
    "private_file_count",
    "private_root",
    "restore_backup",
    "verify_backup",
]
