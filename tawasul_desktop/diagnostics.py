"""A diagnostics report for support: versions, the configuration without secrets, the
database's schema, and the last lines of the log (already free of personal numbers).

Qt-free and cheap (no SQLAlchemy, no Qt import): the desktop copies it to the clipboard from
its Help menu; anything can print it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import platform
import re
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

from tawasul_desktop import __version__
from tawasul_desktop.config import Settings
from tawasul_desktop.logs import last_lines, log_file, mask_personal_numbers

PACKAGES = ("PySide6-Essentials", "PySide6", "SQLAlchemy", "alembic", "psycopg", "reportlab",
            "pypdfium2", "argon2-cffi", "holidays", "hijridate", "phonenumbers", "platformdirs")
# Settings fields never shown, and how secrets inside others are hidden.
_HIDDEN = {"policy"}
_DSN_PASSWORD = re.compile(r"(password\s*=\s*)(\S+)", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")


def without_secrets(value: str) -> str:
    value = _DSN_PASSWORD.sub(r"\1***", value)
    return _URL_PASSWORD.sub(r"\1***\3", value)


def _versions() -> list[str]:
    lines = [f"Tawasul Desk {__version__}",
             f"Python {platform.python_version()} ({sys.executable})",
             f"{platform.platform()} {platform.machine()}",
             f"frozen bundle: {'yes' if getattr(sys, 'frozen', False) else 'no'}"]
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            lines.append(f"{name} {metadata.version(name)}")
    return lines


def _configuration(settings: Settings) -> list[str]:
    state = "present" if settings.config_file.exists() else "absent (defaults)"
    lines = [f"file: {settings.config_file} ({state})"]
    if settings.site_config_file is not None:
        lines.append(f"machine file: {settings.site_config_file}")
    lines += [f"warning: {w}" for w in settings.warnings]
    for field in dataclasses.fields(settings):
        if field.name in _HIDDEN:
            continue
        value = getattr(settings, field.name)
        lines.append(f"{field.name} = {without_secrets(str(value))}")
    calendar = settings.policy.calendar
    lines.append(f"policy: {settings.policy.timing.resolution_working_days} working days, "
                 f"office {calendar.office_opens:%H:%M}-{calendar.office_closes:%H:%M} "
                 f"{calendar.timezone}, {len(calendar.extra_closures)} extra closure(s)")
    return lines


def _database(db_path: Path) -> list[str]:
    if not db_path.exists():
        return [f"{db_path}: not created yet"]
    lines = [f"{db_path}: {db_path.stat().st_size // 1024} KB"]
    try:
        uri = f"{db_path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            revisions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        lines.append(f"schema: {', '.join(revisions) or 'none'}")
    except sqlite3.Error as exc:
        lines.append(f"schema: unreadable ({exc})")
    kept = sorted(p.name for p in db_path.parent.glob(f"{db_path.stem}.before-*"))
    if kept:
        lines.append(f"kept copies: {', '.join(kept)}")
    return lines


def diagnostics_text(settings: Settings, *, log_lines: int = 60,
                     extra: dict[str, str] | None = None) -> str:
    """The report as plain text (headings, then ``key = value`` lines)."""
    sections = [
        ("Versions", _versions() + [f"{k} {v}" for k, v in (extra or {}).items()]),
        ("Configuration", _configuration(settings)),
        ("Database", _database(settings.db_path)),
        (f"Log ({log_file()}, last {log_lines} lines)", last_lines(log_lines)),
    ]
    parts = []
    for title, lines in sections:
        parts.append(f"== {title} ==")
        parts.extend(lines)
        parts.append("")
    return mask_personal_numbers("\n".join(parts))
