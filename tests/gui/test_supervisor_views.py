"""The supervisor workspace's detail pane, saved filters, exports, dashboard and long queues."""

from __future__ import annotations

import csv
import datetime as dt

from gui_helpers import plain, utc_now, write_png
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from queue_data import insert_requests, request_row
from supervisor_helpers import add_supervisors, open_workspace, wait_idle
from timing_data import submitted_with_follow_up_open

from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage.assignment import assign
from tawasul_desktop.storage.queue import PAGE_SIZE
from tawasul_desktop.storage.requests import record_follow_up, submit_request
from tawasul_desktop.storage.users import Actor

SARA = Actor("sara", "supervisor")


def with_photo(store, tmp_path) -> str:
    from gui_helpers import APPLICANT_ID, DESCRIPTION, PDF

    png = write_png(tmp_path / "photo.png").read_bytes()
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput("Layla Hassan", APPLICANT_ID, "0501234567", "l@example.com"),
        description=DESCRIPTION,
        fields={"passport_action": "renew"},
        attachments=[AttachmentInput("national_id_copy", "هوية.pdf", PDF),
                     AttachmentInput("personal_photo", "صورة.png", png)],
    )
    valid, problems = validate_request(draft, catalogue=store.catalogue, policy=store.policy)
    assert not problems, problems
    when = submitted_with_follow_up_open()
    return submit_request(store, Actor("amal", "clerk"), valid, now=when,
                          submitted_at=when).number


def test_detail_pane_shows_fields_history_and_files(qtbot, window, store, tmp_path,
                                                    monkeypatch):
    add_supervisors(store)
    number = with_photo(store, tmp_path)
    record_follow_up(store, Actor("amal", "clerk"), number, "اتصل المراجع")
    assign(store, SARA, number, "sara")
    workspace = open_workspace(qtbot, window)
    pane = workspace.detail
    workspace.select_rows([0])
    qtbot.waitUntil(lambda: pane.detail is not None, timeout=3000)
    text = plain(pane.text.toPlainText())  # as read: names are isolated (domain.bidi)
    assert "Layla Hassan" in text and "اتصل المراجع" in text
    assert "أُسند إلى sara" in text and "قُدِّم الطلب" in text  # the audit history
    assert number in pane.title.text()
    assert pane.attachments.count() == 2

    # The photo previews in place; a PDF too, or says it cannot.
    pane.attachments.setCurrentRow(1)
    qtbot.waitUntil(lambda: pane.preview.pixmap() is not None
                    and not pane.preview.pixmap().isNull(), timeout=3000)
    pane.attachments.setCurrentRow(0)
    qtbot.waitUntil(lambda: "…" not in pane.preview.text(), timeout=5000)

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(pane.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=3000)  # the copy is made in a worker
    [url] = opened
    path = url.toLocalFile()
    assert path.endswith(".pdf") and "هوية" not in path  # named by digest, not by file name
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_saved_and_built_in_filters(qtbot, window, store, monkeypatch):
    add_supervisors(store)
    late = request_row(store, status="submitted", due_date=dt.date(2020, 1, 5))
    mine = request_row(store, status="under_review", assignee="sara",
                       due_date=utc_now().date() + dt.timedelta(days=20))
    insert_requests(store, [late, mine, request_row(store, status="accepted")])
    workspace = open_workspace(qtbot, window)
    filters = workspace.filters
    assert workspace.model.rowCount() == 3

    filters.choose_preset("overdue")
    wait_idle(qtbot, workspace)
    assert [workspace.model.row_at(0).number] == [late["number"]]
    assert workspace.model.rowCount() == 1
    filters.choose_preset("my_queue")
    wait_idle(qtbot, workspace)
    assert workspace.model.rowCount() == 1 and workspace.model.row_at(0).number == mine["number"]

    # Save the current one under a name; it comes back for this user.
    monkeypatch.setattr(filters, "ask_name", lambda *_a: "ما عندي")
    qtbot.mouseClick(filters.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: filters.presets.findText("ما عندي") >= 0, timeout=3000)
    filters.choose_preset("waiting")
    wait_idle(qtbot, workspace)
    assert workspace.model.rowCount() == 2
    filters.choose_preset("ما عندي")
    wait_idle(qtbot, workspace)
    assert workspace.model.rowCount() == 1 and workspace.model.row_at(0).number == mine["number"]
    assert filters.delete_button.isEnabled()
    qtbot.mouseClick(filters.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: filters.presets.findText("ما عندي") < 0, timeout=3000)


