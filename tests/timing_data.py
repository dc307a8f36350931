"""Moments for tests that file follow-ups against the real clock, valid whatever day and hour
the test runs: a follow-up opens at the first working moment 72 hours after submission, so a
fixed "four days" ends in the weekend on some days (submitted four days before a Friday
afternoon, the follow-up opens on Sunday)."""

from __future__ import annotations

import datetime as dt

from tawasul_desktop.domain.policy import default_policy
from tawasul_desktop.domain.timing import follow_up_from
from tawasul_desktop.domain.workdays import WorkingCalendar

_POLICY = default_policy()
_CALENDAR = WorkingCalendar(_POLICY.calendar, [])


def submitted_with_follow_up_open(days: int = 4) -> dt.datetime:
    """A submission time at least ``days`` before now whose follow-up is open now (further
    back, a day at a time, past a weekend or holidays)."""
    now = dt.datetime.now(dt.UTC)
    then = now - dt.timedelta(days=days)
    while follow_up_from(then, _POLICY.timing, _CALENDAR) > now:
        then -= dt.timedelta(days=1)
    return then


def follow_up_open_after_now() -> dt.datetime:
    """The moment a follow-up opens for a request submitted before this call (submitted
    later, it could open later: call this after submitting)."""
    return follow_up_from(dt.datetime.now(dt.UTC), _POLICY.timing, _CALENDAR)
