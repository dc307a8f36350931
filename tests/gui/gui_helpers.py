"""Shared test data and actions for the GUI tests (fixtures are in conftest.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.gui.app import build_window, make_application
from tawasul_desktop.storage.demo import _SAMPLE_PDF

PASSWORD = "counter-pass-1"
APPLICANT_ID = make_identity("1", "23456789")
OTHER_ID = make_identity("1", "87654321")
PDF = _SAMPLE_PDF  # a real one-page PDF: intake opens every PDF with PDFium
DESCRIPTION = ("تقدمت بطلب تجديد الجواز عبر المنصة قبل أسبوعين ولم تتغير حالة الطلب "
               "رغم اكتمال جميع المستندات")


class Answers:
    """Stands in for the modal questions: answers queued by the test, notices recorded."""

    def __init__(self) -> None:
        self.replies: list[bool] = []
        self.asked: list[str] = []
        self.informed: list[str] = []

    def confirm(self, _parent, _title, text, details: str = "") -> bool:
        self.asked.append(f"{text}\n{details}" if details else text)
        return self.replies.pop(0) if self.replies else False

    def ask(self, _parent, _title, text, choices, default, escape) -> str:
        """A reply of True is the default answer (Enter), False the escape (Esc), a string
        that key."""
        self.asked.append(text)
        reply = self.replies.pop(0) if self.replies else False
        return default if reply is True else escape if reply is False else reply

    def inform(self, _parent, _title, text) -> None:
        self.informed.append(text)


def open_window(qtbot, settings, store, language: str = "ar"):
    app = make_application()
    window = build_window(app, dataclasses.replace(settings, language=language), store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def sign_in(qtbot, window, username: str, password: str = PASSWORD) -> None:
    panel = window.login
    panel.username.clear()
    type_text(qtbot, panel.username, username)
    qtbot.keyClick(panel.username, Qt.Key.Key_Return)
    type_text(qtbot, panel.password, password)
    qtbot.keyClick(panel.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.actor is not None or panel.message.isVisible(), timeout=5000)


def write_png(path: Path) -> Path:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#0b7a5f"))
    assert image.save(str(path), "PNG")
    return path


def write_pdf(path: Path) -> Path:
    path.write_bytes(PDF)
    return path


def plain(text: str) -> str:
    """Text as read on screen, without the invisible bidi isolates (domain.bidi)."""
    return "".join(ch for ch in text if ch not in "\u2066\u2067\u2068\u2069")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def type_text(qtbot, widget, text: str) -> None:
    """Type like a person; QTest only knows ASCII keys, so other letters (an Arabic keyboard)
    are sent as key events carrying their text."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def fill_to_attachments(qtbot, window, tmp_path):
    """Signed in as Amal, a passport request typed up to its attachments, both added."""
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("passport")
    wizard.go_next()
    details = wizard.details_page
    for field, value in (("applicant.id_number", APPLICANT_ID),
                         ("applicant.name", "محمد عبدالله القحطاني"),
                         ("applicant.mobile", "0501234567"),
                         ("applicant.email", "mohammed@example.com")):
        details.edits[field].setText(value)
    details.description.setPlainText(DESCRIPTION)
    from PySide6.QtWidgets import QComboBox

    action = details.form.findChild(QComboBox, "field_passport_action")
    action.setCurrentIndex(action.findData("renew"))
    wizard.go_next()
    assert wizard.page == 2, wizard.details_page.form.findChildren(QComboBox)  # attachments
    page = wizard.attachments_page
    page.add_paths([str(write_pdf(tmp_path / "id.pdf"))])
    page.add_paths([str(write_png(tmp_path / "photo.png"))])
    return wizard
