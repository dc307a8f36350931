"""The supervisor workspace, driven as a supervisor would: queue, filters, decisions, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from gui_helpers import sign_in, type_text, utc_now
from PySide6.QtCore import Qt
from queue_data import insert_requests, request_row
from supervisor_helpers import (
    NAMES,
    OMAR,
    add_supervisors,
    open_workspace,
    row_of,
    shown_numbers,
    submitted,
    wait_idle,
)

from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.gui.supervisor import decision_dialogs
from tawasul_desktop.gui.supervisor.queue_model import COLUMNS
from tawasul_desktop.gui.supervisor.workspace import SupervisorWorkspace
from tawasul_desktop.storage.queue import SortKey
from tawasul_desktop.storage.requests import get_request, transition
from tawasul_desktop.storage.users import Actor


def test_clerks_never_get_the_workspace(qtbot, window, store):
    add_supervisors(store)
    sign_in(qtbot, window, "amal")
    assert window.actor.role == "clerk"
    assert window.tabs.count() == 2
    assert window.findChild(SupervisorWorkspace) is None
    # The code refuses too, not only the tab.
    workspace = SupervisorWorkspace(window.store, lambda: "ar")
    qtbot.addWidget(workspace)
    with pytest.raises(TawasulError) as caught:
        workspace.set_actor(Actor("amal", "clerk"))
    assert caught.value.problems[0].code == "request.not_permitted"

    window.logout()
    sign_in(qtbot, window, "sara")
    assert window.tabs.count() == 3 and window.tabs.tabText(2) == "الإشراف"
    window.lock()  # the tab goes with the session
    assert window.tabs.indexOf(window.supervision) == -1
    sign_in(qtbot, window, "badr")
    assert window.tabs.count() == 2


def test_filters_sort_and_search(qtbot, window, store):
    add_supervisors(store)
    rows = [request_row(store, applicant_name=name, status=status, service=service,
                        submitted_at=utc_now() - dt.timedelta(days=days), counter=counter,
                        due_date=(utc_now() + dt.timedelta(days=due)).date())
            for name, status, service, days, counter, due in (
                ("فاطمة سعد", "submitted", "passport", 1, 1, 8),
                ("أحمد علي", "under_review", "final_exit", 2, 2, 6),
                ("Maria Cruz", "returned", "passport", 3, 1, 4),
                ("إبراهيم خالد", "accepted", "iqama_renewal", 20, 3, -10),
                ("هند ناصر", "submitted", "passport", 15, 2, -3),
            )]
    insert_requests(store, rows)
    number = {r["applicant_name"]: r["number"] for r in rows}
    workspace = open_workspace(qtbot, window)
    filters, model = workspace.filters, workspace.model
    assert model.rowCount() == 5 and model.total == 5
    # Sorted by due date first (most urgent on top), overdue coloured.
    assert shown_numbers(workspace)[0] == number["إبراهيم خالد"]
    assert workspace.count_label.text()

    filters.status.setCurrentIndex(filters.status.findData("submitted"))
    wait_idle(qtbot, workspace)
    assert set(shown_numbers(workspace)) == {number["فاطمة سعد"], number["هند ناصر"]}

    filters.service.setCurrentIndex(filters.service.findData("final_exit"))
    wait_idle(qtbot, workspace)
    assert shown_numbers(workspace) == []

    qtbot.mouseClick(filters.clear_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, workspace)
    assert model.rowCount() == 5

    filters.deadline.setCurrentIndex(filters.deadline.findData("overdue"))
    wait_idle(qtbot, workspace)
    assert shown_numbers(workspace) == [number["هند ناصر"]]
    filters.deadline.setCurrentIndex(0)
    filters.counter.setValue(2)
    wait_idle(qtbot, workspace)
    assert set(shown_numbers(workspace)) == {number["أحمد علي"], number["هند ناصر"]}
    filters.counter.setValue(0)

    # Search: folded Arabic (taa marbuta typed as haa, no hamza), as typed on the keyboard.
    type_text(qtbot, filters.search, "فاطمه")
    qtbot.keyClick(filters.search, Qt.Key.Key_Return)
    wait_idle(qtbot, workspace)
    assert shown_numbers(workspace) == [number["فاطمة سعد"]]
    filters.search.clear()
    type_text(qtbot, filters.search, "ابراهيم")
    qtbot.waitUntil(lambda: model.filter.text == "ابراهيم", timeout=3000)  # after the pause
    wait_idle(qtbot, workspace)
    assert shown_numbers(workspace) == [number["إبراهيم خالد"]]
    filters.search.clear()
    qtbot.keyClick(filters.search, Qt.Key.Key_Return)
    wait_idle(qtbot, workspace)

    # Sort by clicking a column heading; again for the other direction.
    header = workspace.table.horizontalHeader()
    column = COLUMNS.index(SortKey.APPLICANT)
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    click = header.viewport().rect().center()
    click.setX(x)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    wait_idle(qtbot, workspace)
    by_name = sorted(rows, key=lambda r: (r["applicant_name"], r["number"]))
    ascending = [r["number"] for r in by_name]
    assert model.sort_order.key == SortKey.APPLICANT
    assert shown_numbers(workspace) in (ascending, ascending[::-1])
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    wait_idle(qtbot, workspace)
    assert shown_numbers(workspace) in (ascending, ascending[::-1])
    assert model.sort_order.descending != (shown_numbers(workspace) == ascending)


def test_decide_one_and_bulk(qtbot, window, store, answers, monkeypatch):
    add_supervisors(store)
    numbers = [submitted(store, f"Applicant {NAMES[i]}") for i in range(4)]
    workspace = open_workspace(qtbot, window)

    # Claim one: it is Sara's.
    workspace.select_rows([row_of(workspace, numbers[0])])
    with qtbot.waitSignal(workspace.decided, timeout=5000):
        qtbot.mouseClick(workspace.claim_button, Qt.MouseButton.LeftButton)
    assert get_request(store, numbers[0]).assignee == "sara"

    # Accept one, after one question.
    wait_idle(qtbot, workspace)
    workspace.select_rows([row_of(workspace, numbers[0])])
    answers.replies = [True]
    with qtbot.waitSignal(workspace.decided, timeout=5000):
        qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
    assert get_request(store, numbers[0]).status == "accepted"
    assert len(answers.asked) == 1

    # Reject two at once: one reason asked once, for both.
    asked = []

    def reason(_parent, kind, numbers, _language, documents=()):
        asked.append((kind, len(numbers)))
        return "المستندات المرفقة غير واضحة"

    monkeypatch.setattr(decision_dialogs, "ask_reason", reason)
    wait_idle(qtbot, workspace)
    workspace.select_rows([row_of(workspace, numbers[1]), row_of(workspace, numbers[2])])
    with qtbot.waitSignal(workspace.decided, timeout=5000):
        qtbot.mouseClick(workspace.reject_button, Qt.MouseButton.LeftButton)
    assert asked == [("reject", 2)]
    for n in numbers[1:3]:
        req = get_request(store, n)
        assert req.status == "rejected" and req.decision_reason == "المستندات المرفقة غير واضحة"

    # Return the last, naming what is missing: the clock pauses.
    wait_idle(qtbot, workspace)
    workspace.select_rows([row_of(workspace, numbers[3])])
    with qtbot.waitSignal(workspace.decided, timeout=5000):
        qtbot.mouseClick(workspace.return_button, Qt.MouseButton.LeftButton)
    req = get_request(store, numbers[3])
    assert req.status == "returned" and req.paused_since is not None
    wait_idle(qtbot, workspace)
    assert workspace.model.row_at(row_of(workspace, numbers[3])).status == "returned"


def test_two_supervisors_deciding_at_once(qtbot, window, store, answers, monkeypatch):
    """Sara's screen shows the request as submitted; Omar accepts it meanwhile."""
    add_supervisors(store)
    number = submitted(store)
    workspace = open_workspace(qtbot, window)
    workspace.select_rows([0])
    assert workspace.model.row_at(0).status == "submitted"

    transition(store, OMAR, number, Action.ACCEPT)  # elsewhere, a moment earlier

    monkeypatch.setattr(decision_dialogs, "ask_reason", lambda *a, **k: "سبب الرفض")
    with qtbot.waitSignal(workspace.decided, timeout=5000):
        qtbot.mouseClick(workspace.reject_button, Qt.MouseButton.LeftButton)
    outcome = workspace.last_outcome
    assert outcome.done == [] and outcome.refused[0][1].code == "request.changed_meanwhile"
    assert "مقبول" in answers.informed[-1]  # told, with the state it is in now
    req = get_request(store, number)
    assert req.status == "accepted" and req.decided_by == "omar"  # nothing overwritten
    wait_idle(qtbot, workspace)
    assert workspace.model.row_at(0).status == "accepted"  # and shown as it now is


