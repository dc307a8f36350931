"""When a request counts as received, when its answer is due, and when a follow-up is allowed.

A request submitted on a working day before the office closes counts that day; otherwise it
counts from the next working day (the "effective day"). The answer is due at the end of the
N-th working day after the effective day, pushed back by the working days the request spent
returned to the applicant (the clock stops then). A follow-up may be filed from the first
working moment (a working day, office hours) at or after a fixed number of hours from
submission: the receipt, the enquiry screen and the CLI all show and apply that one moment.
Nothing here reads the clock: callers pass ``now``/``today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tawasul_desktop.domain.policy import TimingPolicy
from tawasul_desktop.domain.workdays import WorkingCalendar

__all__ = [
    "RequestTiming",
    "compute_timing",
    "due_date_for",
    "effective_day",
    "first_working_moment",
    "follow_up_allowed",
    "follow_up_from",
    "is_overdue",
    "working_days_left",
]


@dataclass(frozen=True)
class RequestTiming:
    submitted_at: dt.datetime  # aware
    effective_day: dt.date
    due_date: dt.date
    follow_up_from: dt.datetime  # aware, same timezone as submitted_at


def _require_aware(moment: dt.datetime, name: str) -> None:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime: pass a timezone-aware datetime")


def _require_date(value: dt.date, name: str) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")


def effective_day(submitted_at: dt.datetime, calendar: WorkingCalendar) -> dt.date:
    """The working day a submission counts from, judged in the office's local time."""
    _require_aware(submitted_at, "submitted_at")
    local = calendar.to_local(submitted_at)
    day = local.date()
    # Before opening still counts the same day: the counter will see it that day.
    if calendar.is_working_day(day) and local.time() < calendar.policy.office_closes:
        return day
    return calendar.next_working_day(day)


def due_date_for(
    effective_day: dt.date,
    calendar: WorkingCalendar,
    working_days: int = 7,
    paused_working_days: int = 0,
) -> dt.date:
    """The date by whose end the request must be resolved."""
    _require_date(effective_day, "effective_day")
    if working_days < 0 or paused_working_days < 0:
        raise ValueError("working_days and paused_working_days must not be negative")
    return calendar.add_working_days(effective_day, working_days + paused_working_days)


def first_working_moment(moment: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """``moment`` if the office is open then, else the next opening; in ``moment``'s zone."""
    _require_aware(moment, "moment")
    local = calendar.to_local(moment)
    opens, closes = calendar.policy.office_opens, calendar.policy.office_closes
    day = local.date()
    if calendar.is_working_day(day):
        if opens <= local.time() < closes:
            return moment
        if local.time() < opens:
            return _at(day, opens, calendar).astimezone(moment.tzinfo)
    return _at(calendar.next_working_day(day), opens, calendar).astimezone(moment.tzinfo)


def _at(day: dt.date, time: dt.time, calendar: WorkingCalendar) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=calendar.timezone)


def follow_up_from(
    submitted_at: dt.datetime, policy: TimingPolicy, calendar: WorkingCalendar
) -> dt.datetime:
    """The first moment a follow-up may be filed, in ``submitted_at``'s timezone: the first
    working moment at or after the policy's waiting hours (72) from submission."""
    _require_aware(submitted_at, "submitted_at")
    # Add elapsed hours in UTC: wall-clock addition would be off by an hour across a DST
    # change if the caller's datetime carries a zone that has one.
    elapsed = dt.timedelta(hours=policy.follow_up_after_hours)
    waited = (submitted_at.astimezone(dt.UTC) + elapsed).astimezone(submitted_at.tzinfo)
    return first_working_moment(waited, calendar)


def follow_up_allowed(
    submitted_at: dt.datetime, now: dt.datetime, policy: TimingPolicy, calendar: WorkingCalendar
) -> bool:
    """Whether a follow-up may be filed at ``now`` (allowed from the boundary itself on)."""
    _require_aware(now, "now")
    return now >= follow_up_from(submitted_at, policy, calendar)


def compute_timing(
    submitted_at: dt.datetime,
    calendar: WorkingCalendar,
    timing_policy: TimingPolicy,
    paused_working_days: int = 0,
) -> RequestTiming:
    day, due = due_dates(submitted_at, calendar, timing_policy, paused_working_days)
    return RequestTiming(
        submitted_at=submitted_at,
        effective_day=day,
        due_date=due,
        follow_up_from=follow_up_from(submitted_at, timing_policy, calendar),
    )


def due_dates(
    submitted_at: dt.datetime,
    calendar: WorkingCalendar,
    timing_policy: TimingPolicy,
    paused_working_days: int = 0,
) -> tuple[dt.date, dt.date]:
    """The effective day and the due date: compute_timing without the follow-up moment,
    which a stored request does not keep (and which costs most of the work)."""
    day = effective_day(submitted_at, calendar)
    return day, due_date_for(
        day, calendar, timing_policy.resolution_working_days, paused_working_days
    )


def is_overdue(due_date: dt.date, today: dt.date) -> bool:
    """Overdue once the due date has fully passed (the due date itself is still in time)."""
    _require_date(due_date, "due_date")
    _require_date(today, "today")
    return today > due_date


def working_days_left(due_date: dt.date, today: dt.date, calendar: WorkingCalendar) -> int:
    """Working days after today up to and including the due date; 0 means "due today".

    Negative when overdue, and at least -1 then even if no working day has passed since
    (e.g. due Thursday, asked on Friday), so the sign alone tells overdue.
    """
    _require_date(due_date, "due_date")
    _require_date(today, "today")
    left = calendar.working_days_between(today, due_date)
    if is_overdue(due_date, today):
        return min(left, -1)
    return left
