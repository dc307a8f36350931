"""Digits as clerks type them: Arabic-Indic and Persian digits to ASCII, separators out.

Only the two Arabic digit sets are translated; other Unicode digits (full-width, Devanagari…)
are left alone so that the number rules refuse them instead of silently accepting look-alikes.
Callers must test for ASCII digits explicitly: ``str.isdigit`` and ``\\d`` accept any script.
"""

from __future__ import annotations

ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660–U+0669
EASTERN_ARABIC_INDIC_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0–U+06F9 (Persian / Urdu)

_DIGIT_MAP = {ord(c): str(i) for i, c in enumerate(ARABIC_INDIC_DIGITS)}
_DIGIT_MAP.update({ord(c): str(i) for i, c in enumerate(EASTERN_ARABIC_INDIC_DIGITS)})

# Characters people put between the digits of a phone or identity number.
_SEPARATORS = (
    " \t\n\r\u00a0\u2007\u202f\u3000"  # spaces, including no-break ones
    + "".join(chr(c) for c in range(0x2000, 0x200B))  # typographic spaces
    + "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"  # hyphens, dashes, minus
    + "()[]{}"
    + ".\u00b7"
)
# Invisible marks that ride along when a number is copied from right-to-left text. In a
# number field they carry no meaning and the result is checked to be pure digits anyway.
_INVISIBLE = (
    "\u061c\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)

_NUMBER_MAP: dict[int, str | None] = dict(_DIGIT_MAP)
_NUMBER_MAP.update({ord(c): None for c in _SEPARATORS + _INVISIBLE})


def ascii_digits(text: str) -> str:
    """Replace Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits with 0-9."""
    return text.translate(_DIGIT_MAP)


def compact_number(text: str) -> str:
    """Digits to ASCII, with spaces, dashes, brackets, dots and bidi marks removed.

    The result is not guaranteed to be digits only; check it with :func:`is_ascii_digits`.
    """
    return text.translate(_NUMBER_MAP)


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty string of 0-9 only (unlike ``str.isdigit``, which takes any script)."""
    return text.isascii() and text.isdigit()
