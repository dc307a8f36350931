"""The intake wizard: a whole request by keyboard, field validation, attachments by drop."""

from __future__ import annotations

from pathlib import Path

from gui_helpers import APPLICANT_ID, DESCRIPTION, sign_in, type_text, write_pdf, write_png
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QLabel, QLineEdit
from sqlalchemy import select

from tawasul_desktop.gui.wizard import ATTACHMENTS, CONFIRM, DETAILS, SERVICE
from tawasul_desktop.storage.drafts import list_drafts
from tawasul_desktop.storage.models import Request


def focused():
    return QApplication.focusWidget()


def type_and_tab(qtbot, text: str) -> None:
    widget = focused()
    type_text(qtbot, widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Tab)


def go_to_details(qtbot, window, service_text: str = "جواز") -> None:
    wizard = window.wizard
    type_text(qtbot, wizard.service_page.filter, service_text)
    qtbot.keyClick(wizard.service_page.filter, Qt.Key.Key_Return)
    assert wizard.page == DETAILS


def test_full_intake_by_keyboard_only(qtbot, window, store, answers, tmp_path, monkeypatch):
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    assert window.actor.username == "amal"
    assert focused() is wizard.service_page.filter

    # Typing filters the eight services; Enter takes the one left and moves on.
    type_text(qtbot, focused(), "جواز")
    visible = [wizard.service_page.list.item(i) for i in range(8)
               if not wizard.service_page.list.item(i).isHidden()]
    assert [i.data(Qt.ItemDataRole.UserRole) for i in visible] == ["passport"]
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert wizard.page == DETAILS

    # Details, field after field with Tab; relation stays "self" so the beneficiary is skipped.
    assert focused().objectName() == "applicantIdEdit"
    type_and_tab(qtbot, APPLICANT_ID)
    assert focused().objectName() == "applicantNameEdit"
    type_and_tab(qtbot, "محمد عبدالله القحطاني")
    type_and_tab(qtbot, "0501234567")
    type_and_tab(qtbot, "mohammed@example.com")
    assert focused().objectName() == "relationCombo"
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused().objectName() == "field_passport_action"
    qtbot.keyClick(focused(), Qt.Key.Key_Down)  # "issue"
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused().objectName() == "descriptionEdit"
    type_text(qtbot, focused(), DESCRIPTION)
    qtbot.keyClick(focused(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert wizard.page == ATTACHMENTS, wizard.details_page.form.findChildren(QLabel)

    # Attachments through the "Add file" button, the file dialog answered by the test.
    photo, national_id = write_png(tmp_path / "photo.png"), write_pdf(tmp_path / "id.pdf")
    chosen = [[str(national_id)], [str(photo)]]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: (chosen.pop(0), "")))
    page = wizard.attachments_page
    assert focused() is page.document
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is page.add_button
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert [f.document for f in page.files] == ["national_id_copy", "personal_photo"]
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert wizard.page == CONFIRM
    assert "محمد عبدالله القحطاني" in wizard.summary.toPlainText()

    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(wizard, "receipt_dialog", None) is not None, timeout=5000)
    receipt = wizard.receipt_dialog
    qtbot.waitUntil(lambda: receipt.pdf is not None, timeout=10000)
    assert receipt.print_button.isEnabled() and not receipt.copy
    assert wizard.page == SERVICE and not wizard.has_content()
    with store.read() as session:
        req = session.execute(select(Request)).scalar_one()
    assert req.service == "passport" and req.fields == {"passport_action": "issue"}
    assert req.applicant_id == APPLICANT_ID and req.created_by == "amal"
    assert req.applicant_mobile == "+966501234567"
    shown_number = receipt.intro.text()
    assert f"{req.number[:3]}-{req.number[3:5]}" in shown_number
    assert receipt.pdf.startswith(b"%PDF")
    assert list_drafts(store, "amal") == []


