"""The archive format: a tar of `manifest.json`, one database member and the private files under `private/`.

The manifest lists every other member with its size and SHA-256; an archive that differs from it in any way is
refused before anything changes.
"""

import hashlib
import io
import json
import os
import re
import tarfile
from collections import Counter
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from portal.backup.database import DATABASE_MEMBERS, check_vendor
from portal.backup.errors import BackupError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PRIVATE_DIR = "private"
BERLIN = ZoneInfo("Europe/Berlin")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
CHUNK_SIZE = 1024 * 1024


def default_backup_name(now):
    """`wir-backup-<YYYYmmdd-HHMMSS>.tar`, in Berlin time."""
    return f"wir-backup-{now.astimezone(BERLIN):%Y%m%d-%H%M%S}.tar"


def private_file_count(manifest):
    """How many private files a (verified) manifest lists."""
    return sum(1 for entry in manifest["members"] if entry["path"].startswith(f"{PRIVATE_DIR}/"))


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
            check_vendor(manifest)
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


# --- writing -------------------------------------------------------------------------------------------


class _HashingReader:
    """Hands a file to tarfile and hashes exactly the bytes that go into the archive."""

    def __init__(self, handle):
        self._handle = handle
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self._handle.read(size)
        self.sha256.update(data)
        return data


def add_file(tar, name, path):
    """Adds the file `path` as member `name`; returns its manifest entry, or None if the file is gone."""
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


def add_bytes(tar, name, data, now):
    """Adds `data` as member `name`, readable by its owner only."""
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


# --- extracting ----------------------------------------------------------------------------------------


def extract(archive, manifest, staging):
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
