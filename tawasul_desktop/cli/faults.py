"""Faults of the disk and the database file, told as one bilingual message that names the file
and what to do: never a traceback (which would also print queued sync payloads and SQL
parameters, personal data among them)."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from tawasul_desktop.domain.bidi import ltr
from tawasul_desktop.domain.messages import Problem

# SQLite's primary result codes (sqlite3.Error.sqlite_errorname without the extended part).
_KINDS = {
    "SQLITE_FULL": "fault.disk_full",
    "SQLITE_READONLY": "fault.read_only",
    "SQLITE_CORRUPT": "fault.corrupt",
    "SQLITE_NOTADB": "fault.corrupt",
    "SQLITE_BUSY": "fault.locked",
    "SQLITE_LOCKED": "fault.locked",
    "SQLITE_CANTOPEN": "fault.cannot_open",
    "SQLITE_IOERR": "fault.io",
    "SQLITE_PERM": "fault.read_only",
    "SQLITE_AUTH": "fault.read_only",
}
_ERRNOS = {
    errno.ENOSPC: "fault.disk_full",
    errno.EDQUOT: "fault.disk_full",
    errno.EROFS: "fault.read_only",
    errno.EACCES: "fault.read_only",
    errno.EPERM: "fault.read_only",
    errno.EIO: "fault.io",
}


def _sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlite3.Error):
            return current
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def _read_only_place(path: Path) -> bool:
    """Whether the file or its folder cannot be written (a read-only mount, or permissions)."""
    folder = path.parent if path.parent.exists() else path
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        pass
    target = path if path.exists() else folder
    return not os.access(target, os.W_OK)


def _full(path: Path) -> bool:
    """Whether the filesystem holding ``path`` has no room left for an ordinary user."""
    for folder in (path, *path.parents):
        if folder.exists():
            try:
                stats = os.statvfs(folder)
            except (OSError, AttributeError):
                return False
            return stats.f_bavail * stats.f_frsize < 64 * 1024
    return False


def describe(
    exc: BaseException, db_path: Path | None, data_dir: Path | None = None
) -> Problem | None:
    """The fault behind ``exc`` as a Problem naming the file, or None if it is none of these.

    SQLite reports some writes to a full disk as I/O errors, and a failed write() names no
    file: which of the database and the data folder is on a full disk decides both."""
    code: str | None = None
    where: Path | None = db_path
    sqlite_error = _sqlite_error(exc)
    if sqlite_error is not None:
        name = getattr(sqlite_error, "sqlite_errorname", "") or ""
        code = _KINDS.get("_".join(name.split("_")[:2]))
        text = str(sqlite_error).lower()
        if code is None:  # older SQLite bindings without error names: go by the message
            if "disk is full" in text:
                code = "fault.disk_full"
            elif "readonly" in text or "read-only" in text:
                code = "fault.read_only"
            elif "malformed" in text or "not a database" in text:
                code = "fault.corrupt"
            elif "locked" in text or "busy" in text:
                code = "fault.locked"
            elif "unable to open" in text:
                code = "fault.cannot_open"
    elif isinstance(exc, OSError) and exc.errno in _ERRNOS:
        code = _ERRNOS[exc.errno]
        if exc.filename:
            where = Path(os.fsdecode(exc.filename))
    if code is None:
        return None
    places = [p for p in (where, db_path, data_dir) if p is not None]
    if code in ("fault.io", "fault.disk_full"):
        full = next((p for p in places if _full(p)), None)
        if full is not None:
            code, where = "fault.disk_full", full
    if code in ("fault.cannot_open", "fault.io") and where is not None and _read_only_place(where):
        code = "fault.read_only"
    return Problem.of(code, "file", file=ltr(where if where is not None else "?"))