def test_details_validation_messages_inline_and_on_next(qtbot, window):
    sign_in(qtbot, window, "amal")
    go_to_details(qtbot, window)
    page = window.wizard.details_page
    id_edit, id_error = page.edits["applicant.id_number"], page.errors["applicant.id_number"]

    bad = APPLICANT_ID[:-1] + str((int(APPLICANT_ID[-1]) + 1) % 10)
    type_text(qtbot, id_edit, bad)
    assert not id_error.isVisible()  # no scolding while typing
    qtbot.keyClick(id_edit, Qt.Key.Key_Tab)
    assert id_error.isVisible() and "رقم الهوية غير صحيح" in id_error.text()
    id_edit.setFocus()  # back to the field to correct it
    qtbot.keyClick(id_edit, Qt.Key.Key_Backspace)
    type_text(qtbot, id_edit, APPLICANT_ID[-1])
    assert not id_error.isVisible()  # cleared as soon as it is right

    # Next with the rest empty: every problem is shown, focus on the first invalid field.
    qtbot.keyClick(id_edit, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert window.wizard.page == DETAILS
    assert page.errors["applicant.name"].isVisible()
    assert page.errors["applicant.mobile"].isVisible()
    assert page.errors["description"].isVisible()
    extra_error = page.form.findChild(QLabel, "field_passport_actionError")
    assert extra_error is not None and extra_error.isVisible()
    assert focused() is page.edits["applicant.name"]
    # The description counter says how far from the minimum.
    assert "8" in page.counter.text() and "40" in page.counter.text()

    # Back keeps what was typed.
    qtbot.keyClick(focused(), Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    assert window.wizard.page == SERVICE
    qtbot.keyClick(window.wizard.service_page.filter, Qt.Key.Key_Return)
    assert id_edit.text() == APPLICANT_ID


def test_beneficiary_appears_with_relation(qtbot, window):
    sign_in(qtbot, window, "amal")
    go_to_details(qtbot, window)
    page = window.wizard.details_page
    assert not page.beneficiary_group.isVisible()
    page.relation.setCurrentIndex(page.relation.findData("child"))
    assert page.beneficiary_group.isVisible()
    window.wizard.go_next()
    assert page.errors["beneficiary"].isVisible()
    assert "صاحب الطلب" in page.errors["beneficiary"].text()


_keep_alive: list[QMimeData] = []


def drop(widget, paths: list[Path]) -> QDropEvent:
    mime = QMimeData()
    _keep_alive.append(mime)  # the event does not own its data
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    # As a real drag does: enter (the page must accept it), then drop.
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(QPoint(10, 10)), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    return event


def test_drag_and_drop_attachment(qtbot, window, tmp_path):
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("passport")
    wizard.go_next()
    wizard._show_page(ATTACHMENTS)
    page = wizard.attachments_page
    checklist = page.checklist
    assert [checklist.item(i).checkState() for i in range(checklist.count())] == [
        Qt.CheckState.Unchecked, Qt.CheckState.Unchecked]

    drop(page, [write_pdf(tmp_path / "هوية.pdf")])
    assert [f.document for f in page.files] == ["national_id_copy"]
    assert checklist.item(0).checkState() == Qt.CheckState.Checked
    assert checklist.item(1).checkState() == Qt.CheckState.Unchecked

    fake = tmp_path / "photo.png"
    fake.write_text("not really an image")
    drop(page, [fake])
    assert page.error.isVisible() and "photo.png" in page.error.text()
    assert len(page.files) == 1

    drop(page, [write_png(tmp_path / "real.png")])
    assert checklist.item(1).checkState() == Qt.CheckState.Checked
    assert not page.list.item(1).icon().isNull()
    page.list.setCurrentRow(0)
    page.remove_button.click()
    assert checklist.item(0).checkState() == Qt.CheckState.Unchecked


def test_duplicate_asks_then_submits_linked(qtbot, window, store, answers, tmp_path):
    sign_in(qtbot, window, "amal")
    wizard = window.wizard

    def fill_and_submit():
        wizard.service_page.select("passport")
        wizard.go_next()
        page = wizard.details_page
        page.edits["applicant.id_number"].setText(APPLICANT_ID)
        page.edits["applicant.name"].setText("Mohammed Ali")
        page.edits["applicant.mobile"].setText("0501234567")
        page.edits["applicant.email"].setText("m@example.com")
        page.form.findChild(QComboBox, "field_passport_action").setCurrentIndex(2)
        page.description.setPlainText(DESCRIPTION)
        wizard.go_next()
        files = [write_pdf(tmp_path / "a.pdf"), write_png(tmp_path / "b.png")]
        drop(wizard.attachments_page, files)
        wizard.go_next()
        assert wizard.page == CONFIRM
        wizard.submit_button.click()

    fill_and_submit()
    qtbot.waitUntil(lambda: getattr(wizard, "receipt_dialog", None) is not None, timeout=5000)
    first_receipt = wizard.receipt_dialog
    answers.replies = [True]
    fill_and_submit()
    qtbot.waitUntil(lambda: wizard.receipt_dialog is not first_receipt, timeout=5000)
    assert answers.asked and "طلب مفتوح" in answers.asked[0]
    with store.read() as session:
        rows = session.execute(select(Request).order_by(Request.number)).scalars().all()
    assert len(rows) == 2 and rows[1].duplicate_of == rows[0].id


def test_escape_asks_before_discarding(qtbot, window, answers):
    sign_in(qtbot, window, "amal")
    go_to_details(qtbot, window)
    name = window.wizard.details_page.edits["applicant.name"]
    name.setFocus()
    type_text(qtbot, name, "Sara")
    answers.replies = [False]
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert answers.asked and name.text() == "Sara"
    answers.replies = [True]
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert window.wizard.page == SERVICE and name.text() == ""
    assert isinstance(window.wizard.service_page.filter, QLineEdit)


def test_a_desk_clock_days_off_refuses_intake_with_a_message(qtbot, window, store, tmp_path):
    """The last sync found this desk 4 days slow: the wizard says so and stores nothing."""
    from tawasul_desktop.domain.clock import describe_skew
    from tawasul_desktop.sync import local

    with store.write() as session:
        local.sync_state(session).clock_skew_seconds = 4 * 86400.0
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("passport")
    wizard.go_next()
    page = wizard.details_page
    page.edits["applicant.id_number"].setText(APPLICANT_ID)
    page.edits["applicant.name"].setText("Mohammed Ali")
    page.edits["applicant.mobile"].setText("0501234567")
    page.edits["applicant.email"].setText("m@example.com")
    page.form.findChild(QComboBox, "field_passport_action").setCurrentIndex(2)
    page.description.setPlainText(DESCRIPTION)
    wizard.go_next()
    drop(wizard.attachments_page, [write_pdf(tmp_path / "a.pdf"), write_png(tmp_path / "b.png")])
    wizard.go_next()
    assert wizard.page == CONFIRM
    wizard.submit_button.click()
    qtbot.waitUntil(lambda: wizard.message.isVisible() and bool(wizard.message.text()),
                    timeout=5000)
    arabic, _ = describe_skew(4 * 86400.0)  # "… متأخرة بمقدار 4 أيام …"
    assert arabic in wizard.message.text()
    assert wizard.page == CONFIRM and wizard.submit_button.isEnabled()
    with store.read() as session:
        assert session.execute(select(Request)).first() is None
