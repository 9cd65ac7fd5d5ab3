"""Restoring a backup: check, extract beside the private files, then replace the database and the files."""

import os
import shutil
import tempfile
from pathlib import Path

from django.db import connections
from django.utils.translation import gettext as _

from portal.backup.archive import PRIVATE_DIR, extract, verify_backup
from portal.backup.database import restore_database
from portal.backup.errors import BackupError
from portal.backup.private_files import STAGING_PREFIX, private_root, swap_private_files


def restore_backup(*, archive):
    """Replaces the configured database and the private files with an archive's content; returns the manifest.

    Side effects, in this order, each only if the one before succeeded: verifies the archive (see
    verify_backup); extracts it into a staging directory beside the private files, hashing it again;
    closes this process's database connections; restores PostgreSQL with `pg_restore --clean --if-exists
    --no-owner --single-transaction`, or SQLite through the backup API; swaps the private files directory for
    the extracted one and deletes the old files. Web servers and workers should be stopped meanwhile.
    """
    manifest = verify_backup(archive=archive)
    connection = connections["default"]
    root = private_root()
    # On a mounted volume the root cannot be renamed, so the staging directory must share its filesystem.
    staging_parent = root if os.path.ismount(root) else root.parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=staging_parent))
    try:
        extract(archive, manifest, staging)
        connections.close_all()
        restore_database(connection, staging / manifest["database_member"])
        try:
            swap_private_files(staging / PRIVATE_DIR, root, staging / "previous")
        except OSError as error:
            raise BackupError(
                _(
                    "Die Datenbank ist wiederhergestellt, die privaten Dateien in %(root)s aber nicht "
                    "(%(error)s). Beheben Sie die Ursache und wiederholen Sie die Wiederherstellung."
                )
                % {"root": root, "error": error}
            ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
