"""Issue 17 §2: one presenter builds a request's rows for every screen (no Qt)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from tawasul_desktop.domain.bidi import LRI, PDI, plain
from tawasul_desktop.domain.catalogue import load_catalogue
from tawasul_desktop.present.request import RequestPresenter, label
from tawasul_desktop.storage.audit import HistoryLine

AT = dt.datetime(2026, 11, 29, 9, 5, tzinfo=dt.UTC)


def record(**changes):
    values = dict(service="passport", status="rejected", assignee=None,
                  applicant_name="محمد القحطاني", applicant_id="1234567897",
                  applicant_mobile="+966501234567", applicant_email="m@example.com",
                  relation="self", beneficiary_name="محمد القحطاني",
                  beneficiary_id="1234567897", counter=3, submitted_at=AT,
                  due_date=dt.date(2026, 12, 9), paused_since=None, decided_at=AT,
                  decided_by="sara", decision_reason="غير واضح",
                  fields={"passport_action": "renew"}, description="وصف", follow_ups=[])
    values.update(changes)
    return SimpleNamespace(**values)


def test_one_word_per_field_in_both_languages():
    assert label("beneficiary", "ar") == "صاحب الطلب"
    assert label("beneficiary", "en") == "Person concerned"


def test_detail_rows_isolate_numbers_and_name_choices():
    presenter = RequestPresenter(load_catalogue(), "ar", "Asia/Riyadh")
    rows = {r.label: r.value for r in presenter.detail_rows(record())}
    # A "+966" number keeps its plus at the start inside an Arabic table.
    assert rows["الجوال"] == f"{LRI}+966501234567{PDI}"
    assert rows["رقم هوية صاحب الطلب"] == f"{LRI}1234567897{PDI}"
    assert "renew" not in rows.values()  # the choice is shown by its name


def test_history_lines_carry_reason_and_assignee():
    presenter = RequestPresenter(load_catalogue(), "en", "UTC")
    lines = [presenter.history_line(h) for h in (
        HistoryLine(AT, "sara", "request.reject", "rejected", "unclear"),
        HistoryLine(AT, "sara", "request.assign", assignee="amal"),
        HistoryLine(AT, "sara", "request.assign"),
        HistoryLine(AT, "sara", "request.unheard_of"))]
    assert [plain(line).split(" — ", 2)[2] for line in lines] == [
        "Rejected: unclear", "Assigned to amal", "Released", "request.unheard_of"]
    html = presenter.detail_html(record(), [])
    assert "None" in html  # an empty history says so, in every screen
