"""Fold Arabic and Latin text for search, so a name is found however it was typed.

Alef forms (أ إ آ ٱ) → ا, alef maqsura ى → ي, taa marbuta ة → ه, hamza carriers ؤ ئ → و ي,
diacritics (harakat, shadda, sukun, superscript alef) and tatweel removed, Latin case folded,
Arabic-Indic digits → ASCII, whitespace collapsed.
"""

from __future__ import annotations

import re

from tawasul_desktop.domain.digits import ascii_digits

_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ـ": None,  # tatweel
        **{chr(c): None for c in range(0x064B, 0x0660)},  # harakat, shadda, sukun, maddah...
        "\u0670": None,  # superscript alef
    }
)
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    return _SPACES.sub(" ", ascii_digits(text).translate(_MAP).casefold()).strip()
