"""A date field for the wizard: typed Gregorian or Hijri, picked from a calendar, always shown
in both calendars.

The text stays the field's value (the core's ``parse_date`` reads it: YYYY-MM-DD, or Hijri
marked "هـ"); beside it a button opens a month calendar whose chosen day is shown with its
Umm al-Qura date, and under it the date as understood, in both calendars, so a clerk sees at
once that 1448-09-06هـ is 13 February 2027.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.bidi import fill, ltr
from tawasul_desktop.domain.hijri import format_dual
from tawasul_desktop.domain.text_rules import parse_date

EXAMPLE_GREGORIAN, EXAMPLE_HIJRI = "2027-03-15", "1448-09-06هـ"


class DatePickerDialog(QDialog):
    """A month calendar; the chosen day is named in both calendars below it."""

    def __init__(self, chosen: dt.date | None, language: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datePicker")
        self.setWindowTitle(self.tr("Choose a date"))
        self._language = language
        layout = QVBoxLayout(self)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("datePickerCalendar")
        self.calendar.setGridVisible(True)
        if chosen is not None:
            self.calendar.setSelectedDate(QDate(chosen.year, chosen.month, chosen.day))
        layout.addWidget(self.calendar)
        self.both = QLabel()
        self.both.setObjectName("datePickerBoth")
        layout.addWidget(self.both)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.calendar.selectionChanged.connect(self._show_both)
        self.calendar.activated.connect(lambda _d: self.accept())  # Enter or a double click
        self._show_both()

    def date(self) -> dt.date:
        day = self.calendar.selectedDate().toPython()
        assert isinstance(day, dt.date)
        return day

    def _show_both(self) -> None:
        self.both.setText(format_dual(self.date(), self._language))


class DateField(QWidget):
    """The line edit (``edit``, the field's value), its calendar button and the date in both
    calendars."""

    def __init__(self, language: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._language = language
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.button = QToolButton()
        self.button.setText("📅")
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        column.addLayout(row)
        self.both = QLabel()
        self.both.setProperty("role", "hint")
        self.both.hide()
        column.addWidget(self.both)
        self.button.clicked.connect(self.pick)
        self.edit.textChanged.connect(self._show_both)
        self.retranslate()

    def retranslate(self) -> None:
        self.edit.setPlaceholderText(fill(self.tr("e.g. %1 or %2"), EXAMPLE_GREGORIAN,
                                          ltr(EXAMPLE_HIJRI)))
        self.button.setToolTip(self.tr("Choose from a calendar (Gregorian and Hijri)"))
        self.button.setAccessibleName(self.button.toolTip())
        self._show_both()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def pick(self) -> None:
        dialog = DatePickerDialog(parse_date(self.edit.text()), self._language(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.edit.setText(dialog.date().isoformat())
            self.edit.editingFinished.emit()

    def _show_both(self, *_args: object) -> None:
        date = parse_date(self.edit.text())
        self.both.setText(format_dual(date, self._language()) if date else "")
        self.both.setVisible(date is not None)
