"""Dates as the counter shows and prints them: Gregorian, Umm al-Qura Hijri, or both.

Conversion and month names come from ``hijridate``, whose Arabic Gregorian month names are
the ones used in Saudi Arabia (January is "Yanayir", not the Levantine "Kanun al-Thani").
Digits stay ASCII. Outside the Umm al-Qura
table hijridate covers (1924-08-01 to 2077-11-16) the formatters fall back to Gregorian only
instead of failing.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from hijridate import Gregorian, Hijri

__all__ = [
    "HijriDate",
    "format_date",
    "format_datetime",
    "format_dual",
    "format_hijri",
    "from_hijri",
    "gregorian_month_name",
    "hijri_month_name",
    "to_hijri",
]

_Language = Literal["ar", "en"]
_LANGUAGES = ("ar", "en")


class HijriDate(NamedTuple):
    year: int
    month: int
    day: int


def _language(language: str) -> _Language:
    # Accept locale names such as "ar_SA" or "en-GB" as well as bare codes.
    code = language.lower()[:2]
    if code == "ar":
        return "ar"
    if code == "en":
        return "en"
    raise ValueError(f"unsupported language {language!r}; expected one of {_LANGUAGES}")


def _require_date(value: dt.date) -> None:
    if isinstance(value, dt.datetime):
        raise TypeError("got a datetime; use format_datetime, which converts to local time")
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a datetime.date, not {type(value).__name__}")


def to_hijri(d: dt.date) -> HijriDate | None:
    """The Umm al-Qura date for ``d``, or None outside hijridate's supported range."""
    _require_date(d)
    try:
        h = Gregorian(d.year, d.month, d.day).to_hijri()
    except OverflowError:
        return None
    return HijriDate(h.year, h.month, h.day)


def from_hijri(year: int, month: int, day: int) -> dt.date | None:
    """The Gregorian date of an Umm al-Qura date, or None if there is no such day (or it is
    outside hijridate's table)."""
    try:
        g = Hijri(year, month, day, validate=True).to_gregorian()
    except (OverflowError, ValueError):
        return None
    return dt.date(g.year, g.month, g.day)


def hijri_month_name(month: int, language: str) -> str:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, not {month}")
    return Hijri(1445, month, 1).month_name(_language(language))


def gregorian_month_name(month: int, language: str) -> str:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, not {month}")
    return Gregorian(2000, month, 1).month_name(_language(language))


def format_date(d: dt.date, language: str) -> str:
    """Gregorian, e.g. "25 November 2026" (Arabic: day, month name, year, same order)."""
    _require_date(d)
    return f"{d.day} {gregorian_month_name(d.month, language)} {d.year}"


def format_hijri(d: dt.date, language: str) -> str:
    """Hijri, e.g. "5 Jumada al-Akhirah 1448 AH" (Arabic ends with the Hijri sign instead).

    Outside the supported range this returns the Gregorian date instead.
    """
    code = _language(language)
    h = to_hijri(d)
    if h is None:
        return format_date(d, code)
    notation = Hijri(h.year, h.month, h.day).notation(code)
    return f"{h.day} {hijri_month_name(h.month, code)} {h.year} {notation}"


def format_dual(d: dt.date, language: str) -> str:
    """Gregorian with the Hijri date in brackets; Gregorian only outside the Hijri range."""
    code = _language(language)
    gregorian = format_date(d, code)
    if to_hijri(d) is None:
        return gregorian
    return f"{gregorian} ({format_hijri(d, code)})"


def format_datetime(
    moment: dt.datetime, language: str, tz: str | dt.tzinfo, *, hijri: bool = False
) -> str:
    """Local date and 24-hour time, e.g. "25 November 2026 09:05"; ``hijri`` adds the Hijri date."""
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"expected a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = moment.astimezone(zone)
    day = local.date()
    text = format_dual(day, language) if hijri else format_date(day, language)
    return f"{text} {local:%H:%M}"
