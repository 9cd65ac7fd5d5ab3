"""Writing a backup: the database first, then the private files, then the manifest."""

import json
import os
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from portal.backup.archive import (
    BERLIN,
    FORMAT_VERSION,
    MANIFEST,
    PRIVATE_DIR,
    add_bytes,
    add_file,
    default_backup_name,
)
from portal.backup.database import DATABASE_MEMBERS, dump_database, migration_state, supported_vendor
from portal.backup.errors import BackupError
from portal.backup.private_files import list_private_files, private_root


def create_backup(*, output=None):
    """Writes one archive of the configured database and the private files; returns its path.

    `output` is a file path or an existing directory; without it the archive goes to `var/backups/`.
    Side effects: runs `pg_dump` (PostgreSQL) or SQLite's backup API against the default database; creates
    the target directory; writes the archive readable by its owner only, first as `<name>.partial`, renamed
    when complete, so an interrupted run never leaves an archive that looks whole. Never overwrites a file.
    """
    connection = connections["default"]
    vendor = supported_vendor(connection.vendor)
    now = datetime.now(tz=BERLIN)
    target = _output_path(output, now)
    if target.exists():
        raise BackupError(
            _("Die Datei %(path)s existiert bereits; eine Sicherung überschreibt nie etwas.") % {"path": target}
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial")
    partial.unlink(missing_ok=True)
    database_member = DATABASE_MEMBERS[vendor]
    root = private_root()
    with tempfile.TemporaryDirectory(prefix=".wir-backup-", dir=target.parent) as scratch:
        migrations = migration_state(connection)
        # The database goes first: files are never deleted while rows name them, so every file the dump
        # refers to is still there when the files are read. Files added meanwhile are merely unused.
        dump = dump_database(connection, Path(scratch) / database_member)
        members = []
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with (
                os.fdopen(descriptor, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                members.append(add_file(tar, database_member, dump))
                for name, path in list_private_files(root):
                    entry = add_file(tar, f"{PRIVATE_DIR}/{name}", path)
                    if entry is not None:
                        members.append(entry)
                manifest = {
                    "format_version": FORMAT_VERSION,
                    "created_at": now.isoformat(),
                    "database_vendor": vendor,
                    "database_member": database_member,
                    "migrations": migrations,
                    "members": members,
                }
                add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode(), now)
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return target


def _output_path(output, now):
    if output is None:
        return Path(settings.BASE_DIR) / "var" / "backups" / default_backup_name(now)
    text = os.fspath(output)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        return path / default_backup_name(now)
    return path
