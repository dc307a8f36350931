"""Attached files: what they really are (by their first bytes) and how their names are shown.

A file's name comes from the user's disk or an import and is shown to people only; it is
never used to build a path. Its type is decided by content, never by the name's extension.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
ACCEPTED_MEDIA_TYPES = (PDF, JPEG, PNG)

_MAGIC = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)

DISPLAY_NAME_MAX_CHARS = 120
_EXTENSION_MAX_CHARS = 10
# Controls, format characters (bidi overrides such as U+202E can disguise "gpj.exe"),
# separators of lines and paragraphs, surrogates: all dropped from a shown name.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_WHITESPACE = re.compile(r"\s+")


def sniff_media_type(content: bytes | bytearray | memoryview | None) -> str | None:
    """ "application/pdf", "image/jpeg" or "image/png" judged by magic bytes; None otherwise."""
    if content is None:
        return None
    head = bytes(content[:8])
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    return None


def display_name(name: object, fallback: str = "file") -> str:
    """Reduce a user-supplied file name to a short, harmless basename for display.

    Directories of both styles are dropped ("../../etc/passwd" → "passwd",
    "C:\\\\Windows\\\\x.pdf" → "x.pdf"), control and bidi characters removed, whitespace
    collapsed, and long names shortened in the middle, keeping the extension.
    """
    text = name if isinstance(name, str) else ("" if name is None else str(name))
    # An import names the same few files on many lines; a long (hostile) name is not kept.
    if len(text) <= _REMEMBERED_NAME_CHARS:
        return _remembered_display_name(text, fallback)
    return _display_name(text, fallback)


_REMEMBERED_NAME_CHARS = 4 * DISPLAY_NAME_MAX_CHARS


def _display_name(text: str, fallback: str) -> str:
    base = text[max(text.rfind("/"), text.rfind("\\")) + 1 :]
    # Bound the work before the per-character pass; the tail holds the extension.
    if len(base) > 4 * DISPLAY_NAME_MAX_CHARS:
        base = base[: 2 * DISPLAY_NAME_MAX_CHARS] + base[-DISPLAY_NAME_MAX_CHARS:]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in _DROP_CATEGORIES)
    base = unicodedata.normalize("NFC", base)
    base = _WHITESPACE.sub(" ", base).strip()
    if base.strip(". ") == "":
        return fallback
    if len(base) > DISPLAY_NAME_MAX_CHARS:
        stem, dot, extension = base.rpartition(".")
        if dot and stem and 0 < len(extension) <= _EXTENSION_MAX_CHARS:
            keep = DISPLAY_NAME_MAX_CHARS - len(extension) - 2
            base = f"{stem[:keep].rstrip()}….{extension}"
        else:
            base = base[: DISPLAY_NAME_MAX_CHARS - 1].rstrip() + "…"
    return base


_remembered_display_name = lru_cache(maxsize=4096)(_display_name)
