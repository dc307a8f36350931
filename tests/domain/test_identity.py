"""National ID, iqama and border numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tawasul_desktop.domain.identity import (
    check_identity,
    identity_kind,
    kind_labels,
    luhn_check_digit,
    luhn_valid,
    make_identity,
    mask_identity,
)
from tawasul_desktop.domain.messages import Problem


def saudi_check_digit(first_nine: str) -> str:
    """Independent of the code: try every digit with the scheme as published, left to right.

    Digits at even 0-based positions are doubled, the digits of each product summed, and the
    whole must be a multiple of ten.
    """
    for candidate in "0123456789":
        number = first_nine + candidate
        total = 0
        for position, ch in enumerate(number):
            if position % 2 == 0:
                total += sum(int(d) for d in str(int(ch) * 2))
            else:
                total += int(ch)
        if total % 10 == 0:
            return candidate
    raise AssertionError("no check digit")  # pragma: no cover


# Hand-verified: even positions doubled + odd positions.
#   1000000008: (1*2) + 8 = 10                               -> valid
#   2000000006: (2*2) + 6 = 10                               -> valid
#   1234567897: 2+6+(1+0)+(1+4)+(1+8) = 23; 2+4+6+8+7 = 27   -> 50, valid
#   2234567895: 4+6+1+5+9 = 25; 2+4+6+8+5 = 25               -> 50, valid
#   1111111116: 2*5 = 10; 1+1+1+1+6 = 10                     -> 20, valid
VALID_NATIONAL_IDS = ["1000000008", "1234567897", "1111111116"]
VALID_IQAMAS = ["2000000006", "2234567895"]
#   1000000007: 2 + 7 = 9; 1234567890: 43; 2000000000: 4; 2234567894: 49
BAD_CHECK = ["1000000007", "1234567890", "2000000000", "2234567894"]

nine_digit_bodies = st.text(alphabet="0123456789", min_size=8, max_size=8)


def problem_code(result: object) -> str:
    assert isinstance(result, Problem), result
    return result.code


def test_the_test_helper_agrees_with_the_hand_verified_literals() -> None:
    for number in VALID_NATIONAL_IDS + VALID_IQAMAS:
        assert saudi_check_digit(number[:9]) == number[9]
    for number in BAD_CHECK:
        assert saudi_check_digit(number[:9]) != number[9]


@pytest.mark.parametrize("number", VALID_NATIONAL_IDS + VALID_IQAMAS)
def test_luhn_accepts_valid_numbers(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", [*BAD_CHECK, "", "12345abc90", "١٠٠٠٠٠٠٠٠٨"])
def test_luhn_refuses_wrong_check_digits_and_non_ascii(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize("number", VALID_NATIONAL_IDS)
def test_national_id_is_accepted(number: str) -> None:
    assert check_identity(number, "f") == (number, "national_id")
    assert identity_kind(number) == "national_id"


@pytest.mark.parametrize("number", VALID_IQAMAS)
def test_iqama_is_accepted(number: str) -> None:
    assert check_identity(number, "f") == (number, "iqama")
    assert identity_kind(number) == "iqama"


@pytest.mark.parametrize("number", ["3000000000", "3123456789", "4000000001", "4999999999"])
def test_border_numbers_have_no_check_digit(number: str) -> None:
    assert check_identity(number, "f") == (number, "border")
    assert identity_kind(number) == "border"


@pytest.mark.parametrize(
    "written",
    ["١٠٠٠٠٠٠٠٠٨", "۱۰۰۰۰۰۰۰۰۸", " 1000 000 008 ", "1-000-000-008", "\u200e1000000008\u200f"],
)
def test_identity_in_common_writings_is_normalised(written: str) -> None:
    assert check_identity(written, "f") == ("1000000008", "national_id")


@pytest.mark.parametrize("number", BAD_CHECK)
def test_wrong_check_digit_is_refused(number: str) -> None:
    result = check_identity(number, "applicant.id_number")
    assert problem_code(result) == "id.checksum"
    assert isinstance(result, Problem) and result.field == "applicant.id_number"
    assert identity_kind(number) is None


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_missing_identity(text: str) -> None:
    assert problem_code(check_identity(text, "f")) == "id.required"


@pytest.mark.parametrize(
    "text",
    [
        "100000000",  # nine digits
        "10000000088",  # eleven
        "10000000O8",  # letter O
        "１０００００００００８",  # full-width digits are not accepted as look-alikes
        "1" * 1000,
        "'; DROP TABLE x;--",
    ],
)
def test_malformed_identity(text: str) -> None:
    assert problem_code(check_identity(text, "f")) == "id.format"
    assert identity_kind(text) is None


@pytest.mark.parametrize("text", ["0000000000", "5000000003", "9123456789"])
def test_unknown_prefix(text: str) -> None:
    assert problem_code(check_identity(text, "f")) == "id.prefix"
    assert identity_kind(text) is None


def test_make_identity_appends_the_published_check_digit() -> None:
    assert make_identity("1", "00000000") == "1000000008"
    assert make_identity("2", "23456789") == "2234567895"
    assert make_identity("1", "23456789") == "1234567897"


@pytest.mark.parametrize(
    ("prefix", "body"), [("5", "00000000"), ("1", "0000000"), ("1", "000000000"), ("1", "0000000x")]
)
def test_make_identity_refuses_bad_input(prefix: str, body: str) -> None:
    with pytest.raises(ValueError):
        make_identity(prefix, body)


def test_luhn_check_digit_refuses_non_digits() -> None:
    with pytest.raises(ValueError):
        luhn_check_digit("12a")


@settings(max_examples=200, deadline=None)
@given(prefix=st.sampled_from("12"), body=nine_digit_bodies)
def test_make_identity_matches_independent_helper(prefix: str, body: str) -> None:
    number = make_identity(prefix, body)
    assert number == prefix + body + saudi_check_digit(prefix + body)
    assert check_identity(number, "f") == (number, "national_id" if prefix == "1" else "iqama")


@settings(max_examples=200, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_luhn_agrees_with_independent_helper(digits: str) -> None:
    assert luhn_valid(digits) == (saudi_check_digit(digits[:9]) == digits[9])


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from("12"),
    body=nine_digit_bodies,
    position=st.integers(1, 9),
    shift=st.integers(1, 9),
)
def test_any_single_digit_error_is_caught(
    prefix: str, body: str, position: int, shift: int
) -> None:
    number = prefix + body + saudi_check_digit(prefix + body)
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert problem_code(check_identity(wrong, "f")) == "id.checksum"


@pytest.mark.parametrize(
    ("number", "masked"),
    [("1000000008", "******0008"), ("2234567895", "******7895"), ("123", "***"), ("", "")],
)
def test_mask_identity(number: str, masked: str) -> None:
    assert mask_identity(number) == masked


def test_kind_labels_are_bilingual() -> None:
    assert kind_labels("national_id") == ("هوية وطنية", "national ID")
    assert kind_labels("iqama") == ("إقامة", "iqama")
    assert kind_labels("border") == ("رقم حدود", "border number")
