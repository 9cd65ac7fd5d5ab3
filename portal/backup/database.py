"""The database member of an archive: which systems can be backed up, and the dump and restore of each."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from portal.backup.errors import BackupError

DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# libpq reads these from the environment; Django keeps them in OPTIONS.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def supported_vendor(vendor):
    """`vendor`, if archives can hold its database; otherwise a BackupError."""
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(
            _("Sicherungen gibt es nur für PostgreSQL und SQLite, nicht für %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def check_vendor(manifest):
    """Refuses an archive of another database system than the configured one."""
    current = connections["default"].vendor
    if manifest["database_vendor"] != current:
        raise BackupError(
            _(
                "Die Sicherung stammt aus einer %(archive)s-Datenbank, konfiguriert ist %(current)s. "
                "Eine Wiederherstellung in ein anderes Datenbanksystem ist nicht möglich."
            )
            % {"archive": manifest["database_vendor"], "current": current}
        )


def migration_state(connection):
    """The latest applied migration of each app, in the order they were applied."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    # Later rows win: the last applied migration of each app.
    latest = dict(recorder.migration_qs.order_by("id").values_list("app", "name"))
    return dict(sorted(latest.items()))


def dump_database(connection, target):
    """Writes the database of `connection` to the file `target`; returns `target`."""
    if connection.vendor == "postgresql":
        _run_pg("pg_dump", connection.settings_dict, "--format=custom", f"--file={target}")
        return target
    uri = _sqlite_uri(connection.settings_dict, read_only=True)
    try:
        source = sqlite3.connect(uri, uri=True)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise BackupError(_("Die SQLite-Datenbank ließ sich nicht sichern (%(error)s).") % {"error": error}) from error
    return target


def restore_database(connection, dump):
    """Replaces the database of `connection` with the file `dump`."""
    if connection.vendor == "postgresql":
        # One transaction: a failing restore leaves the database as it was.
        _run_pg(
            "pg_restore",
            connection.settings_dict,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            str(dump),
        )
        return
    source = sqlite3.connect(dump)
    try:
        target = sqlite3.connect(_sqlite_uri(connection.settings_dict, read_only=False), uri=True)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(
            _("Die SQLite-Datenbank ließ sich nicht wiederherstellen (%(error)s).") % {"error": error}
        ) from error
    finally:
        source.close()


def _sqlite_uri(settings_dict, *, read_only):
    name = os.fspath(settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError(_("Eine SQLite-Datenbank im Arbeitsspeicher lässt sich nicht sichern oder wiederherstellen."))
    path = Path(name).resolve()
    if read_only and not path.is_file():
        raise BackupError(_("Die SQLite-Datenbank %(path)s existiert nicht.") % {"path": path})
    return path.as_uri() + ("?mode=ro" if read_only else "")


def _run_pg(program, settings_dict, *args):
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            _(
                "%(program)s wurde nicht gefunden. Bitte installieren Sie den PostgreSQL-Client "
                "(Debian: postgresql-client) in der Version des Servers."
            )
            % {"program": program}
        )
    command = [executable, "--no-password", f"--dbname={settings_dict['NAME']}"]
    for key, flag in (("HOST", "--host"), ("PORT", "--port"), ("USER", "--username")):
        if settings_dict.get(key):
            command.append(f"{flag}={settings_dict[key]}")
    env = dict(os.environ)
    # The password goes through the environment: a command line is visible to every user of the host.
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    for option, variable in LIBPQ_OPTIONS.items():
        if option in settings_dict.get("OPTIONS", {}):
            env[variable] = str(settings_dict["OPTIONS"][option])
    result = subprocess.run([*command, *args], env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed program, no shell
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s ist fehlgeschlagen (Exit-Code %(code)d): %(error)s")
            % {"program": program, "code": result.returncode, "error": result.stderr.strip()}
        )
