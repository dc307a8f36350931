"""Issue 13 §5: keys never trap and never lose work; only what is possible is offered."""

from __future__ import annotations

import datetime as dt

from gui_helpers import fill_to_attachments, sign_in, type_text, utc_now
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from queue_data import insert_requests, request_row

from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.gui.wizard import DETAILS, SERVICE
from tawasul_desktop.storage.drafts import list_drafts
from tawasul_desktop.storage.requests import display_number

REAL_ASK = dialogs.ask  # before the answers fixture stands in for it


def press_on_next_dialog(qtbot, key: Qt.Key, seen: list[str]) -> None:
    """Press ``key`` in the next message box that opens (as a clerk would)."""
    def poke() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            qtbot.keyClick(box, key)
        else:
            QTimer.singleShot(50, poke)
    QTimer.singleShot(50, poke)


def make_draft(qtbot, window, store) -> None:
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("iqama_renewal")
    wizard.go_next()
    name = wizard.details_page.edits["applicant.name"]
    name.setFocus()
    type_text(qtbot, name, "Rahul Kumar")
    wizard.save_draft_now()
    window.action_logout.trigger()
    assert len(list_drafts(store, "amal")) == 1


def test_enter_on_the_draft_question_keeps_the_work(qtbot, window, store, monkeypatch):
    monkeypatch.setattr(dialogs, "ask", REAL_ASK)
    make_draft(qtbot, window, store)
    seen: list[str] = []
    press_on_next_dialog(qtbot, Qt.Key.Key_Return, seen)
    sign_in(qtbot, window, "amal")
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    wizard = window.wizard
    # One Enter: the draft is continued, not deleted.
    assert wizard.page == DETAILS
    assert wizard.details_page.edits["applicant.name"].text() == "Rahul Kumar"
    assert len(list_drafts(store, "amal")) == 1


def test_escape_on_the_draft_question_keeps_it_for_later(qtbot, window, store, monkeypatch):
    monkeypatch.setattr(dialogs, "ask", REAL_ASK)
    make_draft(qtbot, window, store)
    seen: list[str] = []
    press_on_next_dialog(qtbot, Qt.Key.Key_Escape, seen)
    sign_in(qtbot, window, "amal")
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert window.wizard.page == SERVICE
    assert len(list_drafts(store, "amal")) == 1  # still there for the next sign-in


def test_closed_and_withdrawn_requests_offer_no_follow_up(qtbot, window, store):
    old = utc_now() - dt.timedelta(days=10)
    rows = [request_row(store, status=s, submitted_at=old, applicant_name=n)
            for s, n in (("closed", "Closed One"), ("withdrawn", "Withdrawn One"),
                         ("submitted", "Open One"))]
    insert_requests(store, rows)
    sign_in(qtbot, window, "amal")
    window.tabs.setCurrentWidget(window.enquiry)
    page = window.enquiry
    for row in rows:
        page.input.clear()
        type_text(qtbot, page.input, display_number(row["number"]))
        qtbot.keyClick(page.input, Qt.Key.Key_Return)
        shown = display_number(row["number"])
        qtbot.waitUntil(lambda n=shown: page.view is not None and page.view.summary.number == n,
                        timeout=5000)
        if row["status"] == "submitted":
            assert page.follow_button.isEnabled()
            assert "الآن" in page.hint.text()
        else:
            assert not page.follow_button.isEnabled(), row["status"]
            assert "لا يمكن تسجيل متابعة" in page.hint.text()


def test_tab_leaves_the_recent_table_and_enter_opens_a_row(qtbot, window, store):
    rows = [request_row(store, applicant_name=f"Person {c}") for c in "ABC"]
    insert_requests(store, rows)
    sign_in(qtbot, window, "amal")
    window.tabs.setCurrentWidget(window.enquiry)
    page = window.enquiry
    table = page.recent
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    table.setFocus()
    table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    wanted = page.model.number_at(1)
    qtbot.waitUntil(lambda: page.view is not None
                    and page.view.summary.number == display_number(wanted), timeout=5000)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()


