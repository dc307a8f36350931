"""How far a desk's clock is from central's, said the way a person says it ("4 days behind").

The skew is measured at every sync (central's clock minus the desk's, in seconds: positive
when the desk runs behind). Above ``SKEW_LIMIT_SECONDS`` the desk refuses new intake: due
dates and receipts are computed from the desk's clock, so a wrong clock prints wrong dates.
"""

from __future__ import annotations

from tawasul_desktop.domain.bidi import ltr
from tawasul_desktop.domain.messages import message

SKEW_LIMIT_SECONDS = 300.0

_UNITS = (  # seconds, English singular/plural, Arabic one/two/few (3-10)/many (11+)
    (86400, ("day", "days"), ("يوم واحد", "يومين", "أيام", "يومًا")),
    (3600, ("hour", "hours"), ("ساعة واحدة", "ساعتين", "ساعات", "ساعة")),
    (60, ("minute", "minutes"), ("دقيقة واحدة", "دقيقتين", "دقائق", "دقيقة")),
)


def _amount(seconds: float) -> tuple[str, str]:
    size = abs(seconds)
    for unit, (one_en, many_en), (one_ar, two_ar, few_ar, many_ar) in _UNITS:
        if size >= unit or unit == 60:
            count = max(1, round(size / unit))
            en = f"{count} {one_en if count == 1 else many_en}"
            if count == 1:
                ar = one_ar
            elif count == 2:
                ar = two_ar
            else:
                ar = f"{ltr(count)} {few_ar if count <= 10 else many_ar}"
            return ar, en
    raise AssertionError("unreachable")


def describe_skew(seconds: float) -> tuple[str, str]:
    """(Arabic, English): e.g. "this desk's clock is 4 days behind central's"."""
    ar, en = _amount(seconds)
    return message("clock.behind" if seconds > 0 else "clock.ahead", amount_ar=ar, amount_en=en)


def skew_too_large(seconds: float | None) -> bool:
    return seconds is not None and abs(seconds) > SKEW_LIMIT_SECONDS
