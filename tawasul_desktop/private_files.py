"""Personal data on disk is for the account that runs the desk only.

On POSIX the data folder, the attachments folder and the log folder are 0700, and the
database (with its -wal and -shm), backups, the copies a restore or an upgrade keeps, the
audit key and anchor, and the log files are 0600: created so (a restrictive umask for the
whole process, and an explicit mode where this program creates them), and checked when the
store opens, with a warning naming each path someone loosened.

On Windows, modes mean nothing: the files live under the user's profile
(``%LOCALAPPDATA%``), whose access list admits only that user, SYSTEM and the
Administrators; this module changes no access list there and checks nothing.
Qt-free: the command line and the desktop use it alike.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)
DIR_MODE = 0o700
FILE_MODE = 0o600
POSIX = os.name == "posix"


def restrict_umask() -> None:
    """Everything this process creates from now on is its owner's only (umask 077)."""
    if POSIX:
        os.umask(0o077)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder is left as it is
    (the check at start-up reports it if it is open to others)."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        if POSIX:
            with contextlib.suppress(OSError):
                path.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Make an existing file 0600 (nothing on Windows)."""
    if POSIX:
        with contextlib.suppress(FileNotFoundError):
            path.chmod(FILE_MODE)
    return path


def create_private_file(path: Path) -> Path:
    """Create ``path`` empty as 0600 if it does not exist (so whatever fills it later, such
    as SQLite, finds it private from the first byte). An existing file is left as it is."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        return path
    return private_file(path)  # the umask may have taken bits off, never added: to be sure


def open_to_others(path: Path) -> bool:
    """True if group or others may read, write or enter ``path`` (never on Windows)."""
    if not POSIX:
        return False
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def database_files(db_path: Path) -> list[Path]:
    """The database, its WAL and shared-memory files, and the copies kept beside it."""
    files = [db_path, db_path.with_name(db_path.name + "-wal"),
             db_path.with_name(db_path.name + "-shm")]
    files += sorted(db_path.parent.glob(f"{db_path.stem}.before-*"))
    return [f for f in files if f.exists()]


def loosened(folders: Iterable[Path], files: Iterable[Path]) -> list[Path]:
    """Those of ``folders`` and ``files`` that others may use."""
    return [p for p in [*folders, *files] if open_to_others(p)]


def warn_if_loosened(folders: Iterable[Path], files: Iterable[Path]) -> list[Path]:
    found = loosened(folders, files)
    for path in found:
        mode = stat.S_IMODE(path.stat().st_mode)
        wanted = "700" if path.is_dir() else "600"
        log.warning("%s is open to other accounts (mode %03o); it holds personal data: "
                    "run chmod %s '%s'", path, mode, wanted, path)
    return found