def test_a_new_search_forgets_the_previous_persons_requests(qtbot, window, store):
    from tawasul_desktop.domain.identity import make_identity

    first, second = make_identity("1", "11111111"), make_identity("1", "22222222")
    insert_requests(store, [request_row(store, applicant_id=first, beneficiary_id=first),
                            request_row(store, applicant_id=second, beneficiary_id=second)])
    sign_in(qtbot, window, "amal")
    window.tabs.setCurrentWidget(window.enquiry)
    page = window.enquiry
    type_text(qtbot, page.input, first)
    qtbot.keyClick(page.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.matches.count() == 1, timeout=5000)
    page.input.clear()
    type_text(qtbot, page.input, "12")  # something else: not a number, not an identity
    qtbot.keyClick(page.input, Qt.Key.Key_Return)
    assert page.matches.count() == 0


def test_alt_n_twice_shows_the_review_and_never_submits(qtbot, window, store, tmp_path):
    from tawasul_desktop.gui.wizard import ATTACHMENTS, CONFIRM

    wizard = fill_to_attachments(qtbot, window, tmp_path)
    assert wizard.page == ATTACHMENTS
    target = QApplication.focusWidget() or wizard
    qtbot.keyClick(target, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(QApplication.focusWidget() or wizard, Qt.Key.Key_N,
                   Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(QApplication.focusWidget() or wizard, Qt.Key.Key_Return)
    # A submit would run in a worker: let whatever began finish and deliver its result (a
    # fixed pause would miss a slow one), then look.
    assert workers.wait_for_all(300_000)
    qtbot.wait(0)
    assert wizard.page == CONFIRM and wizard.summary.toPlainText()
    assert getattr(wizard, "receipt_dialog", None) is None
    with store.read() as session:
        from sqlalchemy import func, select

        from tawasul_desktop.storage.models import Request
        assert session.execute(select(func.count()).select_from(Request)).scalar_one() == 0
    # The deliberate key submits.
    qtbot.keyClick(QApplication.focusWidget() or wizard, Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(wizard, "receipt_dialog", None) is not None, timeout=5000)
    wizard.receipt_dialog.close()
    # The banner about it goes as soon as the next intake begins.
    assert wizard.banner.isVisible()
    wizard.service_page.select("passport")
    wizard.go_next()
    wizard.details_page.edits["applicant.name"].setText("x")
    assert not wizard.banner.isVisible()


def test_a_date_field_takes_hijri_shows_both_calendars_and_has_a_picker(qtbot, window,
                                                                        monkeypatch):
    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QDialog, QLineEdit, QToolButton

    from tawasul_desktop.gui import date_picker

    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("iqama_renewal")
    wizard.go_next()
    form = wizard.details_page.form
    edit = form.findChild(QLineEdit, "field_iqama_expiry")
    assert "2027-03-15" in edit.placeholderText() and "هـ" in edit.placeholderText()
    both = form.findChild(type(wizard.step), "field_iqama_expiryBoth")
    edit.setFocus()
    type_text(qtbot, edit, "1448-09-06")
    type_text(qtbot, edit, "هـ")
    assert both.isVisible() and "2027" in both.text() and "1448" in both.text()
    assert wizard.details_page.extra_values()["iqama_expiry"] == "1448-09-06هـ"

    # The picker: a month calendar whose day is named in both calendars; OK fills the field.
    def choose(dialog_self):
        dialog_self.calendar.setSelectedDate(QDate(2027, 3, 15))
        assert "1448" in dialog_self.both.text()  # the Hijri date of the chosen day
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(date_picker.DatePickerDialog, "exec", choose)
    qtbot.mouseClick(form.findChild(QToolButton, "field_iqama_expiryPicker"),
                     Qt.MouseButton.LeftButton)
    assert edit.text() == "2027-03-15"
