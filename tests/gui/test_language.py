"""Arabic first, right to left; the English switch retranslates the open window live."""

from __future__ import annotations

from gui_helpers import open_window, plain, sign_in, type_text
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication


def test_arabic_is_right_to_left_with_arabic_texts_and_font(qtbot, window):
    app = QApplication.instance()
    assert app.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.login.button.text() == "دخول"  # from the Designer form, translated
    assert window.windowTitle() == "مكتب تواصل"
    assert "Arabic" in " ".join(app.font().families())
    assert QFontInfo(app.font()).family()


def test_english_switch_retranslates_live(qtbot, window):
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("passport")
    wizard.go_next()
    wizard.go_next()  # empty details: Arabic problems on the fields
    name_error = wizard.details_page.errors["applicant.name"]
    assert name_error.text() == "الاسم مطلوب."

    window.action_english.trigger()
    app = QApplication.instance()
    assert app.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert window.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert window.tabs.tabText(0) == "New request"
    # Qt posts LanguageChange to every widget; each retranslates itself when it arrives.
    qtbot.waitUntil(lambda: name_error.text() == "The name is required.", timeout=2000)
    assert wizard.next_button.text() == "Next (Alt+N)"
    assert "Signed in: Amal (Clerk)" in plain(window.status_user.text())
    service_list = wizard.service_page.list
    assert wizard.service_page.selected().name("en") == service_list.currentItem().text()
    type_text(qtbot, wizard.details_page.edits["applicant.name"], "x")
    assert wizard.details_page.edits["applicant.name"].text() == "x"  # nothing lost

    window.action_arabic.trigger()
    assert app.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.tabs.tabText(0) == "طلب جديد"
    qtbot.waitUntil(lambda: wizard.next_button.text() == "التالي (Alt+N)", timeout=2000)


def test_configured_english_starts_left_to_right(qtbot, settings, store, users, answers):
    window = open_window(qtbot, settings, store, language="en")
    assert QApplication.instance().layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert window.login.button.text() == "&Sign in"
    window.action_arabic.trigger()  # leave the shared application as the other tests expect
