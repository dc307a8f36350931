"""The questions a decision asks: a reason to reject or return, the supervisor to assign to.

``ask_reason`` and ``ask_assignee`` are the only ways the workspace asks, so tests answer
them (as gui/dialogs.py does for yes/no). A reason is the standard reasons ticked (from
resources/texts/decision_reasons.toml, or for a return the service's documents that are
missing) plus the supervisor's own words; OK stays disabled until there is one. Both name
every request they will change.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.bidi import ltr
from tawasul_desktop.domain.catalogue import Document
from tawasul_desktop.domain.decision_reasons import compose_reason, reasons_for
from tawasul_desktop.domain.messages import message
from tawasul_desktop.storage.assignment import Supervisor
from tawasul_desktop.storage.requests import display_number

TARGETS_SHOWN = 6  # lines of the target list before it scrolls


def listed(numbers: Sequence[str]) -> str:
    """Every request number, one a line, each reading left to right inside Arabic text."""
    return "\n".join(ltr(display_number(n)) for n in numbers)


def targets_label(numbers: Sequence[str]) -> QLabel:
    """The requests a dialog will change, named one by one (a long list scrolls)."""
    label = QLabel(listed(numbers))
    label.setObjectName("decisionTargets")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    # Numbers read left to right, but the list stands where the dialog's lines begin.
    rtl = QGuiApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    side = Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft
    label.setAlignment(side | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignTop)
    return label


def _scrolled(label: QLabel) -> QWidget:
    area = QScrollArea()
    area.setWidget(label)
    area.setWidgetResizable(True)
    area.setMaximumHeight(label.fontMetrics().lineSpacing() * TARGETS_SHOWN + 12)
    return area


class ReasonDialog(QDialog):
    """Why a request is rejected, or what the applicant must still bring."""

    def __init__(self, kind: str, numbers: Sequence[str], language: str,
                 documents: Sequence[Document] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.kind = kind
        count = len(numbers)
        # Wide enough that a standard reason reads whole on one line.
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        if kind == "reject":
            self.setWindowTitle(self.tr("Reject"))
            intro = self.tr("Reject %n request(s). Tick the reasons and add your own words if "
                            "needed; the reason is kept with the decision.", "", count)
        else:
            self.setWindowTitle(self.tr("Return to the applicant"))
            intro = self.tr("Return %n request(s) to the applicant. Tick what is missing; the "
                            "deadline pauses until the counter records the answer.", "", count)
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.targets = targets_label(numbers)
        layout.addWidget(_scrolled(self.targets))
        self.reasons = QListWidget()
        self.reasons.setObjectName("reasonList")
        self.reasons.setWordWrap(True)
        self.reasons.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.reasons.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        items: list[tuple[str, str]] = []
        if kind == "return":
            for d in documents:
                ar = message("reason.missing_document", document=d.label_ar)[0]
                en = message("reason.missing_document", document=d.label_en)[1]
                items.append((en if language == "en" else ar, ar))
        items += [(r.text(language), r.ar) for r in reasons_for(kind)]
        for shown, stored in items:
            item = QListWidgetItem(shown)
            item.setData(Qt.ItemDataRole.UserRole, stored)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.reasons.addItem(item)
        layout.addWidget(self.reasons)
        words = QLabel(self.tr("&Other / details:"))
        self.free_text = QPlainTextEdit()
        self.free_text.setObjectName("reasonText")
        self.free_text.setMaximumHeight(90)
        words.setBuddy(self.free_text)
        layout.addWidget(words)
        layout.addWidget(self.free_text)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reasons.itemChanged.connect(self._update)
        self.free_text.textChanged.connect(self._update)
        self._update()

    def chosen(self) -> list[str]:
        return [self.reasons.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.reasons.count())
                if self.reasons.item(i).checkState() == Qt.CheckState.Checked]

    def reason(self) -> str:
        return compose_reason(self.chosen(), self.free_text.toPlainText())

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.reason()))


class AssigneeDialog(QDialog):
    def __init__(self, supervisors: Sequence[Supervisor], numbers: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assigneeDialog")
        self.setWindowTitle(self.tr("Assign"))
        layout = QVBoxLayout(self)
        self.targets = targets_label(numbers)
        layout.addWidget(_scrolled(self.targets))
        layout.addWidget(QLabel(self.tr("Assign %n request(s) to:", "", len(numbers))))
        self.choice = QComboBox()
        self.choice.setObjectName("assigneeChoice")
        for s in supervisors:
            self.choice.addItem(f"{s.display_name} ({s.username})", s.username)
        self.choice.addItem(self.tr("Nobody (release)"), "")
        layout.addWidget(self.choice)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def ask_reason(parent: QWidget | None, kind: str, numbers: Sequence[str], language: str,
               documents: Sequence[Document] = ()) -> str | None:
    """The reason typed or ticked for these requests, or None if the supervisor cancelled."""
    dialog = ReasonDialog(kind, numbers, language, documents, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.reason() or None


def ask_assignee(parent: QWidget | None, supervisors: Sequence[Supervisor],
                 numbers: Sequence[str]) -> str | None:
    """A user name, "" to release, or None if cancelled."""
    dialog = AssigneeDialog(supervisors, numbers, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return str(dialog.choice.currentData())
