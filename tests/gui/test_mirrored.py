"""Issue 13 §3: label/value tables read from the right in Arabic, from the left in English.

Measured on the rendered document: where Qt draws a label and its value.
"""

from __future__ import annotations

from gui_helpers import fill_to_attachments, sign_in, type_text
from PySide6.QtCore import Qt
from supervisor_helpers import add_supervisors, open_workspace, submitted

from tawasul_desktop.storage.requests import display_number


def x_of(browser, text: str) -> int:
    cursor = browser.document().find(text)
    assert not cursor.isNull(), (text, browser.toPlainText())
    return browser.cursorRect(cursor).center().x()


def test_enquiry_labels_stand_at_the_right_in_arabic(qtbot, window, store):
    number = display_number(submitted(store))
    sign_in(qtbot, window, "amal")
    window.tabs.setCurrentWidget(window.enquiry)
    page = window.enquiry
    type_text(qtbot, page.input, number)
    qtbot.keyClick(page.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.view is not None, timeout=10000)
    browser = page.details
    assert x_of(browser, "الخدمة") > x_of(browser, number)  # the label at the right
    assert x_of(browser, "الخدمة") > browser.viewport().width() // 2
    window.action_english.trigger()
    qtbot.waitUntil(lambda: "Service" in browser.toPlainText(), timeout=3000)
    assert x_of(browser, "Service") < x_of(browser, number)
    window.action_arabic.trigger()


def test_detail_pane_labels_and_description_read_from_the_right(qtbot, window, store):
    add_supervisors(store)
    submitted(store, hours_ago=3)
    workspace = open_workspace(qtbot, window)
    pane = workspace.detail
    workspace.select_rows([0])
    qtbot.waitUntil(lambda: pane.detail is not None, timeout=10000)
    browser = pane.text
    assert x_of(browser, "مقدم الطلب") > x_of(browser, "Mohammed Ali")
    # The Arabic description begins at the right edge, not the left.
    assert x_of(browser, "تقدمت بطلب") > browser.viewport().width() // 2


def test_the_confirm_page_reads_from_the_right(qtbot, window, store, tmp_path):
    wizard = fill_to_attachments(qtbot, window, tmp_path)
    wizard.go_next()
    browser = wizard.summary
    assert x_of(browser, "الخدمة") > x_of(browser, "محمد عبدالله القحطاني")
