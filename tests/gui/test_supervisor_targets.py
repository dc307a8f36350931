"""Issue 13 §1: supervisor actions act on exactly what the supervisor sees.

The queue changes under the selection (a decision, another supervisor, a filter); the
selection, the detail pane and the decision buttons must keep naming the same request(s),
and a confirmation names every request it will change.
"""

from __future__ import annotations

from gui_helpers import sign_in
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
from tawasul_desktop.gui.supervisor import decision_dialogs
from tawasul_desktop.storage.requests import display_number, get_request, transition


def selected_numbers(workspace) -> list[str]:
    return [r.number for r in workspace.selected_rows() if r is not None]


def filter_submitted(qtbot, workspace) -> None:
    filters = workspace.filters
    filters.status.setCurrentIndex(filters.status.findData("submitted"))
    wait_idle(qtbot, workspace)


def test_after_a_reject_in_a_filtered_queue_nothing_else_is_targeted(
        qtbot, window, store, answers, monkeypatch):
    add_supervisors(store)
    numbers = [submitted(store, f"Applicant {NAMES[i]}") for i in range(4)]
    workspace = open_workspace(qtbot, window)
    filter_submitted(qtbot, workspace)
    first = shown_numbers(workspace)[0]
    workspace.select_rows([0])
    qtbot.waitUntil(lambda: workspace.detail.number == first, timeout=3000)

    monkeypatch.setattr(decision_dialogs, "ask_reason", lambda *a, **k: "سبب الرفض")
    with qtbot.waitSignal(workspace.decided, timeout=5000):
        qtbot.mouseClick(workspace.reject_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, workspace)
    assert get_request(store, first).status == "rejected"
    assert first not in shown_numbers(workspace)  # the filter hides it now
    # The row the rejected request left is someone else's: nothing is aimed at it.
    assert selected_numbers(workspace) == []
    assert not workspace.accept_button.isEnabled()
    assert workspace.detail.number in (None, first)
    answers.replies = [True]
    qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
    assert answers.asked == []
    assert {get_request(store, n).status for n in numbers if n != first} == {"submitted"}


def test_after_a_bulk_accept_no_unseen_rows_are_selected(qtbot, window, store, answers):
    add_supervisors(store)
    numbers = [submitted(store, f"Applicant {NAMES[i % 4]} {NAMES[i // 4]}") for i in range(6)]
    workspace = open_workspace(qtbot, window)
    filter_submitted(qtbot, workspace)
    chosen = shown_numbers(workspace)[:3]
    workspace.select_rows([0, 1, 2])
    answers.replies = [True]
    with qtbot.waitSignal(workspace.decided, timeout=5000):
        qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
    # The confirmation named every request it changed.
    assert len(answers.asked) == 1
    for n in chosen:
        assert display_number(n) in answers.asked[0]
    wait_idle(qtbot, workspace)
    assert selected_numbers(workspace) == []
    assert not workspace.accept_button.isEnabled()
    assert {get_request(store, n).status for n in numbers if n not in chosen} == {"submitted"}


def test_a_queue_changing_under_the_selection_drops_the_selection(qtbot, window, store,
                                                                  answers):
    add_supervisors(store)
    numbers = [submitted(store, f"Applicant {NAMES[i]}") for i in range(3)]
    workspace = open_workspace(qtbot, window)
    filter_submitted(qtbot, workspace)
    seen = shown_numbers(workspace)[0]
    workspace.select_rows([0])
    qtbot.waitUntil(lambda: workspace.detail.number == seen, timeout=3000)

    transition(store, OMAR, seen, Action.ACCEPT)  # another supervisor, meanwhile
    workspace.model.refresh()  # any re-read: another decision, a sync, a scroll
    wait_idle(qtbot, workspace)
    assert seen not in shown_numbers(workspace)
    # Whatever moved into row 0 was never looked at: it is not the target.
    assert selected_numbers(workspace) in ([], [seen])
    assert workspace.detail.number in (None, seen)
    assert not workspace.accept_button.isEnabled()
    answers.replies = [True]
    workspace.accept_selected()
    assert answers.asked == []
    assert {get_request(store, n).status for n in numbers if n != seen} == {"submitted"}


def test_detail_pane_and_buttons_name_the_same_requests(qtbot, window, store, answers):
    add_supervisors(store)
    for i in range(3):
        submitted(store, f"Applicant {NAMES[i]}")
    workspace = open_workspace(qtbot, window)
    shown = shown_numbers(workspace)
    workspace.select_rows([0])
    qtbot.waitUntil(lambda: workspace.detail.number == shown[0], timeout=3000)
    workspace.select_rows([1, 2])
    # Two chosen: the pane does not keep showing the first request as if it were the target.
    qtbot.waitUntil(lambda: workspace.detail.numbers == shown[1:3], timeout=3000)
    assert workspace.detail.number is None
    assert all(display_number(n) in workspace.detail.text.toPlainText() for n in shown[1:3])
    workspace.select_rows([])
    assert workspace.detail.number is None and workspace.detail.numbers == []


def test_decisions_offered_only_where_the_state_allows(qtbot, window, store, answers):
    add_supervisors(store)
    rows = [request_row(store, applicant_name=name, status=status)
            for name, status in (("Closed One", "closed"), ("Withdrawn One", "withdrawn"),
                                 ("Accepted One", "accepted"), ("Open One", "submitted"))]
    insert_requests(store, rows)
    number = {r["applicant_name"]: r["number"] for r in rows}
    workspace = open_workspace(qtbot, window)
    decisions = (workspace.accept_button, workspace.reject_button, workspace.return_button,
                 workspace.claim_button, workspace.assign_button)
    for name in ("Closed One", "Withdrawn One", "Accepted One"):
        workspace.select_rows([row_of(workspace, number[name])])
        assert not any(b.isEnabled() for b in decisions), name
    workspace.select_rows([row_of(workspace, number["Open One"])])
    assert all(b.isEnabled() for b in decisions)
    # A mixed selection offers only what every chosen request allows.
    workspace.select_rows([row_of(workspace, number["Open One"]),
                           row_of(workspace, number["Closed One"])])
    assert not any(b.isEnabled() for b in decisions)


def test_the_reason_dialog_names_the_requests(qtbot):
    numbers = ["10109260050975", "10109260050988"]
    dialog = decision_dialogs.ReasonDialog("reject", numbers, "ar")
    qtbot.addWidget(dialog)
    text = dialog.targets.text()
    assert all(display_number(n) in text for n in numbers)


def test_sign_in_keeps_selection_empty(qtbot, window, store):
    add_supervisors(store)
    submitted(store)
    sign_in(qtbot, window, "sara")
    workspace = window.supervision
    wait_idle(qtbot, workspace)
    assert selected_numbers(workspace) == [] and not workspace.accept_button.isEnabled()
