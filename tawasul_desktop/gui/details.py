"""Wizard page 2 (ui/details_page.ui): applicant, person concerned, service fields, description.

Each field is checked as the clerk types with the core's own per-field helpers: a field that
becomes valid clears its message at once, a new problem is shown when the clerk leaves the
field (no scolding mid-word). On Next the wizard runs validate_request and hands the problems
back to ``show_problems``, which also says which widget to focus first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.bidi import fill
from tawasul_desktop.domain.catalogue import ExtraField, Service
from tawasul_desktop.domain.intake_types import RELATIONS, PersonInput
from tawasul_desktop.domain.messages import Problem, message
from tawasul_desktop.domain.policy import Policy
from tawasul_desktop.domain.validation import (
    check_description,
    check_email,
    check_field,
    check_identity,
    check_name,
    description_progress,
    normalise_mobile,
)
from tawasul_desktop.gui.date_picker import DateField
from tawasul_desktop.gui.forms import child, load_form

ROLES = ("applicant", "beneficiary")
PARTS = {"id_number": "Id", "name": "Name", "mobile": "Mobile", "email": "Email"}


class DetailsPage(QWidget):
    changed = Signal()

    def __init__(self, policy: Policy, language: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPage")
        self._policy = policy
        self._language = language
        self._service: Service | None = None
        self._shown: dict[str, Problem] = {}  # field path -> problem on screen
        self._touched: set[str] = set()
        self._extra_values: dict[str, str] = {}
        self._extra_widgets: dict[str, QLineEdit | QComboBox] = {}
        self._extra_errors: dict[str, QLabel] = {}
        self.form = load_form("details_page", self)
        QVBoxLayout(self).addWidget(self.form)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        for role in ROLES:
            for part, suffix in PARTS.items():
                path = f"{role}.{part}"
                edit = child(self.form, QLineEdit, f"{role}{suffix}Edit")
                self.edits[path] = edit
                self.errors[path] = child(self.form, QLabel, f"{role}{suffix}Error")
                edit.textChanged.connect(lambda _t, p=path: self._on_text(p))
                edit.textEdited.connect(lambda _t, p=path: self._touched.add(p))
                edit.editingFinished.connect(lambda p=path: self._on_leave(p))
        for name in ("relation", "beneficiary", "description"):
            self.errors[name] = child(self.form, QLabel, f"{name}Error")
        for label in self.errors.values():
            label.setProperty("role", "error")
        self.relation: QComboBox = child(self.form, QComboBox, "relationCombo")
        self.beneficiary_group: QGroupBox = child(self.form, QGroupBox, "beneficiaryGroup")
        self.extra_group: QGroupBox = child(self.form, QGroupBox, "extraFieldsGroup")
        self.extra_layout: QFormLayout = child(self.form, QFormLayout, "extraFieldsLayout")
        self.description: QPlainTextEdit = child(self.form, QPlainTextEdit, "descriptionEdit")
        self.counter: QLabel = child(self.form, QLabel, "descriptionCounter")
        self.counter.setProperty("role", "hint")
        for code in RELATIONS:
            self.relation.addItem("", code)
        self.relation.currentIndexChanged.connect(self._on_relation)
        self.description.textChanged.connect(self._on_description)
        self.description.installEventFilter(self)
        self._retranslate()
        self._on_relation()
        self._on_description()

    # --- service and its extra fields ------------------------------------------------------

    def set_service(self, service: Service | None) -> None:
        if service is self._service:
            return
        self._extra_values.update(self.extra_values())
        self._service = service
        while self.extra_layout.rowCount():
            self.extra_layout.removeRow(0)
        self._extra_widgets.clear()
        self._extra_errors.clear()
        for spec in service.fields if service else ():
            widget: QLineEdit | QComboBox
            holder: DateField | None = None
            if spec.type == "choice":
                widget = QComboBox()
                widget.addItem("", "")
                for choice in spec.choices:
                    widget.addItem(choice.label(self._language()), choice.code)
                index = widget.findData(self._extra_values.get(spec.code, ""))
                widget.setCurrentIndex(max(index, 0))
                widget.currentIndexChanged.connect(lambda _i, s=spec: self._on_extra(s))
            else:
                if spec.type == "date":  # typed (Gregorian or Hijri) or picked, shown in both
                    holder = DateField(self._language)
                    holder.button.setObjectName(f"field_{spec.code}Picker")
                    holder.both.setObjectName(f"field_{spec.code}Both")
                    widget = holder.edit
                else:
                    widget = QLineEdit()
                widget.setMaxLength(self._policy.intake.field_max_chars)
                widget.setText(self._extra_values.get(spec.code, ""))
                widget.textChanged.connect(lambda _t, s=spec: self._on_extra(s))
                widget.editingFinished.connect(lambda s=spec: self._on_extra(s, leaving=True))
            widget.setObjectName(f"field_{spec.code}")
            error = QLabel()
            error.setObjectName(f"field_{spec.code}Error")
            error.setProperty("role", "error")
            error.setWordWrap(True)
            error.hide()
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(holder if holder is not None else widget)
            column.addWidget(error)
            self.extra_layout.addRow(self._field_label(spec), box)
            self._extra_widgets[spec.code] = widget
            self._extra_errors[spec.code] = error
        self.extra_group.setVisible(bool(self._extra_widgets))
        self._fix_tab_order()

    def _field_label(self, spec: ExtraField) -> str:
        return spec.label(self._language()) + (" *" if spec.required else "")

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = [self.edits[f"applicant.{p}"] for p in PARTS]
        chain.append(self.relation)
        chain += [self.edits[f"beneficiary.{p}"] for p in PARTS]
        chain += list(self._extra_widgets.values())
        chain.append(self.description)
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def extra_values(self) -> dict[str, str]:
        values = {}
        for code, widget in self._extra_widgets.items():
            value = widget.currentData() if isinstance(widget, QComboBox) else widget.text()
            if value:
                values[code] = value
        return values

    def _on_extra(self, spec: ExtraField, leaving: bool = False) -> None:
        path = f"fields.{spec.code}"
        widget = self._extra_widgets.get(spec.code)
        if widget is None:
            return
        value = widget.currentData() if isinstance(widget, QComboBox) else widget.text()
        self._touched.add(path)
        self._judge(path, check_field(spec, value, path, self._policy), leaving or
                    isinstance(widget, QComboBox))
        self.changed.emit()

    # --- people ----------------------------------------------------------------------------

    def relation_code(self) -> str:
        return self.relation.currentData() or "self"

    def person(self, role: str) -> PersonInput:
        return PersonInput(**{part: self.edits[f"{role}.{part}"].text() for part in PARTS})

    def beneficiary(self) -> PersonInput | None:
        return None if self.relation_code() == "self" else self.person("beneficiary")

    def _check(self, path: str) -> Any:
        role, part = path.split(".")
        text = self.edits[path].text()
        if part == "name":
            return check_name(text, path, self._policy)
        if part == "id_number":
            return check_identity(text, path)
        if part == "mobile":
            if role == "beneficiary" and not text.strip():
                return None
            return normalise_mobile(text, path)
        required = role == "applicant" and self._policy.intake.require_email
        return check_email(text, path, required)

    def _on_text(self, path: str) -> None:
        self._judge(path, self._check(path), leaving=False)
        self.changed.emit()

    def _on_leave(self, path: str) -> None:
        if path in self._touched:
            self._judge(path, self._check(path), leaving=True)

    def _judge(self, path: str, result: Any, leaving: bool) -> None:
        """Reward early, punish late: clear at once, show a new problem on leaving."""
        if isinstance(result, Problem):
            if leaving or path in self._shown:
                self._show(path, result)
        else:
            self._hide(path)

    def _label_for(self, path: str) -> QLabel | None:
        if path.startswith("fields."):
            return self._extra_errors.get(path.removeprefix("fields."))
        return self.errors.get(path)

    def _show(self, path: str, problem: Problem) -> None:
        label = self._label_for(path)
        if label is None:
            return
        self._shown[path] = problem
        label.setText(problem.text(self._language()))
        label.show()

    def _hide(self, path: str) -> None:
        self._shown.pop(path, None)
        label = self._label_for(path)
        if label is not None:
            label.hide()

    def _on_relation(self) -> None:
        is_self = self.relation_code() == "self"
        self.beneficiary_group.setVisible(not is_self)
        for path in ("relation", "beneficiary"):
            self._hide(path)
        self.changed.emit()

    # --- description -----------------------------------------------------------------------

    def _on_description(self) -> None:
        text = self.description.toPlainText()
        words, chars, min_words, min_chars = description_progress(text, self._policy)
        if words >= min_words and chars >= min_chars:
            self.counter.setText(fill(self.tr("Enough detail: %1 words, %2 characters."),
                                      words, chars))
            self.counter.setProperty("state", "ok")
        else:
            self.counter.setText(fill(
                self.tr("%1 more words and %2 more characters needed "
                        "(at least %3 words and %4 characters)."),
                max(0, min_words - words), max(0, min_chars - chars), min_words, min_chars))
            self.counter.setProperty("state", "short")
        self.counter.style().unpolish(self.counter)
        self.counter.style().polish(self.counter)
        if text:
            self._touched.add("description")
        self._judge("description", check_description(text, "description", self._policy), False)
        self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (watched is self.description and event.type() == QEvent.Type.FocusOut
                and "description" in self._touched):
            self._judge("description", check_description(
                self.description.toPlainText(), "description", self._policy), True)
        return False

    # --- problems from validate_request ----------------------------------------------------

    def field_order(self) -> list[tuple[str, QWidget]]:
        order: list[tuple[str, QWidget]] = [(f"applicant.{p}", self.edits[f"applicant.{p}"])
                                            for p in PARTS]
        order.append(("relation", self.relation))
        order.append(("beneficiary", self.edits["beneficiary.id_number"]))
        order += [(f"beneficiary.{p}", self.edits[f"beneficiary.{p}"]) for p in PARTS]
        order += [(f"fields.{c}", w) for c, w in self._extra_widgets.items()]
        order.append(("description", self.description))
        return order

    def show_problems(self, problems: list[Problem]) -> tuple[QWidget | None, list[Problem]]:
        """Show each problem by its field; return the first widget to focus and the problems
        that belong to no field of this page."""
        by_field: dict[str, Problem] = {}
        rest: list[Problem] = []
        for problem in problems:
            if self._label_for(problem.field) is not None:
                by_field.setdefault(problem.field, problem)
                self._touched.add(problem.field)
            else:
                rest.append(problem)
        for path, problem in by_field.items():
            self._show(path, problem)
        first = next((w for path, w in self.field_order() if path in by_field), None)
        return first, rest

    def clear_problems(self) -> None:
        for path in list(self._shown):
            self._hide(path)

    # --- state -----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "relation": self.relation_code(),
            "applicant": vars(self.person("applicant")),
            "beneficiary": vars(self.person("beneficiary")),
            "description": self.description.toPlainText(),
            "fields": {**self._extra_values, **self.extra_values()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.relation.setCurrentIndex(max(0, self.relation.findData(state.get("relation", "self"))))
        for role in ROLES:
            person = state.get(role) or {}
            for part in PARTS:
                self.edits[f"{role}.{part}"].setText(str(person.get(part, "")))
        self.description.setPlainText(str(state.get("description", "")))
        self._extra_values = {str(k): str(v) for k, v in (state.get("fields") or {}).items()}
        service, self._service = self._service, None
        self.set_service(service)

    def clear(self) -> None:
        self.restore({})
        self._extra_values = {}
        self._touched.clear()
        self.clear_problems()
        self.set_service(None)

    def has_content(self) -> bool:
        return any(e.text().strip() for e in self.edits.values()) or bool(
            self.description.toPlainText().strip()) or bool(self.extra_values())

    # --- language --------------------------------------------------------------------------

    def _retranslate(self) -> None:
        language = self._language()
        for index, code in enumerate(RELATIONS):
            ar, en = message(f"label.relation.{code}")
            self.relation.setItemText(index, en if language == "en" else ar)
        for path, problem in list(self._shown.items()):
            self._show(path, problem)
        if self._service is not None:
            for row, spec in enumerate(self._service.fields):
                label = self.extra_layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
                text = label.widget() if label is not None else None
                if isinstance(text, QLabel):
                    text.setText(self._field_label(spec))
                widget = self._extra_widgets.get(spec.code)
                if isinstance(widget, QComboBox):
                    for i, choice in enumerate(spec.choices, start=1):
                        widget.setItemText(i, choice.label(language))
        self._on_description()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
