"""Log files: rotating, in the platform's log folder, with personal numbers masked.

The files are in ``$TAWASUL_LOG_DIR`` or the platform's log folder (``~/.local/state/
tawasul-desk/log`` on Linux, ``%LOCALAPPDATA%\\tawasul-desk\\Logs`` on Windows). Whatever a
module logs, every handler set up here passes through :class:`PersonalDataFilter` first: an
identity number (any run of 10 digits) or a Saudi mobile number (in any common writing) never
reaches a file or the console whole — only its last digits stay, for support. Passwords are
never logged by the program at all. Qt-free: the CLI can use it too.
"""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from pathlib import Path

from platformdirs import PlatformDirs

from tawasul_desktop.config import APP_NAME

LOG_FILE_NAME = "tawasul-desktop.log"
MAX_BYTES = 2_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Arabic-Indic and Eastern Arabic-Indic digits count as digits in identity numbers and mobiles.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_SEP = r"[\s\-().]*"
# A Saudi mobile: +966 / 00966 / 966 / 0 (or nothing), then 5 and eight more digits, with
# spaces, dashes, dots or brackets anywhere between the digits.
_MOBILE = re.compile(
    rf"(?<![\d+])(?:(?:\+|00){_SEP}966|966|0)?{_SEP}5(?:{_SEP}\d){{8}}(?!\d)"
)
# An identity number (national ID, iqama, border number) is 10 digits; any such run is
# masked, whatever it is: a log line needs none of them whole.
_TEN_DIGITS = re.compile(r"(?<!\d)\d{10}(?!\d)")


def _keep_last(text: str, keep: int) -> str:
    """Every digit but the last ``keep`` replaced by ``•`` (separators stay)."""
    digits = sum(c.isdigit() for c in text)
    out, seen = [], 0
    for c in text:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - keep else "•")
        else:
            out.append(c)
    return "".join(out)


def mask_personal_numbers(text: str) -> str:
    """``text`` with mobile numbers (last 3 digits kept) and identity numbers (last 2 kept)
    masked. Arabic-Indic digits are read as digits (and written back as ASCII)."""
    if not any(c.isdigit() for c in text):
        return text
    text = text.translate(_DIGITS)
    text = _MOBILE.sub(lambda m: _keep_last(m.group(0), 3), text)
    return _TEN_DIGITS.sub(lambda m: _keep_last(m.group(0), 2), text)


class PersonalDataFilter(logging.Filter):
    """Masks personal numbers in the message, the arguments and any traceback of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: keep what can be kept
            message = str(record.msg)
        record.msg = mask_personal_numbers(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_numbers(record.stack_info)
        return True


def log_dir() -> Path:
    env = os.environ.get("TAWASUL_LOG_DIR")
    return Path(env) if env else Path(PlatformDirs(APP_NAME, appauthor=False).user_log_dir)


def log_file() -> Path:
    return log_dir() / LOG_FILE_NAME


def setup_logging(level: int = logging.INFO, *, console: bool = True) -> Path | None:
    """Send the program's log to the rotating file (and the console); returns the file, or
    None if the folder cannot be written (then only the console logs)."""
    from logging.handlers import RotatingFileHandler  # here: it costs start-up time

    masking = PersonalDataFilter()
    formatter = logging.Formatter(FORMAT)
    handlers: list[logging.Handler] = []
    if console:
        handlers.append(logging.StreamHandler())
    target: Path | None = log_file()
    try:
        assert target is not None
        target.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(RotatingFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                            encoding="utf-8"))
    except OSError:
        target = None
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "tawasul", False)]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.addFilter(masking)
        handler.setFormatter(formatter)
        handler.tawasul = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    return target


def last_lines(count: int = 200, path: Path | None = None) -> list[str]:
    """The last lines of the log file (masked again, in case an older version wrote it)."""
    path = path or log_file()
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            tail = deque(fh, maxlen=count)
    except OSError:
        return []
    return [mask_personal_numbers(line.rstrip("\n")) for line in tail]