def test_export_the_filtered_view(qtbot, window, store, tmp_path):
    add_supervisors(store)
    rows = [request_row(store, applicant_name=name, status=status)
            for name, status in (("هيفاء", "submitted"), ("منيرة", "submitted"),
                                 ("سلطان", "accepted"))]
    insert_requests(store, rows)
    workspace = open_workspace(qtbot, window)
    workspace.filters.status.setCurrentIndex(workspace.filters.status.findData("submitted"))
    wait_idle(qtbot, workspace)
    targets = iter([tmp_path / "view.csv", tmp_path / "view.xlsx", tmp_path / "summary.pdf"])
    workspace.ask_save_path = lambda *_a: str(next(targets))

    with qtbot.waitSignal(workspace.exported, timeout=5000):
        qtbot.mouseClick(workspace.csv_button, Qt.MouseButton.LeftButton)
    with (tmp_path / "view.csv").open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0][2] == "مقدم الطلب"
    assert sorted(line[2] for line in lines[1:]) == sorted(["هيفاء", "منيرة"])

    with qtbot.waitSignal(workspace.exported, timeout=5000):
        qtbot.mouseClick(workspace.xlsx_button, Qt.MouseButton.LeftButton)
    sheet = load_workbook(tmp_path / "view.xlsx").active
    assert sheet.max_row == 3

    with qtbot.waitSignal(workspace.exported, timeout=10000):
        qtbot.mouseClick(workspace.summary_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "summary.pdf").read_bytes().startswith(b"%PDF")


def test_dashboard_refreshes_in_a_worker(qtbot, window, store):
    add_supervisors(store)
    insert_requests(store, [request_row(store, status="submitted", due_date=dt.date(2020, 1, 5)),
                            request_row(store, status="accepted")])
    workspace = open_workspace(qtbot, window)
    workspace.tabs.setCurrentIndex(1)
    dashboard = workspace.dashboard
    assert dashboard is not None and dashboard.loading  # the window is not waiting for it
    qtbot.waitUntil(lambda: dashboard.figures is not None, timeout=5000)
    assert dashboard.tiles["overdueTotal"].text().startswith("<b")
    assert ">1<" in dashboard.tiles["overdueTotal"].text()
    assert dashboard.overdue_table.rowCount() == 1
    assert dashboard.status_chart.chart().series()
    with qtbot.waitSignal(dashboard.refreshed, timeout=5000):
        qtbot.mouseClick(dashboard.refresh_button, Qt.MouseButton.LeftButton)


def test_a_long_queue_is_read_page_by_page(qtbot, window, store):
    add_supervisors(store)
    insert_requests(store, [request_row(store, submitted_at=utc_now() - dt.timedelta(minutes=i))
                            for i in range(PAGE_SIZE * 12)])
    workspace = open_workspace(qtbot, window)
    model, table = workspace.model, workspace.table
    assert model.rowCount() == PAGE_SIZE * 12
    table.scrollToBottom()
    qtbot.waitUntil(lambda: model.row_at(model.rowCount() - 1) is not None, timeout=5000)
    wait_idle(qtbot, workspace)
    # The end is read from the end: the first page and the last page or two, not all twelve.
    assert model.rows_loaded <= PAGE_SIZE * 4
    table.scrollTo(model.index(PAGE_SIZE * 6 + 5, 0))
    qtbot.waitUntil(lambda: model.row_at(PAGE_SIZE * 6 + 5) is not None, timeout=5000)
    assert model.rows_loaded <= PAGE_SIZE * 6
