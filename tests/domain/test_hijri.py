"""Umm al-Qura conversion and the date texts shown at the counter and on receipts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tawasul_desktop.domain.hijri import (
    HijriDate,
    format_date,
    format_datetime,
    format_dual,
    format_hijri,
    gregorian_month_name,
    hijri_month_name,
    to_hijri,
)

D = dt.date


@pytest.mark.parametrize(
    ("gregorian", "hijri"),
    [
        # Saudi Arabia began Ramadan 1447 on Wednesday 18 February 2026 (Umm al-Qura).
        (D(2026, 2, 18), (1447, 9, 1)),
        (D(2026, 2, 17), (1447, 8, 29)),
        # Eid al-Adha 1445 (10 Dhu al-Hijjah) was Sunday 16 June 2024.
        (D(2024, 6, 16), (1445, 12, 10)),
        # Eid al-Fitr 1445 (1 Shawwal) was Wednesday 10 April 2024.
        (D(2024, 4, 10), (1445, 10, 1)),
        # Islamic new year 1446 (1 Muharram) was Sunday 7 July 2024.
        (D(2024, 7, 7), (1446, 1, 1)),
    ],
)
def test_known_umm_al_qura_dates(gregorian, hijri):
    assert to_hijri(gregorian) == HijriDate(*hijri)


def test_out_of_range_dates_have_no_hijri():
    assert to_hijri(D(1924, 8, 1)) is not None  # first date of the Umm al-Qura table
    assert to_hijri(D(1924, 7, 31)) is None
    assert to_hijri(D(2077, 11, 16)) is not None  # last date
    assert to_hijri(D(2077, 11, 17)) is None


def test_month_names():
    saudi_gregorian_months = [
        "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
        "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
    ]  # fmt: skip
    assert [gregorian_month_name(m, "ar") for m in range(1, 13)] == saudi_gregorian_months
    assert gregorian_month_name(11, "en") == "November"
    assert hijri_month_name(9, "ar") == "رمضان"
    assert hijri_month_name(6, "ar") == "جمادى الآخرة"
    assert hijri_month_name(6, "en") == "Jumada al-Akhirah"
    assert hijri_month_name(12, "en") == "Dhu al-Hijjah"
    with pytest.raises(ValueError):
        hijri_month_name(13, "en")
    with pytest.raises(ValueError):
        hijri_month_name(1, "fr")


def test_format_date():
    assert format_date(D(2026, 11, 25), "ar") == "25 نوفمبر 2026"
    assert format_date(D(2026, 11, 25), "en") == "25 November 2026"
    assert format_date(D(2026, 1, 5), "en") == "5 January 2026"  # no leading zero
    assert format_date(D(2026, 11, 25), "ar_SA") == "25 نوفمبر 2026"


def test_format_hijri():
    # 15 Nov 2026 = 5 Jumada al-Akhirah 1448 (Umm al-Qura).
    assert format_hijri(D(2026, 11, 15), "ar") == "5 جمادى الآخرة 1448 هـ"
    assert format_hijri(D(2026, 11, 15), "en") == "5 Jumada al-Akhirah 1448 AH"


def test_format_dual():
    assert format_dual(D(2026, 11, 25), "en") == "25 November 2026 (15 Jumada al-Akhirah 1448 AH)"
    assert format_dual(D(2026, 11, 25), "ar") == "25 نوفمبر 2026 (15 جمادى الآخرة 1448 هـ)"


@pytest.mark.parametrize("day", [D(1900, 1, 1), D(2100, 6, 1), D(1, 1, 1), D(9999, 12, 31)])
def test_out_of_range_formats_fall_back_to_gregorian(day):
    for language in ("ar", "en"):
        assert format_hijri(day, language) == format_date(day, language)
        assert format_dual(day, language) == format_date(day, language)
    assert format_dual(D(2100, 6, 1), "en") == "1 June 2100"


def test_format_datetime_in_local_24_hour_time():
    # 21:05 UTC on 24 Nov is 00:05 on 25 Nov in Riyadh.
    moment = dt.datetime(2026, 11, 24, 21, 5, tzinfo=dt.UTC)
    assert format_datetime(moment, "en", "Asia/Riyadh") == "25 November 2026 00:05"
    assert format_datetime(moment, "ar", ZoneInfo("Asia/Riyadh")) == "25 نوفمبر 2026 00:05"
    assert format_datetime(moment, "en", "UTC") == "24 November 2026 21:05"
    afternoon = dt.datetime(2026, 11, 25, 11, 30, tzinfo=dt.UTC)
    assert format_datetime(afternoon, "en", "Asia/Riyadh") == "25 November 2026 14:30"
    assert (
        format_datetime(afternoon, "en", "Asia/Riyadh", hijri=True)
        == "25 November 2026 (15 Jumada al-Akhirah 1448 AH) 14:30"
    )


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        format_datetime(dt.datetime(2026, 11, 25, 10, 0), "en", "Asia/Riyadh")
    with pytest.raises(TypeError):
        format_date(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC), "en")
    with pytest.raises(ValueError):
        format_date(D(2026, 11, 25), "de")


@given(st.dates(min_value=D(1924, 8, 1), max_value=D(2077, 11, 15)))
def test_consecutive_days_advance_the_hijri_date_by_one(day):
    today, tomorrow = to_hijri(day), to_hijri(day + dt.timedelta(days=1))
    assert today is not None and tomorrow is not None
    if tomorrow.day == 1:
        assert today.day in (29, 30)  # Umm al-Qura months have 29 or 30 days
        if today.month == 12:
            assert (tomorrow.year, tomorrow.month) == (today.year + 1, 1)
        else:
            assert (tomorrow.year, tomorrow.month) == (today.year, today.month + 1)
    else:
        assert tomorrow == HijriDate(today.year, today.month, today.day + 1)


@given(st.dates())
def test_formatting_never_raises_for_any_date(day):
    for language in ("ar", "en"):
        assert str(day.year) in format_dual(day, language)
