"""A full disk and a read-only folder for the private storage, for any test that stores files.

A test imports the fixture it needs (`from tests.storage_faults import full_disk_root, stored_files`). Each points the
default storage (PrivateFileStorage) and PRIVATE_MEDIA_ROOT at its folder for the test and returns that folder.

Both faults are real mounts: a small tmpfs filled to the last byte, and a tmpfs mounted read-only (the suite runs as
root, which ignores file modes, so chmod cannot make a folder unwritable). Where the test may not mount, a storage
that raises the same OSError takes its place; the test's report then says so (`storage_fault` in its
user_properties, and a warning in the summary).
"""

import errno
import shutil
import subprocess
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest

from portal.storage import PrivateFileStorage

TMPFS_BYTES = 1024 * 1024
# What the stand-in storage writes before the disk "fills up", so that there is a partial file to clean away.
BYTES_BEFORE_THE_DISK_IS_FULL = 64 * 1024


def stored_files(root):
    """The relative path of every file below `root` (temporary ones included), sorted."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if not path.is_dir())


def mount_tmpfs(mount_point, *options):
    """Mounts a tmpfs on `mount_point`; False where this process may not mount."""
    mount_point.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if mount is None:
        return False
    completed = subprocess.run(
        [mount, "-t", "tmpfs", "-o", ",".join(["nosuid", "nodev", *options]), "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    return completed.returncode == 0


def unmount(mount_point):
    # Lazy, so a file a failing test left open cannot keep the mount busy.
    subprocess.run([shutil.which("umount"), "-l", str(mount_point)], capture_output=True, check=True)


def fill(mount_point, leave=0):
    """Writes a file into `mount_point` until only `leave` bytes are free on its file system."""
    size = shutil.disk_usage(mount_point).free - leave
    chunk = b"\0" * 65536
    with (mount_point / "filler").open("wb") as handle:
        while size > 0:
            size -= handle.write(chunk[: min(size, len(chunk))])


@contextmanager
def tmpfs_at(folder, *, free=None, read_only=False):
    """A 1 MiB tmpfs on `folder` (created), with only `free` bytes left free or read-only; yields False, and mounts
    nothing, where this process may not mount. `folder` itself is the mount point: its files are on the tmpfs."""
    mount_point = folder.parent / f".mount-{folder.name}"
    if not mount_tmpfs(mount_point, f"size={TMPFS_BYTES}"):
        yield False
        return
    try:
        # The tmpfs's own root holds the filler; `folder` is a bind of a folder inside it.
        (mount_point / "files").mkdir()
        if free is not None:
            fill(mount_point, leave=free)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([shutil.which("mount"), "--bind", str(mount_point / "files"), str(folder)], check=True)
        try:
            if read_only:
                subprocess.run([shutil.which("mount"), "-o", "remount,bind,ro", str(folder)], check=True)
            yield True
        finally:
            unmount(folder)
    finally:
        unmount(mount_point)


class DiskFillsUpStorage(PrivateFileStorage):
    """Stand-in for a full disk where mounting is not permitted: writes some bytes, then ENOSPC."""

    def _write_chunks(self, handle, content):
        handle.write(b"\0" * BYTES_BEFORE_THE_DISK_IS_FULL)
        handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device (simulated)")


class ReadOnlyStorage(PrivateFileStorage):
    """Stand-in for a read-only folder where mounting is not permitted."""

    def _write_temporary(self, directory, content):
        raise OSError(errno.EROFS, "Read-only file system (simulated)", directory)


def point_private_storage_at(settings, root, backend=PrivateFileStorage):
    """The default storage (and PRIVATE_MEDIA_ROOT) at `root` for the test, with `backend`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{backend.__module__}.{backend.__qualname__}", "OPTIONS": {"location": str(root)}},
    }
    settings.PRIVATE_MEDIA_ROOT = Path(root)


def record_mechanism(request, mechanism):
    """Says in the test's report which fault ran: a real mount or a stand-in storage."""
    request.node.user_properties.append(("storage_fault", mechanism))
    if mechanism.startswith("simulated"):
        warnings.warn(f"{request.node.nodeid}: mounting is not permitted here; {mechanism}", stacklevel=2)


@pytest.fixture
def full_disk_root(request, settings, tmp_path):
    """Private files on a 1 MiB tmpfs with no byte free: a store is refused by the free-space check, before it
    writes. Without permission to mount: a storage whose writes fail with ENOSPC after 64 KiB."""
    root = tmp_path / "private-on-a-full-disk"
    with tmpfs_at(root, free=0) as mounted:
        if mounted:
            point_private_storage_at(settings, root)
            record_mechanism(request, f"a tmpfs of {TMPFS_BYTES} bytes, full")
        else:
            root.mkdir(parents=True, exist_ok=True)
            point_private_storage_at(settings, root, DiskFillsUpStorage)
            record_mechanism(request, "simulated: a storage that raises ENOSPC after writing 64 KiB")
        yield root


@pytest.fixture
def read_only_root(request, settings, tmp_path):
    """Private files in a folder mounted read-only (it exists; nothing can be created in it). Without permission
    to mount: a storage whose writes fail with EROFS."""
    root = tmp_path / "private-read-only"
    with tmpfs_at(root, read_only=True) as mounted:
        if mounted:
            point_private_storage_at(settings, root)
            record_mechanism(request, "a tmpfs mounted read-only")
        else:
            root.mkdir(parents=True, exist_ok=True)
            point_private_storage_at(settings, root, ReadOnlyStorage)
            record_mechanism(request, "simulated: a storage that raises EROFS")
        yield root
