"""The private files: where they live, which of them a backup takes, and how a restore swaps them in."""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages

# Restore stages next to (or, on a mounted volume, inside) the private files; backups skip such leftovers.
STAGING_PREFIX = ".wir-restore-"


def private_root():
    """The directory of the private files: the default storage's location (PRIVATE_MEDIA_ROOT)."""
    location = getattr(storages["default"], "location", None)
    return Path(location or settings.PRIVATE_MEDIA_ROOT).resolve()


def list_private_files(root):
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


def swap_private_files(new, root, previous):
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
