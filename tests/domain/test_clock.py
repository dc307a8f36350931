"""A desk's clock offset said the way a person says it (issue 11, item 7)."""

from __future__ import annotations

import pytest

from tawasul_desktop.domain.bidi import ltr, plain
from tawasul_desktop.domain.clock import SKEW_LIMIT_SECONDS, describe_skew, skew_too_large

DAY = 86400.0


@pytest.mark.parametrize(("seconds", "english", "arabic"), [
    (4 * DAY, "this desk's clock is 4 days behind central's", f"متأخرة بمقدار {ltr(4)} أيام"),
    (-4 * DAY, "this desk's clock is 4 days ahead of central's", f"متقدمة بمقدار {ltr(4)} أيام"),
    (-DAY, "1 day ahead", "يوم واحد"),
    (2 * DAY, "2 days behind", "يومين"),
    (12 * DAY, "12 days behind", f"{ltr(12)} يومًا"),
    (-3 * 3600.0, "3 hours ahead", f"{ltr(3)} ساعات"),
    (420.0, "7 minutes behind", f"{ltr(7)} دقائق"),
])
def test_skew_in_days_hours_or_minutes(seconds, english, arabic):
    ar, en = describe_skew(seconds)
    assert english in plain(en) and plain(arabic) in plain(ar)
    assert "345600" not in en and " s" not in en


def test_the_limit():
    assert not skew_too_large(None) and not skew_too_large(SKEW_LIMIT_SECONDS)
    assert skew_too_large(SKEW_LIMIT_SECONDS + 1) and skew_too_large(-4 * DAY)
