"""WorkingCalendar: weekends, Saudi public holidays, closures, counting and stepping."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tawasul_desktop.domain import workdays
from tawasul_desktop.domain.policy import default_policy
from tawasul_desktop.domain.workdays import WorkingCalendar

D = dt.date
POLICY = default_policy().calendar
CAL = WorkingCalendar(POLICY)

# November 2026 starts on a Sunday and has no Saudi public holiday:
#   Su Mo Tu We Th Fr Sa
#    1  2  3  4  5  6  7
#    8  9 10 11 12 13 14
#   15 16 17 18 19 20 21


def test_default_week_is_sunday_to_thursday():
    week = [D(2026, 11, day) for day in range(1, 8)]  # Sun 1 .. Sat 7
    assert [CAL.is_working_day(d) for d in week] == [True, True, True, True, True, False, False]


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2060, 12, 31)))
@settings(max_examples=200)
def test_friday_and_saturday_are_never_working_days(d):
    if d.isoweekday() in (5, 6):
        assert not CAL.is_working_day(d)
        assert CAL.closure_reason(d) is not None


def test_the_holidays_package_lists_the_national_holidays_we_rely_on():
    # If a holidays release changes these, the examples below need re-checking.
    sa = holidays.country_holidays("SA", years=[2026, 2027], language="en_US")
    assert sa.get(D(2026, 2, 22)) == "Founding Day Holiday"  # a Sunday
    assert sa.get(D(2026, 9, 23)) == "National Day Holiday"  # a Wednesday
    assert sa.get(D(2027, 2, 22)) == "Founding Day Holiday"  # a Monday
    assert sa.get(D(2027, 9, 23)) == "National Day Holiday"  # a Thursday


@pytest.mark.parametrize(
    "holiday", [D(2026, 2, 22), D(2026, 9, 23), D(2027, 2, 22), D(2027, 9, 23)]
)
def test_national_holidays_on_weekdays_are_closed(holiday):
    assert holiday.isoweekday() in POLICY.working_weekdays  # would otherwise be a working day
    assert not CAL.is_working_day(holiday)


def test_holiday_is_skipped_when_stepping():
    # Tue 22 Sep 2026 -> Wed 23 is National Day -> Thu 24.
    assert CAL.next_working_day(D(2026, 9, 22)) == D(2026, 9, 24)
    # Thu 19 Feb 2026 -> Fri, Sat weekend, Sun 22 Founding Day -> Mon 23.
    assert CAL.next_working_day(D(2026, 2, 19)) == D(2026, 2, 23)


def test_eid_al_fitr_2026_block_is_skipped():
    # The package closes Thu 19 - Tue 24 March 2026 (with observed days) -> Wed 25.
    assert CAL.next_working_day(D(2026, 3, 18)) == D(2026, 3, 25)


def test_closure_reason():
    assert CAL.closure_reason(D(2026, 11, 2)) is None
    assert CAL.closure_reason(D(2026, 9, 23)) == "National Day Holiday"
    assert CAL.closure_reason(D(2026, 9, 23), "ar") == "اليوم الوطني"
    assert CAL.closure_reason(D(2026, 11, 6)) == "weekend"
    closed = CAL.with_closures([D(2026, 11, 3)])
    assert closed.closure_reason(D(2026, 11, 3)) == "closure"
    with pytest.raises(ValueError):
        CAL.closure_reason(D(2026, 11, 3), "fr")


def test_extra_closures_from_database_are_skipped():
    # Sun 1 Nov + 7 working days is Tue 10 Nov; closing Tue 3 Nov pushes it to Wed 11.
    assert CAL.add_working_days(D(2026, 11, 1), 7) == D(2026, 11, 10)
    closed = CAL.with_closures([D(2026, 11, 3)])
    assert not closed.is_working_day(D(2026, 11, 3))
    assert closed.add_working_days(D(2026, 11, 1), 7) == D(2026, 11, 11)
    assert CAL.is_working_day(D(2026, 11, 3)), "with_closures must not change the original"


def test_with_closures_accumulates():
    cal = CAL.with_closures([D(2026, 11, 3)]).with_closures([D(2026, 11, 4)])
    assert not cal.is_working_day(D(2026, 11, 3))
    assert not cal.is_working_day(D(2026, 11, 4))
    assert cal.closures == {D(2026, 11, 3), D(2026, 11, 4)}


def test_policy_extra_closures_are_skipped():
    policy = replace(POLICY, extra_closures=(D(2026, 11, 2),))
    cal = WorkingCalendar(policy, [D(2026, 11, 9)])
    assert not cal.is_working_day(D(2026, 11, 2))
    assert not cal.is_working_day(D(2026, 11, 9))
    assert cal.with_closures([]).closures == {D(2026, 11, 2), D(2026, 11, 9)}


def test_other_working_weeks_are_honoured():
    cal = WorkingCalendar(replace(POLICY, working_weekdays=(1, 2, 3, 4, 5)))
    assert cal.is_working_day(D(2026, 11, 6))  # Friday
    assert not cal.is_working_day(D(2026, 11, 1))  # Sunday


def test_bad_policies_are_refused():
    with pytest.raises(ValueError):
        WorkingCalendar(replace(POLICY, working_weekdays=()))
    with pytest.raises(ValueError):
        WorkingCalendar(replace(POLICY, timezone="Asia/Nowhere"))


def test_add_working_days_examples():
    assert CAL.add_working_days(D(2026, 11, 1), 0) == D(2026, 11, 1)
    assert CAL.add_working_days(D(2026, 11, 6), 0) == D(2026, 11, 6)  # n=0 even on a Friday
    assert CAL.add_working_days(D(2026, 11, 5), 1) == D(2026, 11, 8)  # Thu -> Sun
    assert CAL.add_working_days(D(2026, 11, 6), 1) == D(2026, 11, 8)  # Fri -> Sun
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 11, 1), -1)


def test_add_working_days_crosses_the_year():
    # Thu 31 Dec 2026 -> Fri 1, Sat 2 Jan weekend -> Sun 3 Jan 2027.
    assert CAL.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 3)
    assert CAL.working_days_between(D(2026, 12, 31), D(2027, 1, 3)) == 1


def test_working_days_between_examples():
    assert CAL.working_days_between(D(2026, 11, 1), D(2026, 11, 1)) == 0
    # (Sun 1, Sun 8] = Mon, Tue, Wed, Thu, Sun -> 5
    assert CAL.working_days_between(D(2026, 11, 1), D(2026, 11, 8)) == 5
    # (Thu 5, Sat 7] holds no working day
    assert CAL.working_days_between(D(2026, 11, 5), D(2026, 11, 7)) == 0
    assert CAL.working_days_between(D(2026, 11, 8), D(2026, 11, 1)) == -5


def test_datetimes_are_refused_where_dates_are_meant():
    with pytest.raises(TypeError):
        CAL.is_working_day(dt.datetime(2026, 11, 1, 10, 0))  # type: ignore[arg-type]


def _reference_is_working_day(d: dt.date, closures: frozenset[dt.date]) -> bool:
    return (
        d.isoweekday() in (7, 1, 2, 3, 4)
        and d not in holidays.country_holidays("SA", years=d.year)
        and d not in closures
    )


dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2050, 12, 31))
closure_sets = st.frozensets(dates, max_size=5)


@given(dates, closure_sets)
@settings(max_examples=100, deadline=None)
def test_is_working_day_matches_a_day_by_day_reference(d, closures):
    cal = CAL.with_closures(closures)
    assert cal.is_working_day(d) == _reference_is_working_day(d, closures)


@given(dates, st.integers(min_value=0, max_value=60))
@settings(max_examples=100, deadline=None)
def test_add_working_days_matches_a_day_by_day_walk(d, n):
    expected, remaining = d, n
    while remaining:
        expected += dt.timedelta(days=1)
        if _reference_is_working_day(expected, frozenset()):
            remaining -= 1
    assert CAL.add_working_days(d, n) == expected


@given(dates, st.integers(min_value=1, max_value=800))
def test_add_working_days_lands_on_a_working_day(d, n):
    assert CAL.is_working_day(CAL.add_working_days(d, n))


@given(dates, st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=400))
def test_add_working_days_is_monotonic(d, a, b):
    low, high = sorted((a, b))
    if low < high:
        assert CAL.add_working_days(d, low) < CAL.add_working_days(d, high)
    else:
        assert CAL.add_working_days(d, low) == CAL.add_working_days(d, high)


@given(dates, st.integers(min_value=0, max_value=800))
def test_working_days_between_inverts_add_working_days(d, n):
    assert CAL.working_days_between(d, CAL.add_working_days(d, n)) == n


@given(dates, dates, dates)
def test_working_days_between_is_additive(a, b, c):
    assert CAL.working_days_between(a, c) == (
        CAL.working_days_between(a, b) + CAL.working_days_between(b, c)
    )


def test_each_year_is_expanded_once(monkeypatch):
    calls = []
    real = holidays.country_holidays

    def counting(*args, **kwargs):
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(workdays.holidays, "country_holidays", counting)
    workdays._saudi_holidays.cache_clear()
    workdays._holiday_ordinals.cache_clear()
    cal = WorkingCalendar(POLICY)
    start = D(2031, 1, 1)
    for offset in range(2000):
        cal.add_working_days(start + dt.timedelta(days=offset % 365), 7)
    assert sorted(calls) == [2031, 2032]
