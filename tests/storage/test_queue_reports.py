"""Queue exports read back (csv module, openpyxl), dashboard figures, the daily summary PDF."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import unicodedata
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from queue_data import insert_requests, request_row

from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.receipts.daily_summary import write_daily_summary
from tawasul_desktop.storage.queue import QueueFilter, QueueQuery, QueueSort, SortKey
from tawasul_desktop.storage.reports import (
    dashboard_figures,
    export_csv,
    export_headers,
    export_xlsx,
)
from tawasul_desktop.storage.users import Actor

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=RIYADH)  # Monday
BOSS = Actor("sara", "supervisor")


def local(day: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=RIYADH)


@pytest.fixture
def exported(store):
    rows = [request_row(store, applicant_name=name, applicant_id=identity, status=status,
                        submitted_at=local(day), due_date=dt.date(2026, 12, day % 28 + 1))
            for name, identity, status, day in (
                ("فاطمة الزهراء", "1000000008", "submitted", 3),
                ("Maria Cruz", "2000000006", "returned", 4),
                ("عبدالله إبراهيم", "1000000016", "accepted", 5))]
    insert_requests(store, rows, {0: 2})
    query = QueueQuery(store, BOSS, QueueFilter(), QueueSort(SortKey.SUBMITTED), now=NOW)
    return query, rows


def test_csv_has_a_bom_arabic_headings_and_the_view_in_order(store, exported, tmp_path):
    query, rows = exported
    path = tmp_path / "queue.csv"
    assert export_csv(query, path, store.catalogue) == 3
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel then reads UTF-8 Arabic
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == export_headers("ar") and lines[0][0] == "رقم الطلب"
    assert [line[0] for line in lines[1:]] == [parse_number(r["number"]).display for r in rows]
    first = dict(zip(lines[0], lines[1], strict=True))
    assert first["مقدم الطلب"] == "فاطمة الزهراء"
    assert first["رقم الهوية (مخفي)"] == "******0008"
    assert "1000000008" not in path.read_text(encoding="utf-8-sig")
    assert first["الحالة"] == "مقدَّم" and first["المتابعات"] == "2"
    assert first["الخدمة"] == "استخراج جواز السفر أو تجديده أو تمديده"
    assert first["وقت التقديم"] == "2026-11-03 10:00:00"
    assert lines[2][7] == "متوقف (معاد لمقدم الطلب)"


def test_xlsx_reads_back_right_to_left(store, exported, tmp_path):
    query, rows = exported
    path = tmp_path / "queue.xlsx"
    assert export_xlsx(query, path, store.catalogue) == 3
    book = load_workbook(path)
    sheet = book.active
    assert sheet.sheet_view.rightToLeft
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == export_headers("ar")
    assert [v[0] for v in values[1:]] == [parse_number(r["number"]).display for r in rows]
    assert values[1][2] == "فاطمة الزهراء" and values[1][3] == "******0008"
    assert values[1][5] == dt.datetime(2026, 11, 3, 10, 0)  # local time, as Excel shows it
    assert values[1][6] == dt.datetime(2026, 12, 4)  # a date cell
    assert not list(tmp_path.glob(".queue.xlsx.*"))  # no temporary file left


def test_exports_follow_the_filter(store, exported, tmp_path):
    query, rows = exported
    narrow = QueueQuery(store, BOSS, QueueFilter(text="فاطمه"), now=NOW)
    assert export_csv(narrow, tmp_path / "one.csv", store.catalogue) == 1
    with pytest.raises(TawasulError):
        QueueQuery(store, Actor("amal", "clerk"), QueueFilter())


# --- dashboard ----------------------------------------------------------------------------


@pytest.fixture
def dashboard_data(store):
    def decided(due: dt.date, days_after: int, **values):
        at = dt.datetime.combine(due, dt.time(23, 30), RIYADH) + dt.timedelta(days=days_after)
        return request_row(store, due_date=due, decided_at=at.astimezone(dt.UTC),
                           decided_by="sara", **values)

    due_last_week = dt.date(2026, 11, 24)  # Tuesday of the week starting Sunday 22 November
    rows = [
        # Decided at 23:30 on the due date: in time (the end of the day counts).
        decided(due_last_week, 0, status="accepted"),
        decided(due_last_week, 1, status="rejected"),  # the day after: missed
        decided(due_last_week, 0, status="closed", service="final_exit"),
        request_row(store, due_date=due_last_week, status="under_review"),  # undecided: missed
        request_row(store, due_date=due_last_week, status="returned", assignee="sara"),  # paused
        request_row(store, due_date=due_last_week, status="withdrawn"),  # not judged
        request_row(store, due_date=NOW.date(), status="submitted", assignee="sara"),  # pending
        request_row(store, due_date=dt.date(2026, 12, 1), status="submitted",
                    submitted_at=local(30, 9)),  # due soon, submitted today
    ]
    insert_requests(store, rows, {6: 1})
    return rows


def test_dashboard_figures(store, dashboard_data):
    f = dashboard_figures(store, BOSS, NOW)
    assert f.by_status()["submitted"] == 2 and f.by_status()["accepted"] == 1
    assert f.by_service(("closed",)) == {"final_exit": 1}
    assert f.intake_today == {"passport": 1}
    passport = f.sla_by_service["passport"]
    assert (passport.met, passport.missed, passport.pending) == (1, 2, 1)
    assert f.sla_by_service["final_exit"].rate == 1.0
    week = dict(f.sla_by_week)[dt.date(2026, 11, 22)]
    assert (week.met, week.missed) == (2, 2)
    assert dict(f.sla_by_week)[dt.date(2026, 11, 29)].pending == 1
    assert f.sla_total().rate == 0.5
    assert [r.number for r in f.overdue] == [dashboard_data[3]["number"]]
    assert f.overdue_total == 1
    assert {r.number for r in f.due_soon} == {dashboard_data[6]["number"],
                                             dashboard_data[7]["number"]}
    workload = {w.assignee: (w.running, w.returned) for w in f.workload}
    assert workload == {"sara": (1, 1), None: (2, 0)}
    assert (f.followed_up, f.period_requests) == (1, 8)
    with pytest.raises(TawasulError):
        dashboard_figures(store, Actor("amal", "clerk"), NOW)


def _pdf_text(path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_daily_summary_pdf(store, dashboard_data, tmp_path):
    path = tmp_path / "summary.pdf"
    write_daily_summary(store, dashboard_figures(store, BOSS, NOW), path)
    text = _pdf_text(path)
    assert "Tawasul daily summary" in text
    assert parse_number(dashboard_data[3]["number"]).display in text
    assert "50.0%" in text
    assert "Today's figures" in text and "Oldest overdue requests" in text


def test_daily_summary_sla_lines_mirror_their_brackets(store, dashboard_data, tmp_path):
    """"50.0% (في المهلة 1، بعدها 1)": right to left the bracket opens at the right, so the
    glyphs drawn left to right are "(1 … يف)" (pdftotext -bbox keeps the drawn order)."""
    import html
    import re as _re

    path = tmp_path / "summary.pdf"
    write_daily_summary(store, dashboard_figures(store, BOSS, NOW), path)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    words = [html.unescape(w) for w in _re.findall(r"<word [^>]*>([^<]*)</word>", out)]
    opened = [w for w in words if w.startswith("يف")]
    assert opened and all(w == "يف)" for w in opened), opened
    assert not [w for w in words if w.startswith(")") or w.endswith("(")], words
