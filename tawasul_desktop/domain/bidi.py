"""The one place values are isolated for right-to-left text (Unicode bidi, UAX #9).

Every value placed into a sentence — request numbers, identity numbers, codes, paths,
e-mails, sizes, dates — goes through :func:`ltr` (always left to right: numbers, codes,
paths) or :func:`isolate` (user text of either script). The GUI, CLI messages and receipts
all use these, so a number is never reversed inside Arabic text. :func:`wrap` picks the
right one for a value, and :func:`fill` puts values into a translated sentence's ``%1``…
``%9`` (the message catalogue, domain.messages, wraps its ``{placeholders}`` the same way).
"""

from __future__ import annotations

import re
from pathlib import PurePath

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_ISOLATES = (LRI, RLI, FSI)
# Letters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, NKo…, presentation forms).
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# A path as text: rooted, a drive, or a home directory; it reads left to right in any script.
_PATH = re.compile(r"^(?:/|~/|[A-Za-z]:[\\/]|\\\\)")
_PLACEHOLDER = re.compile(r"%([1-9])")


def _isolated(text: str) -> bool:
    return len(text) >= 2 and text[0] in _ISOLATES and text[-1] == PDI


def ltr(value: object) -> str:
    """A value that always reads left to right (numbers, codes, paths, e-mails, dates)."""
    text = str(value)
    return text if text.startswith(LRI) and _isolated(text) else f"{LRI}{text}{PDI}"


def isolate(value: object) -> str:
    """A value of either script (names, server text), kept from reordering its neighbours."""
    text = str(value)
    return text if _isolated(text) else f"{FSI}{text}{PDI}"


def wrap(value: object) -> str:
    """The isolate a value needs inside a sentence: left to right for numbers, paths and
    anything without right-to-left letters; first-strong for text that has them (an Arabic
    name or sentence). An empty value stays empty; a wrapped one is not wrapped again."""
    if isinstance(value, PurePath):
        return ltr(value)
    text = str(value)
    if not text or _isolated(text):
        return text
    if _RTL_LETTER.search(text) and not _PATH.match(text):
        return isolate(text)
    return ltr(text)


def fill(template: str, *values: object) -> str:
    """A translated sentence with Qt's ``%1``…``%9`` filled by wrapped values, in one pass
    (a value that itself contains ``%2`` is never filled again)."""
    def one(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return wrap(values[index]) if index < len(values) else match.group(0)

    return _PLACEHOLDER.sub(one, template)


def plain(text: str) -> str:
    """Text as a person reads it, without the invisible isolates (for comparisons, logs)."""
    return text.translate(_NO_ISOLATES)


_NO_ISOLATES = {ord(ch): None for ch in (LRI, RLI, FSI, PDI)}
