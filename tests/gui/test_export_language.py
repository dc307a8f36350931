"""An export speaks the screen's language: from the English screen, English headings and
statuses; from the Arabic one, Arabic."""

from __future__ import annotations

import csv

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from queue_data import insert_requests, request_row
from supervisor_helpers import add_supervisors, open_workspace, wait_idle

from tawasul_desktop.storage.reports import export_headers


def test_exports_from_the_english_screen_are_english(qtbot, window, store, tmp_path):
    add_supervisors(store)
    insert_requests(store, [request_row(store, applicant_name="هيفاء", status="submitted")])
    workspace = open_workspace(qtbot, window)
    window.action_english.trigger()
    wait_idle(qtbot, workspace)
    targets = iter([tmp_path / "en.csv", tmp_path / "en.xlsx", tmp_path / "ar.csv"])
    workspace.ask_save_path = lambda *_a: str(next(targets))

    with qtbot.waitSignal(workspace.exported, timeout=5000):
        qtbot.mouseClick(workspace.csv_button, Qt.MouseButton.LeftButton)
    with (tmp_path / "en.csv").open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == export_headers("en") and lines[0][0] == "Request number"
    assert lines[1][8] == "Submitted" and lines[1][2] == "هيفاء"  # a name stays as written

    with qtbot.waitSignal(workspace.exported, timeout=5000):
        qtbot.mouseClick(workspace.xlsx_button, Qt.MouseButton.LeftButton)
    sheet = load_workbook(tmp_path / "en.xlsx").active
    assert [c.value for c in sheet[1]] == export_headers("en")
    assert not sheet.sheet_view.rightToLeft

    window.action_arabic.trigger()
    with qtbot.waitSignal(workspace.exported, timeout=5000):
        qtbot.mouseClick(workspace.csv_button, Qt.MouseButton.LeftButton)
    with (tmp_path / "ar.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh)) == export_headers("ar")
