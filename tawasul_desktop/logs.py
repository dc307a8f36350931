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
import traceback
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any

from platformdirs import PlatformDirs

from tawasul_desktop.config import APP_NAME
from tawasul_desktop.private_files import FILE_MODE, private_dir, private_file

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
# masked, whatever it is: a log line needs none of them whole. Also written in groups with
# single spaces, dashes or dots ("1012 345 678", "101-234-5678"), but not as part of a longer
# grouped number (a request number such as 101-03-26-000042-6) or a date and hour.
_TEN_DIGITS = re.compile(
    r"(?<!\d)(?<!\d[ \u00a0\-.])\d(?:[ \u00a0\-.]?\d){9}(?![ \u00a0\-.]?\d)"
)
_DATE_HOUR = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}")
# E-mail addresses: the mailbox goes, the domain stays (it says which provider, not who).
_EMAIL = re.compile(r"[\w.+%-]+@([\w-]+(?:\.[\w-]+)+)")
# Arabic script in a log line is always someone's words (names, descriptions, reasons): the
# program logs in English. Each run of it is replaced whole.
_ARABIC_RUN = re.compile(
    "[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+"
    "(?:[ \u00a0]+[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+)*"
)
# Values of fields that hold names or free text, as a repr, JSON or key=value shows them.
_NAMED_VALUE = re.compile(
    r"""(?P<key>\b(?:\w*name|description|note|reason|email|mobile|id_number|applicant_id|"""
    r"""beneficiary_id)['"]?\s*[:=]\s*)(?P<q>['"])(?P<value>(?:(?!(?P=q)).){1,400})(?P=q)""",
    re.IGNORECASE,
)
MASK = "•••"


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


def _mask_identity(match: re.Match[str]) -> str:
    found = match.group(0)
    return found if _DATE_HOUR.fullmatch(found) else _keep_last(found, 2)


def mask_personal_numbers(text: str) -> str:
    """``text`` with personal data masked: mobile numbers (last 3 digits kept), identity
    numbers however grouped (last 2 kept), e-mail mailboxes, Arabic words, and quoted values
    of name, description, note, reason and contact fields. Arabic-Indic digits are read as
    digits (and written back as ASCII)."""
    text = text.translate(_DIGITS)  # before Arabic runs: these digits are Arabic script too
    if "@" in text:
        text = _EMAIL.sub(lambda m: f"{MASK}@{m.group(1)}", text)
    if "=" in text or ":" in text:
        text = _NAMED_VALUE.sub(lambda m: f"{m.group('key')}{m.group('q')}{MASK}{m.group('q')}",
                                text)
    text = _ARABIC_RUN.sub(MASK, text)
    if not any(c.isdigit() for c in text):
        return text
    text = _MOBILE.sub(lambda m: _keep_last(m.group(0), 3), text)
    return _TEN_DIGITS.sub(_mask_identity, text)


def safe_traceback(kind: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> str:
    """A traceback for the log that holds no values: where each frame was (file, line,
    function, the source line), and each exception's type with its message masked and cut.
    Locals and arguments are never written; chained causes are followed."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    chain: list[BaseException] = []
    while current is not None and id(current) not in seen and len(chain) < 8:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__)
    for index, error in enumerate(reversed(chain)):
        if index:
            parts.append("\nwhich led to:\n")
        frames = traceback.extract_tb(tb if error is exc else error.__traceback__)
        parts.append("Traceback (most recent call last):\n")
        parts.extend(f'  File "{f.filename}", line {f.lineno}, in {f.name}\n'
                     + (f"    {f.line.strip()}\n" if f.line else "") for f in frames)
        message = mask_personal_numbers(str(error))
        if len(message) > 300:
            message = message[:300] + "…"
        cls = kind if error is exc else type(error)
        name = cls.__qualname__ if cls.__module__ == "builtins" else (
            f"{cls.__module__}.{cls.__qualname__}")
        parts.append(f"{name}: {message}\n")
    return "".join(parts)


class PersonalDataFilter(logging.Filter):
    """Masks personal numbers in the message, the arguments and any traceback of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: keep what can be kept
            message = str(record.msg)
        record.msg = mask_personal_numbers(message)
        record.args = None
        # Rebuilt even if another handler already formatted it (with the values) first.
        if record.exc_info and record.exc_info[0] is not None:
            kind, exc, tb = record.exc_info
            assert exc is not None
            record.exc_text = safe_traceback(kind, exc, tb).rstrip("\n")
        record.exc_info = None  # no handler may format it again with its values
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
        private_dir(target.parent)

        class PrivateRotatingFileHandler(RotatingFileHandler):
            """Log files are 0600 from their first byte (rotation renames them, keeping it)."""

            def _open(self) -> Any:
                stream = open(self.baseFilename, self.mode, encoding=self.encoding,  # noqa: SIM115
                              errors=self.errors,
                              opener=lambda path, flags: os.open(path, flags, FILE_MODE))
                private_file(Path(self.baseFilename))
                return stream

        handlers.append(PrivateRotatingFileHandler(target, maxBytes=MAX_BYTES,
                                                   backupCount=BACKUPS, encoding="utf-8"))
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
