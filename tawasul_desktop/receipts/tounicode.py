"""Text copied or searched in a receipt PDF reads as ordinary Arabic letters.

ReportLab draws the shaped presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF) and its
ToUnicode map names those code points, so a PDF reader copying or searching the text gets
presentation forms: "عبدالرحمن" is not found. ReportLab has no option for this; its
module-level ``makeToUnicodeCMap`` is replaced (once, here) by one that maps each
presentation form to its letters (compatibility decomposition). The glyphs stand in
visual (left-to-right) order, which readers turn back into reading order character by
character, so a ligature's letters are listed in visual order too: lam-alef as alef, lam.
The glyphs drawn, and everything else in the map, are unchanged.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Sequence

from reportlab.pdfbase import ttfonts

_ARABIC_FORMS = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_lock = threading.Lock()
_original: Callable[[str, Sequence[int]], str] | None = None


def letters_of(code_point: int) -> str:
    """What a drawn code point stands for: an Arabic presentation form's letters (in visual
    order), else itself."""
    char = chr(code_point)
    if any(lo <= code_point <= hi for lo, hi in _ARABIC_FORMS):
        decomposed = unicodedata.normalize("NFKC", char)
        if decomposed.strip():
            return decomposed[::-1]
    return char


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    assert _original is not None
    cmap = _original(fontname, subset)
    # Replace the bfchar lines ReportLab wrote ("<code> <code point>") with letters.
    lines = [f"<{i:02X}> <{_utf16_hex(letters_of(v))}>" for i, v in enumerate(subset)]
    head, _, rest = cmap.partition(f"{len(subset)} beginbfchar\n")
    _, _, tail = rest.partition("endbfchar")
    return f"{head}{len(subset)} beginbfchar\n" + "\n".join(lines) + "\nendbfchar" + tail


def install() -> None:
    """Make ReportLab's ToUnicode maps name letters; idempotent and thread-safe."""
    global _original
    with _lock:
        if _original is None:
            _original = ttfonts.makeToUnicodeCMap
            ttfonts.makeToUnicodeCMap = _to_unicode_cmap
