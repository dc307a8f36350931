"""Effective day, due date, follow-up window and overdue counting for a request."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tawasul_desktop.domain.policy import default_policy
from tawasul_desktop.domain.timing import (
    RequestTiming,
    compute_timing,
    due_date_for,
    effective_day,
    follow_up_allowed,
    follow_up_from,
    is_overdue,
    working_days_left,
)
from tawasul_desktop.domain.workdays import WorkingCalendar

D = dt.date
RIYADH = ZoneInfo("Asia/Riyadh")
UTC = dt.UTC
POLICY = default_policy()
CAL = WorkingCalendar(POLICY.calendar)
TIMING = POLICY.timing

# November 2026 has no Saudi public holiday; Fri/Sat are the weekend.
#   Su Mo Tu We Th Fr Sa
#    1  2  3  4  5  6  7
#    8  9 10 11 12 13 14
#   15 16 17 18 19 20 21


def riyadh(y, m, d, hh=10, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=RIYADH)


def test_policy_defaults_are_what_the_examples_assume():
    assert POLICY.calendar.office_closes == dt.time(14, 30)
    assert TIMING.resolution_working_days == 7
    assert TIMING.follow_up_after_hours == 72


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        (riyadh(2026, 11, 5, 7, 0), D(2026, 11, 5)),  # Thu before opening: that day counts
        (riyadh(2026, 11, 5, 14, 29, 59), D(2026, 11, 5)),  # last second before closing
        (riyadh(2026, 11, 5, 14, 30), D(2026, 11, 8)),  # at closing: next working day (Sun)
        (riyadh(2026, 11, 5, 23, 59), D(2026, 11, 8)),
        (riyadh(2026, 11, 6, 9, 0), D(2026, 11, 8)),  # Friday -> Sunday
        (riyadh(2026, 11, 7, 9, 0), D(2026, 11, 8)),  # Saturday -> Sunday
        # Eve of National Day (Wed 23 Sep 2026) after hours -> Thu 24.
        (riyadh(2026, 9, 22, 15, 0), D(2026, 9, 24)),
        # On the holiday itself -> Thu 24.
        (riyadh(2026, 9, 23, 9, 0), D(2026, 9, 24)),
        # Eve of Eid al-Fitr 1447 (closed Thu 19 - Tue 24 Mar 2026) -> Wed 25.
        (riyadh(2026, 3, 18, 15, 0), D(2026, 3, 25)),
    ],
)
def test_effective_day(submitted, expected):
    assert effective_day(submitted, CAL) == expected


def test_effective_day_uses_riyadh_time_not_utc():
    # 21:30 UTC on Wed 4 Nov is 00:30 on Thu 5 Nov in Riyadh: counts Thursday, not Wednesday.
    late_utc = dt.datetime(2026, 11, 4, 21, 30, tzinfo=UTC)
    assert effective_day(late_utc, CAL) == D(2026, 11, 5)
    # 11:45 UTC on Thu 5 Nov is 14:45 in Riyadh, after closing: counts Sunday 8.
    assert effective_day(dt.datetime(2026, 11, 5, 11, 45, tzinfo=UTC), CAL) == D(2026, 11, 8)
    # 20:59 UTC Thursday is 23:59 Thursday in Riyadh; 21:00 UTC is already Friday there.
    assert effective_day(dt.datetime(2026, 11, 5, 21, 0, tzinfo=UTC), CAL) == D(2026, 11, 8)


def test_naive_datetimes_are_refused():
    naive = dt.datetime(2026, 11, 1, 10, 0)
    with pytest.raises(ValueError):
        effective_day(naive, CAL)
    with pytest.raises(ValueError):
        follow_up_from(naive, TIMING, CAL)
    with pytest.raises(ValueError):
        follow_up_allowed(riyadh(2026, 11, 1), naive, TIMING, CAL)
    with pytest.raises(ValueError):
        compute_timing(naive, CAL, TIMING)


def test_due_date_on_a_normal_week():
    # Effective Sun 1 Nov; 7 working days after it:
    # Mon 2 (1), Tue 3 (2), Wed 4 (3), Thu 5 (4), Sun 8 (5), Mon 9 (6), Tue 10 (7).
    assert due_date_for(D(2026, 11, 1), CAL) == D(2026, 11, 10)


def test_due_date_across_a_holiday():
    # Effective Thu 24 Sep 2026 (after National Day): Sun 27 (1), Mon 28 (2), Tue 29 (3),
    # Wed 30 (4), Thu 1 Oct (5), Sun 4 (6), Mon 5 (7).
    assert due_date_for(D(2026, 9, 24), CAL) == D(2026, 10, 5)
    # Effective Wed 25 Mar 2026 (after Eid): Thu 26 (1), Sun 29 (2), Mon 30 (3), Tue 31 (4),
    # Wed 1 Apr (5), Thu 2 (6), Sun 5 (7).
    assert due_date_for(D(2026, 3, 25), CAL) == D(2026, 4, 5)


def test_paused_days_extend_the_due_date():
    # Due Tue 10 Nov without pause; 3 paused working days: Wed 11, Thu 12, Sun 15.
    assert due_date_for(D(2026, 11, 1), CAL, paused_working_days=3) == D(2026, 11, 15)
    assert due_date_for(D(2026, 11, 1), CAL, working_days=7, paused_working_days=0) == D(
        2026, 11, 10
    )
    with pytest.raises(ValueError):
        due_date_for(D(2026, 11, 1), CAL, paused_working_days=-1)


def test_extra_closure_moves_the_due_date():
    closed = CAL.with_closures([D(2026, 11, 9)])
    assert due_date_for(D(2026, 11, 1), closed) == D(2026, 11, 11)


def test_compute_timing_submitted_sunday_morning():
    submitted = riyadh(2026, 11, 1, 10, 0)
    timing = compute_timing(submitted, CAL, TIMING)
    assert timing == RequestTiming(
        submitted_at=submitted,
        effective_day=D(2026, 11, 1),
        due_date=D(2026, 11, 10),  # the Tuesday of the following week
        follow_up_from=riyadh(2026, 11, 4, 10, 0),
    )


def test_compute_timing_uses_policy_numbers_and_pause():
    submitted = riyadh(2026, 11, 1, 10, 0)
    policy = replace(TIMING, resolution_working_days=5, follow_up_after_hours=24)
    timing = compute_timing(submitted, CAL, policy, paused_working_days=2)
    assert timing.due_date == D(2026, 11, 10)  # 5 + 2 working days after Sun 1
    assert timing.follow_up_from == riyadh(2026, 11, 2, 10, 0)


def test_follow_up_exactly_at_the_72_hour_boundary():
    submitted = riyadh(2026, 11, 1, 10, 0)
    assert follow_up_from(submitted, TIMING, CAL) == riyadh(2026, 11, 4, 10, 0)
    just_before = riyadh(2026, 11, 4, 9, 59, 59)
    assert not follow_up_allowed(submitted, just_before, TIMING, CAL)
    assert follow_up_allowed(submitted, riyadh(2026, 11, 4, 10, 0), TIMING, CAL)
    # The same instant given in UTC.
    assert follow_up_allowed(submitted, dt.datetime(2026, 11, 4, 7, 0, tzinfo=UTC), TIMING, CAL)
    early = dt.datetime(2026, 11, 4, 6, 59, 59, tzinfo=UTC)
    assert not follow_up_allowed(submitted, early, TIMING, CAL)


def test_follow_up_counts_elapsed_hours_across_a_dst_change():
    london = ZoneInfo("Europe/London")  # clocks go back on Sun 25 Oct 2026
    submitted = dt.datetime(2026, 10, 24, 12, 0, tzinfo=london)
    moment = follow_up_from(submitted, TIMING, CAL)
    assert moment.astimezone(UTC) - submitted.astimezone(UTC) == dt.timedelta(hours=72)
    assert (moment.hour, moment.tzinfo) == (11, london)


def test_is_overdue():
    due = D(2026, 11, 10)
    assert not is_overdue(due, D(2026, 11, 9))
    assert not is_overdue(due, due)  # due at the end of the day
    assert is_overdue(due, D(2026, 11, 11))


@pytest.mark.parametrize(
    ("today", "left"),
    [
        (D(2026, 11, 1), 7),  # the effective day: all 7 ahead
        (D(2026, 11, 8), 2),  # Mon 9, Tue 10
        (D(2026, 11, 7), 3),  # a Saturday: Sun 8, Mon 9, Tue 10
        (D(2026, 11, 10), 0),  # due today
        (D(2026, 11, 11), -1),
        (D(2026, 11, 15), -3),  # Wed 11, Thu 12, Sun 15 have passed
    ],
)
def test_working_days_left(today, left):
    assert working_days_left(D(2026, 11, 10), today, CAL) == left


def test_overdue_over_a_weekend_still_reads_negative():
    # Due Thu 12 Nov; on Fri 13 no working day has passed since, but it is overdue.
    assert working_days_left(D(2026, 11, 12), D(2026, 11, 13), CAL) == -1
    assert working_days_left(D(2026, 11, 12), D(2026, 11, 15), CAL) == -1
    assert working_days_left(D(2026, 11, 12), D(2026, 11, 16), CAL) == -2


def test_dates_and_datetimes_are_not_mixed_up():
    with pytest.raises(TypeError):
        is_overdue(D(2026, 11, 10), riyadh(2026, 11, 11))  # type: ignore[arg-type]


moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2040, 12, 31), timezones=st.just(UTC)
)


@given(moments, st.integers(min_value=0, max_value=20))
def test_timing_properties(submitted, paused):
    timing = compute_timing(submitted, CAL, TIMING, paused_working_days=paused)
    local_day = submitted.astimezone(RIYADH).date()
    assert CAL.is_working_day(timing.effective_day)
    assert timing.effective_day >= local_day
    # Nothing working lies between the submission's local day and the effective day.
    assert CAL.working_days_between(local_day, timing.effective_day) <= 1
    assert CAL.working_days_between(timing.effective_day, timing.due_date) == 7 + paused
    assert working_days_left(timing.due_date, timing.effective_day, CAL) == 7 + paused
    assert not follow_up_allowed(submitted, submitted, TIMING, CAL)


# --- the follow-up opens at the first working moment at or after submission + 72 h ---------


@pytest.mark.parametrize(
    ("submitted", "opens"),
    [
        (riyadh(2026, 11, 1, 10, 0), riyadh(2026, 11, 4, 10, 0)),  # Wed 10:00: office open
        (riyadh(2026, 11, 2, 15, 0), riyadh(2026, 11, 8, 8, 0)),  # Thu 15:00 closed: Sun 08:00
        (riyadh(2026, 11, 3, 10, 0), riyadh(2026, 11, 8, 8, 0)),  # lands on Friday: Sunday
        (riyadh(2026, 11, 1, 6, 0), riyadh(2026, 11, 4, 8, 0)),  # Wed 06:00: opens at 08:00
        (riyadh(2026, 11, 1, 14, 30), riyadh(2026, 11, 5, 8, 0)),  # Wed 14:30 is closing
        (riyadh(2026, 11, 1, 14, 29), riyadh(2026, 11, 4, 14, 29)),
    ],
)
def test_follow_up_opens_at_the_first_working_moment(submitted, opens):
    assert follow_up_from(submitted, TIMING, CAL) == opens
    assert compute_timing(submitted, CAL, TIMING).follow_up_from == opens
    assert not follow_up_allowed(submitted, opens - dt.timedelta(seconds=1), TIMING, CAL)
    assert follow_up_allowed(submitted, opens, TIMING, CAL)


def test_follow_up_skips_a_closure():
    closed = CAL.with_closures([D(2026, 11, 4)])
    assert follow_up_from(riyadh(2026, 11, 1, 10, 0), TIMING, closed) == riyadh(2026, 11, 5, 8, 0)


@given(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)))
def test_follow_up_is_the_earliest_working_moment_after_the_wait(local):
    submitted = local.replace(tzinfo=RIYADH)
    opens = follow_up_from(submitted, TIMING, CAL)
    earliest = submitted + dt.timedelta(hours=TIMING.follow_up_after_hours)
    assert opens >= earliest and opens.tzinfo is RIYADH
    office = POLICY.calendar
    assert CAL.is_working_day(opens.date())
    assert office.office_opens <= opens.time() < office.office_closes
    if opens > earliest:  # moved: to an opening, and no working moment was skipped
        assert opens.time() == office.office_opens
        first = earliest.date()
        if CAL.is_working_day(first):
            assert earliest.time() >= office.office_closes or (
                opens.date() == first and earliest.time() < office.office_opens)
        day = first + dt.timedelta(days=1)
        while day < opens.date():
            assert not CAL.is_working_day(day)
            day += dt.timedelta(days=1)
