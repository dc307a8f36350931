"""Request numbers: unique per counter without a server, readable aloud, self-checking.

Layout ``CCC-KK-YY-NNNNNN-D``: centre code (3 digits), counter (2), year (2), the counter's
own sequence within that year (6), and a Damm check digit over the preceding 13 digits.
Damm's quasigroup catches every single-digit error and every swap of adjacent digits.
"""

from __future__ import annotations

from dataclasses import dataclass

from tawasul_desktop.domain.digits import compact_number, is_ascii_digits

# The weakly totally anti-symmetric quasigroup of order 10 published by H. Michael Damm (2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

NUMBER_DIGITS = 14
MAX_SEQUENCE = 999_999


def damm_check_digit(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


def damm_valid(digits: str) -> bool:
    return damm_check_digit(digits) == 0


class NumberFormatError(ValueError):
    """Not a request number at all (wrong length or characters)."""


class CheckDigitError(ValueError):
    """Looks like a request number but the check digit does not match: a typing mistake."""


@dataclass(frozen=True)
class RequestNumber:
    centre: str
    counter: int
    year: int  # two digits
    sequence: int

    @property
    def digits(self) -> str:
        body = f"{self.centre}{self.counter:02d}{self.year:02d}{self.sequence:06d}"
        return body + str(damm_check_digit(body))

    @property
    def display(self) -> str:
        d = self.digits
        return f"{d[0:3]}-{d[3:5]}-{d[5:7]}-{d[7:13]}-{d[13]}"

    def __str__(self) -> str:
        return self.display


def make_number(centre: str, counter: int, year: int, sequence: int) -> RequestNumber:
    if not (len(centre) == 3 and centre.isdigit()):
        raise ValueError("centre code must be three digits")
    if not 1 <= counter <= 99:
        raise ValueError("counter must be 1..99")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be 1..{MAX_SEQUENCE}")
    return RequestNumber(centre, counter, year % 100, sequence)


def parse_number(text: str) -> RequestNumber:
    """Read a number as typed (dashes, spaces, Arabic-Indic digits allowed)."""
    digits = compact_number((text or "").replace("_", "").replace("/", ""))
    if len(digits) != NUMBER_DIGITS or not is_ascii_digits(digits):
        raise NumberFormatError(text)
    if not damm_valid(digits):
        raise CheckDigitError(text)
    return RequestNumber(digits[0:3], int(digits[3:5]), int(digits[5:7]), int(digits[7:13]))


def canonical_digits(text: str) -> str:
    """The stored form (14 digits) of a typed number; raises like parse_number."""
    return parse_number(text).digits
