"""Backup and restore: the database and the private files in one tar archive that can be checked.

An archive holds `manifest.json`, one database member (`database.pgdump`, a `pg_dump --format=custom` on
PostgreSQL; `database.sqlite3`, a copy made by SQLite's online backup API) and the private files under
`private/`. The manifest lists every other member with its size and SHA-256. A restore refuses an archive
that differs from its manifest in any way, or that comes from another database system, before it changes
anything.
"""

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.storage import storages
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PRIVATE_DIR = "private"
DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# Restore stages next to (or, on a mounted volume, inside) the private files; backups skip such leftovers.
STAGING_PREFIX = ".wir-restore-"
BERLIN = ZoneInfo("Europe/Berlin")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
CHUNK_SIZE = 1024 * 1024
# libpq reads these from the environment; Django keeps them in OPTIONS.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is German and meant for the user."""


def private_root():
    """The directory of the private files: the default storage's location (PRIVATE_MEDIA_ROOT)."""
    location = getattr(storages["default"], "location", None)
    return Path(location or settings.PRIVATE_MEDIA_ROOT).resolve()


def default_backup_name(now):
    """`wir-backup-<YYYYmmdd-HHMMSS>.tar`, in Berlin time."""
    return f"wir-backup-{now.astimezone(BERLIN):%Y%m%d-%H%M%S}.tar"


