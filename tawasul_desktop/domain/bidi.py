"""The one place values are isolated for right-to-left text (Unicode bidi, UAX #9).

Every value placed into a sentence — request numbers, identity numbers, codes, paths,
e-mails, sizes, dates — goes through :func:`ltr` (always left to right: numbers, codes,
paths) or :func:`isolate` (user text of either script). The GUI, CLI messages and receipts
all use these, so a number is never reversed inside Arabic text.
"""

from __future__ import annotations

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"


def ltr(value: object) -> str:
    """A value that always reads left to right (numbers, codes, paths, e-mails, dates)."""
    return f"{LRI}{value}{PDI}"


def isolate(value: object) -> str:
    """A value of either script (names, server text), kept from reordering its neighbours."""
    return f"{FSI}{value}{PDI}"
