"""Files that hold customers' data (the SQLite database, its WAL, backups): owner only.

The umask decides what ``open`` and ``mkdir`` create (a quick start under umask 022 made
the database 0644, in a 0755 folder): modes are set explicitly instead, whatever the umask.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600
# SQLite creates these beside the database, with the database file's own mode.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parent as 0700. An existing folder is left as it is
    (it may be shared on purpose, /var/lib say), with a warning if others can read it."""
    missing = []
    for level in (folder, *folder.parents):
        if level.exists():
            break
        missing.append(level)
    for level in reversed(missing):
        try:
            level.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(level, FOLDER_MODE)
    if not missing and folder.is_dir() and folder.stat().st_mode & 0o077:
        log.warning("%s can be listed by other users (mode %s); chmod 700 it", folder,
                    oct(stat.S_IMODE(folder.stat().st_mode)))


def private_file(path: Path, *, exclusive: bool = False) -> None:
    """Create ``path`` (empty) as 0600, or make an existing one 0600."""
    private_folder(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else 0)
    descriptor = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)


def tighten(path: Path) -> None:
    """Make an existing file 0600 if group or others may read it (from an older install)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        os.chmod(path, FILE_MODE)
        log.warning("%s was readable by other users (mode %s); now 0600", path, oct(mode))


def private_sqlite(path: Path) -> None:
    """The database file 0600 before SQLite opens it, its companions too if they exist."""
    if path.exists():
        for name in ("", *SQLITE_COMPANIONS):
            tighten(path.with_name(path.name + name))
    else:
        private_file(path)