def create_backup(*, output=None):
    """Writes one archive of the configured database and the private files; returns its path.

    `output` is a file path or an existing directory; without it the archive goes to `var/backups/`.
    Side effects: runs `pg_dump` (PostgreSQL) or SQLite's backup API against the default database; creates
    the target directory; writes the archive readable by its owner only, first as `<name>.partial`, renamed
    when complete, so an interrupted run never leaves an archive that looks whole. Never overwrites a file.
    """
    connection = connections["default"]
    vendor = _supported_vendor(connection.vendor)
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
        migrations = _migration_state(connection)
        # The database goes first: files are never deleted while rows name them, so every file the dump
        # refers to is still there when the files are read. Files added meanwhile are merely unused.
        dump = _dump_database(connection, Path(scratch) / database_member)
        members = []
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with (
                os.fdopen(descriptor, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                members.append(_add_file(tar, database_member, dump))
                for name, path in _private_files(root):
                    entry = _add_file(tar, f"{PRIVATE_DIR}/{name}", path)
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
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode(), now)
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return target


def verify_backup(*, archive):
    """Checks an archive against its manifest and the configured database; returns the manifest.

    Reads and hashes every member; changes nothing. Raises BackupError naming each member that is missing,
    not listed, duplicated, not a plain file, of another size or with another SHA-256 than the manifest
    says, and refuses an archive of another database system than the configured one.
    """
    path = Path(archive)
    if not path.is_file():
        raise BackupError(_("Das Archiv %(path)s existiert nicht.") % {"path": path})
    try:
        with tarfile.open(path, mode="r:") as tar:
            manifest, members = _read_manifest(tar, path)
            _check_vendor(manifest)
            counts = Counter(tar.getnames())
            problems = [
                _("„%(member)s“ kommt mehrfach im Archiv vor.") % {"member": name}
                for name, count in counts.items()
                if count > 1
            ]
            for entry in manifest["members"]:
                name, member = entry["path"], members.get(entry["path"])
                if member is None:
                    problems.append(_("„%(member)s“ fehlt im Archiv.") % {"member": name})
                elif not member.isfile():
                    problems.append(_("„%(member)s“ ist keine gewöhnliche Datei.") % {"member": name})
                elif member.size != entry["size"]:
                    problems.append(
                        _("„%(member)s“ ist %(actual)d Bytes groß, laut Manifest %(expected)d.")
                        % {"member": name, "actual": member.size, "expected": entry["size"]}
                    )
                elif _sha256(tar.extractfile(member)) != entry["sha256"]:
                    problems.append(
                        _("Die SHA-256-Prüfsumme von „%(member)s“ stimmt nicht mit dem Manifest überein.")
                        % {"member": name}
                    )
    except (tarfile.TarError, OSError) as error:
        raise BackupError(
            _("%(path)s ist kein lesbares tar-Archiv (%(error)s).") % {"path": path, "error": error}
        ) from error
    listed = {entry["path"] for entry in manifest["members"]}
    problems += [
        _("„%(member)s“ steht nicht im Manifest.") % {"member": name}
        for name in members
        if name not in listed and name != MANIFEST
    ]
    if problems:
        raise BackupError(
            "\n".join(
                [
                    _("Das Archiv %(path)s passt nicht zu seinem Manifest; es wird nichts wiederhergestellt:")
                    % {"path": path},
                    *(f"  – {p}" for p in problems),
                ]
            )
        )
    return manifest


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
        _extract(archive, manifest, staging)
        connections.close_all()
        _restore_database(connection, staging / manifest["database_member"])
        try:
            _swap_private_files(staging / PRIVATE_DIR, root, staging / "previous")
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


def private_file_count(manifest):
    """How many private files a (verified) manifest lists."""
    return sum(1 for entry in manifest["members"] if entry["path"].startswith(f"{PRIVATE_DIR}/"))


# --- writing -------------------------------------------------------------------------------------------


def _supported_vendor(vendor):
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(
            _("Sicherungen gibt es nur für PostgreSQL und SQLite, nicht für %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _output_path(output, now):
    if output is None:
        return Path(settings.BASE_DIR) / "var" / "backups" / default_backup_name(now)
    text = os.fspath(output)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        return path / default_backup_name(now)
    return path


def _migration_state(connection):
    """The latest applied migration of each app, in the order they were applied."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    # Later rows win: the last applied migration of each app.
    latest = dict(recorder.migration_qs.order_by("id").values_list("app", "name"))
    return dict(sorted(latest.items()))


def _dump_database(connection, target):
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


def _private_files(root):
    """(relative POSIX path, path) of every regular file below `root`, sorted; symlinks are left out."""
    if not root.is_dir():
        return
    for directory, subdirectories, files in os.walk(root):
        current = Path(directory)
        subdirectories[:] = sorted(
            name for name in subdirectories if not (current == root and name.startswith(STAGING_PREFIX))
        )
        for name in sorted(files):
            path = current / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


class _HashingReader:
    """Hands a file to tarfile and hashes exactly the bytes that go into the archive."""

    def __init__(self, handle):
        self._handle = handle
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self._handle.read(size)
        self.sha256.update(data)
        return data


def _add_file(tar, name, path):
    try:
        handle = Path(path).open("rb")  # noqa: SIM115 - closed below, also when tarfile fails
    except FileNotFoundError:
        return None  # deleted after the listing: no row of the earlier dump can name it
    with handle:
        info = tar.gettarinfo(arcname=name, fileobj=handle)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return {"path": name, "size": info.size, "sha256": reader.sha256.hexdigest()}


def _add_bytes(tar, name, data, now):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(now.timestamp())
    tar.addfile(info, io.BytesIO(data))


# --- checking ------------------------------------------------------------------------------------------


def _sha256(handle):
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK_SIZE):
        digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(tar, path):
    """The parsed, well-formed manifest and the archive's members by name (the last of equal names)."""
    members = {member.name: member for member in tar.getmembers()}
    member = members.get(MANIFEST)
    if member is None or not member.isfile():
        raise BackupError(
            _("%(path)s enthält kein manifest.json und ist keine Sicherung des Portals.") % {"path": path}
        )
    try:
        manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BackupError(
            _("manifest.json in %(path)s ist unlesbar (%(error)s).") % {"path": path, "error": error}
        ) from error
    problem = _manifest_problem(manifest)
    if problem:
        raise BackupError(_("manifest.json in %(path)s ist ungültig: %(problem)s") % {"path": path, "problem": problem})
    return manifest, members


def _check_vendor(manifest):
    current = connections["default"].vendor
    if manifest["database_vendor"] != current:
        raise BackupError(
            _(
                "Die Sicherung stammt aus einer %(archive)s-Datenbank, konfiguriert ist %(current)s. "
                "Eine Wiederherstellung in ein anderes Datenbanksystem ist nicht möglich."
            )
            % {"archive": manifest["database_vendor"], "current": current}
        )


def _manifest_problem(manifest):
    if not isinstance(manifest, dict):
        return _("kein JSON-Objekt")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        return _("Format %(found)s, lesbar ist nur Format %(expected)s") % {
            "found": version,
            "expected": FORMAT_VERSION,
        }
    vendor = manifest.get("database_vendor")
    if vendor not in DATABASE_MEMBERS or manifest.get("database_member") != DATABASE_MEMBERS[vendor]:
        return _("unbekanntes Datenbanksystem")
    entries = manifest.get("members")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        return _("keine Liste der Dateien")
    paths = [entry.get("path") for entry in entries]
    if manifest["database_member"] not in paths:
        return _("ohne Datenbankabzug")
    counts = Counter(path for path in paths if isinstance(path, str))
    for entry, name in zip(entries, paths, strict=True):
        if not _allowed_member_name(name, manifest["database_member"]) or counts[name] > 1:
            return _("unzulässiger oder doppelter Pfad „%(member)s“") % {"member": name}
        size, digest = entry.get("size"), entry.get("sha256")
        if not isinstance(size, int) or size < 0 or not isinstance(digest, str) or not SHA256_PATTERN.match(digest):
            return _("Größe oder Prüfsumme von „%(member)s“ fehlt") % {"member": name}
    return None


def _allowed_member_name(name, database_member):
    """The database member, or a normalised relative path below `private/` that cannot leave it."""
    if name == database_member:
        return True
    if not isinstance(name, str) or "\\" in name or "\x00" in name:
        return False
    parts = PurePosixPath(name).parts
    return (
        PurePosixPath(name).as_posix() == name
        and len(parts) >= 2
        and parts[0] == PRIVATE_DIR
        and not any(part in ("", ".", "..") for part in parts)
    )


# --- restoring -----------------------------------------------------------------------------------------


def _extract(archive, manifest, staging):
    """Writes every listed member below `staging`, hashing again: the archive may have changed since the check."""
    (staging / PRIVATE_DIR).mkdir()
    with tarfile.open(archive, mode="r:") as tar:
        for entry in manifest["members"]:
            member = tar.getmember(entry["path"])
            target = staging / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            digest = hashlib.sha256()
            with target.open("xb") as handle:
                while chunk := source.read(CHUNK_SIZE):
                    digest.update(chunk)
                    handle.write(chunk)
            if digest.hexdigest() != entry["sha256"]:
                raise BackupError(
                    _("„%(member)s“ hat sich seit der Prüfung verändert; es wurde nichts wiederhergestellt.")
                    % {"member": entry["path"]}
                )
            os.utime(target, (member.mtime, member.mtime))


def _restore_database(connection, dump):
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


def _swap_private_files(new, root, previous):
    """Puts `new` in the place of `root` by renaming; on failure the old files stay or come back."""
    if root.exists():
        shutil.copymode(root, new)
    if not os.path.ismount(root):
        if not root.exists():
            root.parent.mkdir(parents=True, exist_ok=True)
            new.rename(root)
            return
        root.rename(previous)
        try:
            new.rename(root)
        except OSError:
            previous.rename(root)
            raise
        return
    # A mounted volume (the Docker setup) cannot be renamed: swap its entries instead, and undo on failure.
    previous.mkdir()
    moved_out, moved_in = [], []
    try:
        for child in sorted(root.iterdir()):
            if not child.name.startswith(STAGING_PREFIX):
                child.rename(previous / child.name)
                moved_out.append(child.name)
        for child in sorted(new.iterdir()):
            child.rename(root / child.name)
            moved_in.append(child.name)
    except OSError:
        for name in moved_in:
            (root / name).rename(new / name)
        for name in moved_out:
            (previous / name).rename(root / name)
        raise
