"""The working-day calendar of the service centre: weekends, Saudi public holidays, closures.

A ``WorkingCalendar`` answers "is the office open on this date?" and counts working days.
Weekends come from the policy's working weekdays, public holidays from the ``holidays``
package's Saudi calendar, and closures from the policy plus those administrators add later.
Each year is expanded once, lazily, into a sorted tuple of working-day ordinals, so counting
and stepping are a bisect and an index rather than a day-by-day walk.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from tawasul_desktop.domain.policy import CalendarPolicy

__all__ = ["WorkingCalendar"]

# Reasons returned by closure_reason() for dates that are not public holidays; the GUI
# translates these codes.
REASON_CLOSURE = "closure"
REASON_WEEKEND = "weekend"

# The holidays package names its languages by locale; callers speak "ar"/"en".
_HOLIDAY_LANGUAGES = {"ar": "ar", "en": "en_US"}


@lru_cache(maxsize=256)
def _saudi_holidays(year: int, language: str) -> dict[dt.date, str]:
    """The Saudi public holidays of one year (date -> name), from the holidays package."""
    return dict(holidays.country_holidays("SA", years=year, language=language))


@lru_cache(maxsize=256)
def _holiday_ordinals(year: int) -> frozenset[int]:
    # The dates do not depend on the language; English is the one closure_reason asks for most.
    return frozenset(d.toordinal() for d in _saudi_holidays(year, "en_US"))


def _require_date(value: object, name: str = "date") -> None:
    # A datetime is a date subclass; letting one through would silently use the date of
    # whatever timezone it happens to carry instead of the office's.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")


class _Year(NamedTuple):
    ordinals: tuple[int, ...]  # working days of the year, ascending
    lookup: frozenset[int]


class WorkingCalendar:
    """Working days per the calendar policy, Saudi holidays and extra closure dates."""

    def __init__(self, policy: CalendarPolicy, closures: Iterable[dt.date] = ()) -> None:
        weekdays = frozenset(policy.working_weekdays)
        if not weekdays or not weekdays <= set(range(1, 8)):
            raise ValueError(
                f"working_weekdays must name at least one ISO weekday 1-7, "
                f"not {policy.working_weekdays!r}"
            )
        try:
            self._tz = ZoneInfo(policy.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {policy.timezone!r}") from None
        closures_list = list(closures)
        extra = [*policy.extra_closures, *closures_list]
        for day in extra:
            _require_date(day, "closure")
        self._policy = policy
        self._added = tuple(closures_list)
        self._weekdays = weekdays
        self._closures = frozenset(d.toordinal() for d in extra)
        # Filled lazily; concurrent fills compute the same value, so a race is harmless.
        self._years: dict[int, _Year] = {}

    # -- construction -----------------------------------------------------------------

    def with_closures(self, extra: Iterable[dt.date]) -> WorkingCalendar:
        """A calendar that is also closed on ``extra`` (e.g. closures from the database)."""
        return WorkingCalendar(self._policy, [*self._added, *extra])

    @property
    def policy(self) -> CalendarPolicy:
        return self._policy

    @property
    def timezone(self) -> ZoneInfo:
        return self._tz

    @property
    def closures(self) -> frozenset[dt.date]:
        """Every extra closure date (policy and added), without public holidays."""
        return frozenset(dt.date.fromordinal(o) for o in self._closures)

    def to_local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` in the office's timezone; naive datetimes are refused."""
        if not isinstance(moment, dt.datetime):
            raise TypeError(f"expected a datetime, not {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime")
        return moment.astimezone(self._tz)

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The office's calendar date at ``moment`` (e.g. a caller's ``now``)."""
        return self.to_local(moment).date()

    # -- queries ----------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        closed = _holiday_ordinals(year) | self._closures
        first = dt.date(year, 1, 1).toordinal()
        last = dt.date(year, 12, 31).toordinal()
        weekdays = self._weekdays
        # Ordinal 1 (0001-01-01) is a Monday, so the ISO weekday is (ordinal - 1) % 7 + 1.
        ordinals = tuple(
            o for o in range(first, last + 1) if (o - 1) % 7 + 1 in weekdays and o not in closed
        )
        entry = _Year(ordinals, frozenset(ordinals))
        self._years[year] = entry
        return entry

    def is_working_day(self, d: dt.date) -> bool:
        _require_date(d)
        return d.toordinal() in self._year(d.year).lookup

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def add_working_days(self, d: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``d`` (``d`` itself does not count); n=0 gives ``d``."""
        _require_date(d)
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        if n == 0:
            return d
        year = d.year
        days = self._year(year).ordinals
        index = bisect_right(days, d.toordinal()) + n - 1
        while index >= len(days):
            index -= len(days)
            year += 1
            days = self._year(year).ordinals
        return dt.date.fromordinal(days[index])

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open interval (start, end]; negative if end < start."""
        _require_date(start, "start")
        _require_date(end, "end")
        if end < start:
            return -self.working_days_between(end, start)
        count = bisect_right(self._year(end.year).ordinals, end.toordinal())
        count -= bisect_right(self._year(start.year).ordinals, start.toordinal())
        for year in range(start.year, end.year):
            count += len(self._year(year).ordinals)
        return count

    def closure_reason(self, d: dt.date, language: str = "en") -> str | None:
        """Why the office is closed on ``d``: the holiday's name, "closure" or "weekend".

        None on a working day. A holiday wins over a weekend so that e.g. an Eid day falling
        on a Friday is shown by name. Several holidays on one date are joined by "; ".
        """
        try:
            holiday_language = _HOLIDAY_LANGUAGES[language]
        except KeyError:
            raise ValueError(f"unsupported language {language!r}") from None
        if self.is_working_day(d):
            return None
        name = _saudi_holidays(d.year, holiday_language).get(d)
        if name is not None:
            return name
        if d.toordinal() in self._closures:
            return REASON_CLOSURE
        return REASON_WEEKEND

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(timezone={self._policy.timezone!r}, "
            f"working_weekdays={sorted(self._weekdays)}, closures={len(self._closures)})"
        )
