"""Consistent online backups of the SQLite database (SQLite's backup API) and restores.

The attachments folder is content-addressed and files in it are never changed, so copying
it after the database backup always gives a consistent pair.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import sqlite3
from pathlib import Path

from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.private_files import create_private_file
from tawasul_desktop.storage.audit import reanchor


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return a.samefile(b)
    return a.resolve() == b.resolve()


def backup_database(source: Path, target: Path) -> None:
    if _same_file(source, target):
        raise ValueError("a backup cannot overwrite the database it copies")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)  # a copy of personal data: 0600 before the first byte
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(partial)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    partial.replace(target)


def _check_backup(path: Path) -> None:
    if not path.is_file():
        raise TawasulError.of("backup.unusable", "file", value=str(path), detail="not found")
    try:
        # as_uri() escapes '#', '?' and '%' in folder names, which a bare "file:" URI would not.
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise TawasulError.of("backup.unusable", "file", value=str(path), detail="damaged")
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
    except sqlite3.DatabaseError as exc:
        raise TawasulError.of("backup.unusable", "file", value=str(path), detail=str(exc)) from None
    if not {"requests", "audit_log", "alembic_version"} <= tables:
        raise TawasulError.of(
            "backup.unusable", "file", value=str(path), detail="not a Tawasul Desk database"
        )


def _unused_name(db_path: Path) -> Path:
    """Where to keep the database a restore replaces; never an earlier restore's copy
    (two restores within one second would otherwise overwrite the first one's)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for attempt in itertools.count(1):
        suffix = "" if attempt == 1 else f"-{attempt}"
        kept = db_path.with_name(f"{db_path.stem}.before-restore-{stamp}{suffix}{db_path.suffix}")
        if not kept.exists():
            return kept
    raise AssertionError("unreachable")


def restore_database(backup: Path, db_path: Path) -> Path | None:
    """Copy a checked backup into the live database; the previous content is kept beside it."""
    if _same_file(backup, db_path):
        raise TawasulError.of(
            "backup.unusable", "file", value=str(backup), detail="it is the live database itself"
        )
    _check_backup(backup)
    kept: Path | None = None
    if db_path.exists():
        kept = _unused_name(db_path)
        backup_database(db_path, kept)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Writing through SQLite's backup API into the live file respects other connections' locks.
    with (
        contextlib.closing(sqlite3.connect(backup)) as src,
        contextlib.closing(sqlite3.connect(db_path)) as dst,
    ):
        src.backup(dst)
    reanchor(db_path)  # the audit head follows a deliberate restore (storage/audit.py)
    return kept


def database_damage(path: Path) -> str | None:
    """What ``PRAGMA quick_check`` finds wrong with a database (None when it is sound): a
    backup of a damaged database would pass the damage on as if it were good."""
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as conn:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(rows)


def unsent_dropped(db_path: Path, backup: Path) -> int:
    """How many operations the live database still has to send to central that ``backup``
    does not hold: work a restore takes out of the live database (the copy kept aside still
    has it)."""

    def op_ids(path: Path, where: str) -> set[str]:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        try:
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
                return {r[0] for r in conn.execute(f"SELECT op_id FROM outbox {where}")}
        except sqlite3.DatabaseError:  # no outbox (an old or damaged file): nothing to compare
            return set()

    if not db_path.exists():
        return 0
    return len(op_ids(db_path, "WHERE state = 'pending'") - op_ids(backup, ""))
