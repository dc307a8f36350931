"""The queue's filter bar: status, service, counter, dates, deadline, assignee, search, and the
built-in and saved filters of the signed-in supervisor.

Every change emits ``changed`` with the whole QueueFilter once (typing in the search box
waits for a pause). Saved filters live where the queue reads, per user
(storage.supervision.save_filter). A failure keeping or forgetting one (central refused or
could not be reached) is told, and the list is read again to show what is really kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QEvent, QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from tawasul_desktop.domain.lifecycle import OPEN_STATES, Status, status_name
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.storage.assignment import Supervisor
from tawasul_desktop.storage.queue import (
    PRESETS,
    RUNNING_STATES,
    UNASSIGNED,
    NamedFilter,
    QueueFilter,
    preset_filter,
)
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.supervision import (
    backend_of,
    delete_filter,
    save_filter,
    saved_filters,
)
from tawasul_desktop.storage.users import Actor

SEARCH_PAUSE_MS = 300
_NO_DATE = QDate(2000, 1, 1)  # the date edits' minimum, shown as "any"
_OPEN = tuple(sorted(s.value for s in OPEN_STATES))
_ME = "\x00me"  # assignee combo value standing for the signed-in supervisor


def _ask_name(parent: QWidget, title: str, label: str) -> str | None:
    text, ok = QInputDialog.getText(parent, title, label)
    return text if ok else None


class FilterBar(QWidget):
    changed = Signal(object)  # QueueFilter

    # Tests answer the "name this filter" question by replacing this.
    ask_name: Callable[[QWidget, str, str], str | None] = staticmethod(_ask_name)

    def __init__(self, store: Store, language: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueFilters")
        self.store, self._language = store, language
        self.queue = backend_of(store)
        self.actor: Actor | None = None
        self.supervisors: list[Supervisor] = []
        self.saved: list[NamedFilter] = []
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)

        self.presets = QComboBox()
        self.presets.setObjectName("savedFilters")
        self.save_button = QPushButton()
        self.save_button.setObjectName("saveFilter")
        self.delete_button = QPushButton()
        self.delete_button.setObjectName("deleteFilter")
        self.search = QLineEdit()
        self.search.setObjectName("queueSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(100)
        top = QHBoxLayout()
        self.presets_label, self.search_label = QLabel(), QLabel()
        self.presets_label.setBuddy(self.presets)
        self.search_label.setBuddy(self.search)
        for w in (self.presets_label, self.presets, self.save_button, self.delete_button):
            top.addWidget(w)
        top.addSpacing(16)
        top.addWidget(self.search_label)
        top.addWidget(self.search, 1)
        grid.addLayout(top, 0, 0, 1, 8)

        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.service = QComboBox()
        self.service.setObjectName("serviceFilter")
        self.counter = QSpinBox()
        self.counter.setObjectName("counterFilter")
        self.counter.setRange(0, 99)
        self.since, self.until = QDateEdit(), QDateEdit()
        self.since.setObjectName("sinceFilter")
        self.until.setObjectName("untilFilter")
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setMinimumDate(_NO_DATE)
            edit.setDate(_NO_DATE)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.deadline = QComboBox()
        self.deadline.setObjectName("deadlineFilter")
        self.assignee = QComboBox()
        self.assignee.setObjectName("assigneeFilter")
        self.clear_button = QPushButton()
        self.clear_button.setObjectName("clearFilters")
        # Long service and status names would make the bar wider than a 1024-px screen: the
        # boxes show a dozen characters (the list that opens shows them whole).
        for combo in (self.status, self.service, self.deadline, self.assignee):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self.labels: list[QLabel] = []
        for column, widget in enumerate((self.status, self.service, self.counter, self.since,
                                         self.until, self.deadline, self.assignee)):
            label = QLabel()
            label.setBuddy(widget)
            self.labels.append(label)
            grid.addWidget(label, 1, column)
            grid.addWidget(widget, 2, column)
        grid.addWidget(self.clear_button, 2, 7)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_PAUSE_MS)
        self._timer.timeout.connect(self._emit)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._emit)
        for combo in (self.status, self.service, self.deadline, self.assignee):
            combo.currentIndexChanged.connect(self._emit)
        self.counter.valueChanged.connect(self._emit)
        self.since.dateChanged.connect(self._emit)
        self.until.dateChanged.connect(self._emit)
        self.presets.activated.connect(self._on_preset)
        self.save_button.clicked.connect(self.save_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.clear_button.clicked.connect(lambda: self.apply(QueueFilter()))
        self._retranslate()

    # --- the filter ------------------------------------------------------------------------

    def current(self) -> QueueFilter:
        statuses = [s for s in (self.status.currentData() or "").split(",") if s]
        deadline = self.deadline.currentData() or ""
        assignee = self.assignee.currentData()
        if assignee == _ME:
            assignee = self.actor.username if self.actor else None
        since = self.since.date() if self.since.date() != _NO_DATE else None
        until = self.until.date() if self.until.date() != _NO_DATE else None
        return QueueFilter(
            statuses=tuple(statuses),
            service=self.service.currentData() or None,
            counter=self.counter.value() or None,
            since=dt.date(since.year(), since.month(), since.day()) if since else None,
            until=dt.date(until.year(), until.month(), until.day()) if until else None,
            overdue=deadline == "overdue",
            due_within=2 if deadline == "due_soon" else None,
            assignee=assignee if assignee is not None else None,
            text=self.search.text().strip(),
        )

    def apply(self, flt: QueueFilter) -> None:
        """Show ``flt`` in the widgets and emit it once."""
        blockers = [QSignalBlocker(w) for w in (self.status, self.service, self.counter,
                                                 self.since, self.until, self.deadline,
                                                 self.assignee, self.search)]
        self._select(self.status, ",".join(flt.statuses), add=True)
        self._select(self.service, flt.service or "")
        self.counter.setValue(flt.counter or 0)
        for edit, day in ((self.since, flt.since), (self.until, flt.until)):
            edit.setDate(QDate(day.year, day.month, day.day) if day else _NO_DATE)
        self._select(self.deadline, "overdue" if flt.overdue
                     else "due_soon" if flt.due_within is not None else "")
        if self.actor is not None and flt.assignee == self.actor.username:
            self._select(self.assignee, _ME)
        else:
            self._select(self.assignee, flt.assignee, add=True)
        self.search.setText(flt.text)
        del blockers
        self._emit()

    def _select(self, combo: QComboBox, value: object, add: bool = False) -> None:
        for i in range(combo.count()):
            if combo.itemData(i) == value:
                combo.setCurrentIndex(i)
                return
        if add:
            combo.addItem(str(value), value)
            combo.setCurrentIndex(combo.count() - 1)
        else:
            combo.setCurrentIndex(0)

    def _emit(self) -> None:
        self._timer.stop()
        if self.actor is not None:
            self.changed.emit(self.current())

    # --- built-in and saved filters --------------------------------------------------------

    def set_actor(self, actor: Actor | None, supervisors: list[Supervisor]) -> None:
        self.actor, self.supervisors = actor, supervisors
        self._fill_assignees()
        self.reload_saved()

    def reload_saved(self) -> None:
        if self.actor is None:
            self.saved = []
            self._fill_presets()
            return
        store, owner = self.store, self.actor.username
        workers.run_task(lambda: saved_filters(store, owner), self._on_saved, self._on_error)

    def _on_saved(self, saved: list[NamedFilter]) -> None:
        self.saved = saved
        self._fill_presets()

    def _preset_labels(self) -> dict[str, str]:
        return {
            "my_queue": self.tr("My queue"),
            "due_soon": self.tr("Due within 2 working days"),
            "overdue": self.tr("Overdue"),
            "waiting": self.tr("Waiting for a decision"),
            "returned": self.tr("Returned to applicant"),
        }

    def _fill_presets(self) -> None:
        with QSignalBlocker(self.presets):
            self.presets.clear()
            self.presets.addItem(self.tr("All requests"), "all:")
            labels = self._preset_labels()
            for code in PRESETS:
                self.presets.addItem(labels[code], f"preset:{code}")
            if self.saved:
                self.presets.insertSeparator(self.presets.count())
            for named in self.saved:
                self.presets.addItem(named.name, f"saved:{named.name}")
        self.delete_button.setEnabled(False)

    def _on_preset(self, index: int) -> None:
        kind, _, code = (self.presets.itemData(index) or "all:").partition(":")
        self.delete_button.setEnabled(kind == "saved")
        if self.actor is None:
            return
        if kind == "preset":
            self.apply(preset_filter(code, self.actor))
        elif kind == "saved":
            found = next((n.filter for n in self.saved if n.name == code), None)
            if found is not None:
                self.apply(found)
        else:
            self.apply(QueueFilter())

    def choose_preset(self, code: str) -> None:
        for i in range(self.presets.count()):
            if self.presets.itemData(i) in (f"preset:{code}", f"saved:{code}"):
                self.presets.setCurrentIndex(i)
                self._on_preset(i)
                return
        raise LookupError(code)

    def save_current(self) -> None:
        if self.actor is None:
            return
        name = self.ask_name(self, self.tr("Save filter"), self.tr("Name of this filter:"))
        if not name:
            return
        store, actor, flt = self.store, self.actor, self.current()
        workers.run_task(lambda: save_filter(store, actor, name, flt),
                         lambda _r: self.reload_saved(), self._on_change_failed)

    def delete_current(self) -> None:
        kind, _, name = (self.presets.currentData() or "").partition(":")
        if kind != "saved" or self.actor is None:
            return
        store, actor = self.store, self.actor
        workers.run_task(lambda: delete_filter(store, actor, name),
                         lambda _r: self.reload_saved(), self._on_change_failed)

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, TawasulError):
            problem = exc.problems[0]
        else:
            found = self.queue.problem_of(exc)
            if found is None:
                raise exc  # a bug: the top level logs it
            problem = found
        dialogs.warn(self, self.tr("Saved filters"), problem.text(self._language()))

    def _on_change_failed(self, exc: BaseException) -> None:
        self._on_error(exc)
        self.reload_saved()  # once: a failing read only warns (_on_error), it does not loop

    # --- texts -----------------------------------------------------------------------------

    def _fill_assignees(self) -> None:
        with QSignalBlocker(self.assignee):
            current = self.assignee.currentData()
            self.assignee.clear()
            self.assignee.addItem(self.tr("Anyone"), None)
            self.assignee.addItem(self.tr("Me"), _ME)
            self.assignee.addItem(self.tr("Nobody"), UNASSIGNED)
            for s in self.supervisors:
                self.assignee.addItem(s.display_name, s.username)
            self._select(self.assignee, current)

    def _retranslate(self) -> None:
        language = self._language()
        for label, text in zip(self.labels, (
                self.tr("&Status"), self.tr("Ser&vice"), self.tr("Coun&ter"), self.tr("&From"),
                self.tr("&To"), self.tr("&Deadline"), self.tr("Assi&gnee")), strict=True):
            label.setText(text)
        self.presets_label.setText(self.tr("&Queue"))
        self.search_label.setText(self.tr("Sea&rch"))
        self.search.setPlaceholderText(self.tr("Request number, name or full identity number"))
        self.save_button.setText(self.tr("Save filter…"))
        self.delete_button.setText(self.tr("Delete filter"))
        self.clear_button.setText(self.tr("C&lear"))
        self.counter.setSpecialValueText(self.tr("All"))
        for edit in (self.since, self.until):
            edit.setSpecialValueText(self.tr("Any"))
        with QSignalBlocker(self.status):
            current = self.status.currentData()
            self.status.clear()
            self.status.addItem(self.tr("All statuses"), "")
            self.status.addItem(self.tr("Waiting for a decision"), ",".join(RUNNING_STATES))
            self.status.addItem(self.tr("Open"), ",".join(_OPEN))
            for s in Status:
                self.status.addItem(status_name(s, language), s.value)
            self._select(self.status, current)
        with QSignalBlocker(self.service):
            current = self.service.currentData()
            self.service.clear()
            self.service.addItem(self.tr("All services"), "")
            for service in self.store.catalogue:
                self.service.addItem(service.name(language), service.code)
            self._select(self.service, current)
        with QSignalBlocker(self.deadline):
            current = self.deadline.currentData()
            self.deadline.clear()
            self.deadline.addItem(self.tr("Any"), "")
            self.deadline.addItem(self.tr("Overdue"), "overdue")
            self.deadline.addItem(self.tr("Due within 2 working days"), "due_soon")
            self._select(self.deadline, current)
        self._fill_assignees()
        index = self.presets.currentIndex()
        self._fill_presets()
        with QSignalBlocker(self.presets):
            self.presets.setCurrentIndex(max(0, index))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
