"""Saudi identity numbers: national ID, iqama and border number.

All three have ten digits. The first digit tells the kind: 1 national ID (citizen), 2 iqama
(resident), 3 or 4 border number (visitor or new arrival). National IDs and iqamas end in a
Luhn check digit (digits at even 0-based positions are doubled, the digits of the products
summed, the total must be a multiple of ten); border numbers have no published check.
"""

from __future__ import annotations

from tawasul_desktop.domain.digits import compact_number, is_ascii_digits
from tawasul_desktop.domain.messages import Problem, message

ID_LENGTH = 10
KIND_BY_PREFIX = {"1": "national_id", "2": "iqama", "3": "border", "4": "border"}
CHECKED_PREFIXES = frozenset("12")
# Longer input is certainly not an identity number; refusing it early keeps hostile
# megabyte strings cheap.
_MAX_RAW_CHARS = 64


def _luhn_total(digits: str, double_first: bool) -> int:
    """Luhn sum of ``digits`` read from the right; ``double_first`` doubles the rightmost."""
    total = 0
    double = double_first
    for ch in reversed(digits):
        d = ord(ch) - 48
        if double:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        double = not double
    return total


def luhn_valid(number: str) -> bool:
    """True when ``number`` (ASCII digits, check digit last) passes the Luhn check.

    For ten digits this is the Saudi scheme: the digits at even 0-based positions are doubled.
    """
    return is_ascii_digits(number) and _luhn_total(number, double_first=False) % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that, appended to ``payload``, makes it pass :func:`luhn_valid`."""
    if not is_ascii_digits(payload):
        raise ValueError("the payload must be ASCII digits")
    return str(-_luhn_total(payload, double_first=True) % 10)


def make_identity(prefix: str, body: str) -> str:
    """Build a ten-digit identity number: ``prefix`` + ``body`` (nine digits together) + check.

    ``make_identity("1", "00000000")`` gives ``"1000000008"``. Border numbers (prefix 3 or 4)
    get a Luhn digit too; it is harmless since they have no published check. Used to
    generate demo and test data.
    """
    payload = f"{prefix}{body}"
    if prefix not in KIND_BY_PREFIX:
        raise ValueError(f"prefix must be one of {sorted(KIND_BY_PREFIX)}, not {prefix!r}")
    if len(payload) != ID_LENGTH - 1 or not is_ascii_digits(payload):
        raise ValueError("prefix and body together must be nine ASCII digits")
    return payload + luhn_check_digit(payload)


def identity_kind(number: str) -> str | None:
    """ "national_id", "iqama" or "border" for a valid number (any common writing), else None."""
    if len(number) > _MAX_RAW_CHARS:
        return None
    digits = compact_number(number)
    if len(digits) != ID_LENGTH or not is_ascii_digits(digits):
        return None
    kind = KIND_BY_PREFIX.get(digits[0])
    if kind is None or (digits[0] in CHECKED_PREFIXES and not luhn_valid(digits)):
        return None
    return kind


def check_identity(text: str, field: str) -> tuple[str, str] | Problem:
    """Return (ten ASCII digits, kind) for a typed identity number, or the Problem with it."""
    if not text or not text.strip():
        return Problem.of("id.required", field)
    if len(text) > _MAX_RAW_CHARS:
        return Problem.of("id.format", field)
    digits = compact_number(text)
    if len(digits) != ID_LENGTH or not is_ascii_digits(digits):
        return Problem.of("id.format", field)
    kind = KIND_BY_PREFIX.get(digits[0])
    if kind is None:
        return Problem.of("id.prefix", field)
    if digits[0] in CHECKED_PREFIXES and not luhn_valid(digits):
        return Problem.of("id.checksum", field)
    return digits, kind


def kind_labels(kind: str) -> tuple[str, str]:
    """(Arabic, English) name of an identity kind, e.g. ("إقامة", "iqama")."""
    return message(f"label.identity_kind.{kind}")


def mask_identity(number: str) -> str:
    """Hide all but the last four characters: "1000000008" → "******0008" (for logs, screens)."""
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]
