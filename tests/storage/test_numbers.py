"""Request numbers as the store issues them, and the Damm check that guards typed numbers."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.numbers import (
    NUMBER_DIGITS,
    CheckDigitError,
    NumberFormatError,
    damm_check_digit,
    make_number,
    parse_number,
)
from tawasul_desktop.storage.requests import number_or_problem, submit_request
from tawasul_desktop.storage.store import Store

RIYADH = ZoneInfo("Asia/Riyadh")


def riyadh(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=RIYADH)


_rng = random.Random(20261125)
SAMPLE = [
    make_number(
        f"{_rng.randrange(1000):03d}",
        _rng.randrange(1, 100),
        _rng.randrange(100),
        _rng.randrange(1, 1_000_000),
    ).digits
    for _ in range(150)
]
SAMPLE += [
    "10101260000017",
    make_number("000", 1, 0, 1).digits,
    make_number("999", 99, 99, 999_999).digits,
]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EASTERN_ARABIC_INDIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _display(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:5]}-{digits[5:7]}-{digits[7:13]}-{digits[13]}"


def test_the_sample_numbers_are_valid():
    for digits in SAMPLE:
        assert len(digits) == NUMBER_DIGITS
        assert _display(digits) == parse_number(digits).display
        assert damm_check_digit(digits) == 0
        assert parse_number(digits).digits == digits


@pytest.mark.parametrize("digits", SAMPLE)
def test_every_single_digit_substitution_is_caught(digits):
    for position in range(len(digits)):
        for replacement in "0123456789":
            if replacement == digits[position]:
                continue
            typo = digits[:position] + replacement + digits[position + 1 :]
            with pytest.raises(CheckDigitError):
                parse_number(typo)


@pytest.mark.parametrize("digits", SAMPLE)
def test_every_adjacent_transposition_is_caught(digits):
    for position in range(len(digits) - 1):
        a, b = digits[position], digits[position + 1]
        if a == b:
            continue
        swapped = digits[:position] + b + a + digits[position + 2 :]
        with pytest.raises(CheckDigitError):
            parse_number(swapped)


@pytest.mark.parametrize("digits", SAMPLE[:20])
def test_numbers_are_read_as_typed(digits):
    display = _display(digits)
    for typed in (
        digits,
        display,
        display.translate(ARABIC_INDIC),
        display.translate(EASTERN_ARABIC_INDIC),
        digits.translate(ARABIC_INDIC),
        f"  {display.replace('-', ' ')} ",
        display.replace("-", "/"),
    ):
        assert parse_number(typed).digits == digits, typed
        assert number_or_problem(typed) == digits


@pytest.mark.parametrize("text", ["", "12345", "101012600001612", "101-01-26-0000A-6", "١٠١"])
def test_things_that_are_not_numbers_at_all(text):
    with pytest.raises(NumberFormatError):
        parse_number(text)


def test_a_mistyped_number_is_its_own_error():
    from tawasul_desktop.domain.messages import TawasulError

    with pytest.raises(TawasulError) as caught:
        good = make_number("101", 1, 26, 1).digits
        number_or_problem(good[:-1] + str((int(good[-1]) + 1) % 10))
    assert caught.value.problems[0].code == "request.bad_number"
    assert caught.value.invalid_input


def test_numbers_are_sequential_within_a_counter(store, valid_request, supervisor):
    now = riyadh(2026, 11, 1)
    numbers = [
        parse_number(submit_request(store, supervisor, valid_request(), now=now).number)
        for _ in range(3)
    ]
    assert [n.sequence for n in numbers] == [1, 2, 3]
    assert {(n.centre, n.counter, n.year) for n in numbers} == {("101", 1, 26)}


def test_numbers_restart_in_a_new_year_by_local_time(store, valid_request, supervisor):
    # 31 Dec 2026 22:30 UTC is already 1 Jan 2027 in Riyadh.
    late = dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC)
    first = parse_number(
        submit_request(store, supervisor, valid_request(), now=riyadh(2026, 12, 30)).number
    )
    second = parse_number(submit_request(store, supervisor, valid_request(), now=late).number)
    assert (first.year, first.sequence) == (26, 1)
    assert (second.year, second.sequence) == (27, 1)


def test_two_counters_never_share_a_number(
    tmp_path, monkeypatch, clean_env, valid_request, supervisor
):
    """Each counter keeps its own database; the counter digits keep their numbers apart."""
    now = riyadh(2026, 11, 1)
    issued: dict[int, list[str]] = {}
    for counter in (1, 2):
        monkeypatch.setenv("TAWASUL_COUNTER", str(counter))
        settings = load_settings(
            config_file=tmp_path / "none.toml",
            db=tmp_path / f"counter{counter}.sqlite3",
            data_dir=tmp_path / f"data{counter}",
        )
        assert settings.counter == counter
        with Store.open(settings) as store:
            issued[counter] = [
                submit_request(store, supervisor, valid_request(), now=now).number for _ in range(3)
            ]
    assert not set(issued[1]) & set(issued[2])
    assert all(parse_number(n).counter == 1 for n in issued[1])
    assert all(parse_number(n).counter == 2 for n in issued[2])
    # Same sequences, told apart only by the counter.
    assert [parse_number(n).sequence for n in issued[1]] == [
        parse_number(n).sequence for n in issued[2]
    ]


def test_two_counters_on_one_database_keep_separate_sequences(
    tmp_path, monkeypatch, clean_env, valid_request, supervisor
):
    now = riyadh(2026, 11, 1)
    numbers = []
    for counter in (1, 2, 1, 2):
        monkeypatch.setenv("TAWASUL_COUNTER", str(counter))
        settings = load_settings(
            config_file=tmp_path / "none.toml",
            db=tmp_path / "shared.sqlite3",
            data_dir=tmp_path / "data",
        )
        with Store.open(settings) as store:
            numbers.append(
                parse_number(submit_request(store, supervisor, valid_request(), now=now).number)
            )
    assert len({n.digits for n in numbers}) == 4
    assert [(n.counter, n.sequence) for n in numbers] == [(1, 1), (2, 1), (1, 2), (2, 2)]