def test_bulk_assign_through_the_dialog(qtbot, window, store, monkeypatch):
    add_supervisors(store)
    numbers = [submitted(store, f"Applicant {NAMES[i]}") for i in range(3)]
    workspace = open_workspace(qtbot, window)
    monkeypatch.setattr(decision_dialogs, "ask_assignee", lambda _p, people, numbers: "omar")
    workspace.select_rows([0, 1, 2])
    with qtbot.waitSignal(workspace.decided, timeout=5000):
        qtbot.mouseClick(workspace.assign_button, Qt.MouseButton.LeftButton)
    assert {get_request(store, n).assignee for n in numbers} == {"omar"}
    wait_idle(qtbot, workspace)
    assert {workspace.model.data(workspace.model.index(r, COLUMNS.index(SortKey.ASSIGNEE)))
            for r in range(3)} == {"Omar"}


def test_reason_dialog_needs_a_reason(qtbot):
    from tawasul_desktop.domain.catalogue import default_catalogue

    documents = default_catalogue().get("passport").documents
    dialog = decision_dialogs.ReasonDialog("return", ["10109260050975"], "ar", documents)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.reasons.item(0).setCheckState(Qt.CheckState.Checked)
    assert ok.isEnabled() and dialog.reason().startswith("مستند ناقص: ")
    dialog.reasons.item(0).setCheckState(Qt.CheckState.Unchecked)
    type_text(qtbot, dialog.free_text, "صورة")
    assert ok.isEnabled() and dialog.reason() == "صورة"


def test_the_workspace_speaks_both_languages(qtbot, window, store):
    add_supervisors(store)
    insert_requests(store, [request_row(store, status="returned")])
    workspace = open_workspace(qtbot, window)
    model = workspace.model
    time_left = model.index(0, COLUMNS.index(SortKey.TIME_LEFT))
    assert model.headerData(0, Qt.Orientation.Horizontal) == "الرقم"
    assert model.data(time_left) == "متوقف (معاد)"
    assert workspace.accept_button.text() == "&قبول"

    window.action_english.trigger()
    qtbot.waitUntil(lambda: window.tabs.tabText(2) == "Supervision", timeout=2000)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Number"
    assert model.data(time_left) == "Paused (returned)"
    assert workspace.accept_button.text() == "&Accept"
    assert workspace.filters.status.itemText(3) == "Submitted"
    window.action_arabic.trigger()
    qtbot.waitUntil(lambda: window.tabs.tabText(2) == "الإشراف", timeout=2000)
