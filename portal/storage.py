"""The private file storage: uploads and dossiers are stored whole or not at all.

A file is written under a temporary name in its target folder, flushed to disk and only then given its name, so a
full disk or an unwritable folder never leaves a partial file under a name a row could point to. Such a fault is
answered with `StorageRefused`, a `Refusal` with the German message the user reads; the `OSError` is logged for
operators.
"""

import errno
import logging
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_makedirs
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from portal.exceptions import Refusal

logger = logging.getLogger(__name__)

# Files still being written; a backup or a listing can tell them from stored files by this prefix.
TEMPORARY_PREFIX = ".wir-partial-"

FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
NOT_WRITABLE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


class StorageRefused(Refusal):
    """A file could not be stored and nothing was kept. `problem` is FULL, NOT_WRITABLE or FAILED."""

    FULL = "full"
    NOT_WRITABLE = "not_writable"
    FAILED = "failed"

    def __init__(self, problem):
        self.problem = problem
        super().__init__(_storage_message(problem))

    @classmethod
    def for_error(cls, error):
        if error.errno in FULL_ERRNOS:
            return cls(cls.FULL)
        if error.errno in NOT_WRITABLE_ERRNOS:
            return cls(cls.NOT_WRITABLE)
        return cls(cls.FAILED)


def _storage_message(problem):
    if problem == StorageRefused.FULL:
        return _(
            "Die Datei konnte nicht gespeichert werden, weil der Speicherplatz des Portals erschöpft ist. Es wurde "
            "nichts gespeichert. Bitte versuchen Sie es später erneut; bleibt der Fehler, wenden Sie sich an die "
            "Administration des Portals."
        )
    if problem == StorageRefused.NOT_WRITABLE:
        return _(
            "Die Datei konnte nicht gespeichert werden, weil der Speicherort des Portals nicht beschreibbar ist. Es "
            "wurde nichts gespeichert. Bitte wenden Sie sich an die Administration des Portals und versuchen Sie es "
            "danach erneut."
        )
    return _(
        "Die Datei konnte wegen eines Fehlers beim Speichern nicht abgelegt werden. Es wurde nichts gespeichert. "
        "Bitte versuchen Sie es erneut; bleibt der Fehler, wenden Sie sich an die Administration des Portals."
    )


class NotEnoughSpace(OSError):
    """The free-space check failed before anything was written."""

    def __init__(self, needed, free):
        super().__init__(errno.ENOSPC, f"{needed} bytes needed (file and reserve), {free} bytes free")


@deconstructible(path="portal.storage.PrivateFileStorage")
class PrivateFileStorage(FileSystemStorage):
    """The default storage (PRIVATE_MEDIA_ROOT). Never served directly: permission-checked views stream its files."""

    def _save(self, name, content):
        target = Path(self.path(name))
        temporary = published = None
        try:
            self._require_free_space(target.parent, _size_of(content))
            self._make_directory(target.parent)
            temporary = self._write_temporary(target.parent, content)
            while True:
                try:
                    self._publish(temporary, target)
                    break
                except FileExistsError:
                    # Someone stored a file under this name since it was chosen: take the next free one.
                    name = self.get_available_name(name)
                    target = Path(self.path(name))
            published = target
            temporary.unlink(missing_ok=True)  # a rename took it already
            temporary = None
            _sync_directory(target.parent)
        except OSError as error:
            _remove(temporary)
            _remove(published)
            logger.error("could not store %s below %s: %s", name, self.location, error)
            raise StorageRefused.for_error(error) from error
        # Stored names are relative to the root and use forward slashes, as FileSystemStorage's are.
        return target.relative_to(self.location).as_posix()

    def _require_free_space(self, directory, size):
        """Refuses before writing when the file and the reserve do not fit, or the file system is read-only."""
        existing = _nearest_existing(directory)
        status = os.statvfs(existing)
        if status.f_flag & os.ST_RDONLY:
            raise OSError(errno.EROFS, "read-only file system", str(existing))
        needed = size + settings.STORAGE_MIN_FREE_BYTES
        free = status.f_bavail * status.f_frsize
        if free < needed:
            raise NotEnoughSpace(needed, free)

    def _make_directory(self, directory):
        try:
            if self.directory_permissions_mode is None:
                directory.mkdir(parents=True, exist_ok=True)
            else:
                safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        except FileExistsError as error:
            raise NotADirectoryError(errno.ENOTDIR, "exists and is not a directory", str(directory)) from error

    def _write_temporary(self, directory, content):
        """Writes `content` to a new file in `directory` and flushes it to the disk; returns its path."""
        path = directory / f"{TEMPORARY_PREFIX}{secrets.token_hex(8)}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                self._write_chunks(handle, content)
                handle.flush()
                if self.file_permissions_mode is not None:
                    os.fchmod(handle.fileno(), self.file_permissions_mode)
                self._ensure_location_group_id(path)
                os.fsync(handle.fileno())
        except BaseException:
            _remove(path)
            raise
        return path

    def _write_chunks(self, handle, content):
        for chunk in content.chunks():
            handle.write(chunk.encode() if isinstance(chunk, str) else chunk)

    def _publish(self, temporary, target):
        """Gives the written file its name in one step. Without overwriting, a hard link keeps FileSystemStorage's
        promise never to replace another file: unlike a rename it fails when the name is taken."""
        if self._allow_overwrite:
            temporary.replace(target)
        else:
            target.hardlink_to(temporary)

    def remove_partial_files(self, *, older_than):
        """Removes temporary files of writes that never finished (a process killed mid-write) and were last
        touched before `older_than` (a datetime); returns how many went. A write in progress is never that old."""
        cutoff = older_than.timestamp()
        removed = 0
        for path in Path(self.location).rglob(f"{TEMPORARY_PREFIX}*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def _size_of(content):
    try:
        return content.size or 0
    except (AttributeError, OSError):
        return 0  # unknown: the reserve alone is checked, and the write still stops at a full disk


def _nearest_existing(path):
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _remove(path):
    if path is None:
        return
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        logger.error("could not remove the partial file %s: %s", path, error)


def _sync_directory(directory):
    """Makes the new name durable: without it a crash could forget the name although the data was written."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
