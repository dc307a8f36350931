"""Issue 13 §7 (and the menus of §5): the smaller things a counter meets all day."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from gui_helpers import sign_in
from PySide6.QtCore import QRect, Qt
from queue_data import insert_requests, request_row
from supervisor_helpers import add_supervisors, open_workspace, row_of

from tawasul_desktop.gui.supervisor import decision_dialogs
from tawasul_desktop.gui.supervisor.dashboard import nice_axis, week_labels
from tawasul_desktop.gui.supervisor.queue_model import COLUMNS
from tawasul_desktop.storage.queue import SortKey

ROOT = Path(__file__).resolve().parents[2]
LONG_NAME = "عبدالرحمن بن عبدالعزيز بن عبدالله بن محمد آل سعود القحطاني الشهري"


def test_every_reject_reason_reads_whole(qtbot):
    dialog = decision_dialogs.ReasonDialog("reject", ["10109260050975"], "ar")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    reasons = dialog.reasons
    metrics = reasons.fontMetrics()
    for i in range(reasons.count()):
        item = reasons.item(i)
        rect = reasons.visualItemRect(item)
        text_room = QRect(0, 0, rect.width() - 40, 10_000)  # the check box beside it
        needed = metrics.boundingRect(text_room, int(Qt.TextFlag.TextWordWrap), item.text())
        assert needed.height() <= rect.height(), item.text()


def test_queue_names_elide_in_the_middle_with_a_tooltip(qtbot, window, store):
    add_supervisors(store)
    row = request_row(store, applicant_name=LONG_NAME)
    insert_requests(store, [row])
    workspace = open_workspace(qtbot, window)
    table, model = workspace.table, workspace.model
    assert table.textElideMode() == Qt.TextElideMode.ElideMiddle
    index = model.index(row_of(workspace, row["number"]), COLUMNS.index(SortKey.APPLICANT))
    assert LONG_NAME in model.data(index, Qt.ItemDataRole.ToolTipRole)
    # Columns are sized to what they hold: a request number is never cut.
    number_column = COLUMNS.index(SortKey.NUMBER)
    shown = model.data(model.index(0, number_column))
    assert table.columnWidth(number_column) >= table.fontMetrics().horizontalAdvance(shown)


def test_count_axis_ticks_are_round():
    for maximum in (1, 3, 7, 42, 99, 101, 999, 11922, 23845, 250_000):
        top, ticks = nice_axis(maximum)
        step = top // (ticks - 1)
        assert top >= maximum and top % step == 0 and 2 <= ticks <= 6
        assert re.fullmatch(r"[125]0*", str(step)), (maximum, step)


def test_weeks_are_labelled_and_the_last_always():
    assert week_labels(12)[-1] == 11 and 4 <= len(week_labels(12)) <= 6
    assert week_labels(5) == [0, 1, 2, 3, 4]
    assert week_labels(0) == []


def test_arabic_mnemonics_never_mark_an_alef_and_menus_have_them(qtbot, window):
    """An underlined alef reads as a hamza below it ("إستلام" for "استلام")."""
    tree = ET.parse(ROOT / "resources" / "translations" / "tawasul_ar.ts")
    marked = [t.text for t in tree.iter("translation") if t.text and "&ا" in t.text
              or (t.text and re.search("&[أإآ]", t.text))]
    assert marked == []
    sign_in(qtbot, window, "amal")
    for menu in (window.session_menu, window.language_menu, window.help_menu):
        assert "&" in menu.title(), menu.title()
    for action in (window.action_lock, window.action_logout, window.action_quit,
                   window.action_diagnostics):
        assert "&" in action.text(), action.text()
