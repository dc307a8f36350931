"""Fold Arabic and Latin text for search, so a name is found however it was typed.

Alef forms (أ إ آ ٱ) → ا, alef maqsura ى → ي, taa marbuta ة → ه, hamza carriers ؤ ئ → و ي,
diacritics (harakat, shadda, sukun, superscript alef) and tatweel removed, Latin case folded,
Arabic-Indic digits → ASCII, whitespace collapsed.
"""

from __future__ import annotations

import re

from tawasul_desktop.domain.digits import ARABIC_INDIC_DIGITS, EASTERN_ARABIC_INDIC_DIGITS

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


# Digits and letters in one pass: neither map touches what the other gives.
_DIGITS_AND_LETTERS = {
    **str.maketrans(ARABIC_INDIC_DIGITS + EASTERN_ARABIC_INDIC_DIGITS, "0123456789" * 2),
    **_MAP,
}


def fold(text: str) -> str:
    return _SPACES.sub(" ", text.translate(_DIGITS_AND_LETTERS).casefold()).strip()
