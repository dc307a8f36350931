"""Digit normalisation for numbers typed on Arabic and Latin keyboards."""

from __future__ import annotations

import pytest

from tawasul_desktop.domain.digits import ascii_digits, compact_number, is_ascii_digits


def test_arabic_indic_digits_become_ascii() -> None:
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"


def test_eastern_arabic_indic_digits_become_ascii() -> None:
    assert ascii_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"


def test_ascii_digits_keeps_other_text() -> None:
    assert ascii_digits("رقم ٥ and 7") == "رقم 5 and 7"


def test_other_unicode_digits_are_not_translated() -> None:
    # Full-width and mathematical digits stay, so the number rules refuse them.
    assert ascii_digits("０１𝟚") == "０１𝟚"


@pytest.mark.parametrize(
    "written",
    [
        "050 123 4567",
        "050-123-4567",
        "(050) 123.4567",
        "[050]\u00a0123\u2013456\u20147",
        "\u200e٠٥٠١٢٣٤٥٦٧\u200f",
        "\u202b۰۵۰ ۱۲۳ ۴۵۶۷\u202c",
    ],
)
def test_compact_number_removes_separators_and_marks(written: str) -> None:
    assert compact_number(written) == "0501234567"


def test_compact_number_keeps_plus_and_letters() -> None:
    assert compact_number("+966 5x") == "+9665x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0123", True), ("", False), ("12a", False), ("١٢", False), ("²", False), ("１２", False)],
)
def test_is_ascii_digits(text: str, expected: bool) -> None:
    assert is_ascii_digits(text) is expected
