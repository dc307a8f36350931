"""The supervisor workspace: the queue with its filters and detail pane, decisions, exports,
and the dashboard.

Only supervisors and administrators get it: the main window adds the tab for them alone
(``sync_workspace_tab``) and ``set_actor`` refuses anyone else. Every decision is the core's
(storage.supervision, through the store's queue backend, with the status or assignee the
supervisor saw), run in a worker; a request someone else changed meanwhile is reported and
shown again as it now is. A bulk action asks once for the whole selection, naming each request.

What a button acts on is what the supervisor chose and sees: the selection is remembered by
request number, and when the queue is read again (a decision, another supervisor, a page
re-read) and a selected row now holds another request, the selection is dropped rather than
moved to a request nobody looked at. After a decision the selection is empty. The detail pane
shows the one chosen request, or lists the chosen ones; the buttons offer only what every
chosen request's state allows.

With ``[central] dsn`` set, which database the queue reads is asked of central in a worker
at the first supervisor sign-in (central.queue.choose_queue_store): central only for a
supervisor's login role; on a counter's desk, or while central cannot be reached, the desk's
own store, with a notice above the queue saying so. That choice is the store's, made once:
the workspace and its panes act through its queue backend (storage.queue_backend) and never
ask again which database it is. A failure talking to central (a decision,
an assignment, a read) is told to the user and the queue is read again; never a bare crash.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.central.queue import (
    CENTRAL_FAILURES,
    QueueSource,
    choose_queue_store,
    queue_on_central,
    stop_at_central_failure,
    unreachable_source,
)
from tawasul_desktop.domain.assignment import check_assignment
from tawasul_desktop.domain.bidi import fill, ltr
from tawasul_desktop.domain.lifecycle import Action, permits
from tawasul_desktop.domain.messages import Problem, TawasulError, message
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.gui.forms import scrolled
from tawasul_desktop.gui.supervisor import decision_dialogs
from tawasul_desktop.gui.supervisor.detail import DetailPane
from tawasul_desktop.gui.supervisor.filters import FilterBar
from tawasul_desktop.gui.supervisor.queue_model import COLUMNS, RequestQueueModel
from tawasul_desktop.storage.assignment import BulkOutcome, Supervisor
from tawasul_desktop.storage.queue import (
    QueueFilter,
    QueueRow,
    QueueSort,
    SortKey,
    require_supervisor,
)
from tawasul_desktop.storage.requests import display_number
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.supervision import assign_many, backend_of, decide_many
from tawasul_desktop.storage.users import Actor

if TYPE_CHECKING:
    from tawasul_desktop.gui.main_window import MainWindow
    from tawasul_desktop.gui.supervisor.dashboard import DashboardPage

log = logging.getLogger(__name__)
MAX_BULK = 500
SHOWN_IN_QUESTION = 10  # request numbers listed in a bulk question; all of them in its details
IDLE_POLL_MS = 200
# Calm, readable on both themes' backgrounds; the same blue as a paused deadline.
NOTICE_STYLE = ("QLabel { background: #e8eef7; border: 1px solid #b7c7de; border-radius: 6px;"
                " padding: 8px; color: #2c4a73; }")


def _ask_save_path(parent: QWidget, title: str, suggested: str, kinds: str) -> str | None:
    path, _kind = QFileDialog.getSaveFileName(parent, title, suggested, kinds)
    return path or None


class SupervisorWorkspace(QWidget):
    decided = Signal(object)  # BulkOutcome, after the queue was read again
    exported = Signal(object)  # the Path written

    # Tests answer the save-file question by replacing this.
    ask_save_path: Callable[[QWidget, str, str, str], str | None] = staticmethod(_ask_save_path)

    def __init__(self, store: Store, language: Callable[[], str],
                 clock: Callable[[], dt.datetime] | None = None,
                 parent: QWidget | None = None, *, notice: Problem | None = None,
                 retry_central: bool = False, decisions: bool = True,
                 assignments: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("supervisorWorkspace")
        self.store, self._language = store, language
        self.queue = backend_of(store)  # where decisions, filters and details go
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.actor: Actor | None = None
        self.supervisors: list[Supervisor] = []
        self.last_outcome: BulkOutcome | None = None
        self.dashboard: DashboardPage | None = None
        # Why the queue is this desk's own and not central's (None: it reads where it should).
        self.source_notice = notice
        # Central was out of reach when this was made: the next sign-in asks it again.
        self.retry_central = retry_central
        # Off where central would refuse this desk's decisions (QueueSource.decisions).
        self.decisions = decisions
        # Off where central is configured but not read (QueueSource.assignments).
        self.assignments = assignments
        self._read_trouble: Problem | None = None
        self._supervisors_trouble: Problem | None = None
        # How far behind the replica the queue reads is ([central] read_dsn), when it is.
        self._replica_lag: Problem | None = None
        self._session = 0  # bumped on each set_actor: late answers for an earlier one are dropped

        self.tabs = QTabWidget()
        self.tabs.setObjectName("supervisorTabs")
        QVBoxLayout(self).addWidget(self.tabs)
        self.queue_page = QWidget()
        self.queue_page.setObjectName("queuePage")
        self.dashboard_holder = QWidget()
        self.dashboard_holder.setObjectName("dashboardHolder")
        QVBoxLayout(self.dashboard_holder).setContentsMargins(0, 0, 0, 0)
        # Both scroll on a small screen rather than widen or heighten the window past it.
        self.tabs.addTab(scrolled(self.queue_page, "queueScroll"), "")
        self.dashboard_scroll = scrolled(self.dashboard_holder, "dashboardScroll")
        self.tabs.addTab(self.dashboard_scroll, "")
        self.tabs.currentChanged.connect(self._on_tab)

        layout = QVBoxLayout(self.queue_page)
        self.notice = QLabel()
        self.notice.setObjectName("queueNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.hide()
        layout.addWidget(self.notice)
        self.filters = FilterBar(store, language)
        layout.addWidget(self.filters)
        self.model = RequestQueueModel(store, language, lambda: self.clock(), self)
        self.table = QTableView()
        self.table.setObjectName("queueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        # A long name or service shows its start and end, whole in its tooltip.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(COLUMNS.index(QueueSort().key), Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self.model.sort)
        # Numbers and times must read whole: size those columns for their widest value.
        metrics, pad = self.table.fontMetrics(), 28
        for key, sample in ((SortKey.NUMBER, "000-00-00-000000-0"),
                            (SortKey.SUBMITTED, "0000-00-00 00:00"), (SortKey.DUE, "0000-00-00")):
            self.table.setColumnWidth(COLUMNS.index(key), metrics.horizontalAdvance(sample) + pad)
        self.detail = DetailPane(store, language, lambda: self.clock())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)

        actions = QHBoxLayout()
        self.claim_button = self._button("claimButton", actions, self.claim_selected)
        self.assign_button = self._button("assignButton", actions, self.assign_selected)
        self.accept_button = self._button("acceptButton", actions, self.accept_selected)
        self.reject_button = self._button("rejectButton", actions, self.reject_selected)
        self.return_button = self._button("returnButton", actions, self.return_selected)
        actions.addStretch(1)
        self.message = QLabel()
        self.message.setObjectName("decisionMessage")
        actions.addWidget(self.message)
        layout.addLayout(actions)
        # Exports on a row of their own: one row of both is wider than 1024 px in English.
        exports = QHBoxLayout()
        self.csv_button = self._button("exportCsvButton", exports, lambda: self.export("csv"))
        self.xlsx_button = self._button("exportXlsxButton", exports, lambda: self.export("xlsx"))
        self.summary_button = self._button("dailySummaryButton", exports, self.daily_summary)
        exports.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setObjectName("queueCount")
        exports.addWidget(self.count_label)
        layout.addLayout(exports)
        self._decision_buttons = (self.claim_button, self.assign_button, self.accept_button,
                                  self.reject_button, self.return_button)

        self.filters.changed.connect(self._on_filter)
        self.model.counted.connect(self._show_count)
        self.model.loaded.connect(self._on_loaded)
        self.model.failed.connect(self._on_read_failed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self._busy = False
        # Row → the request number the supervisor chose there (None: not read yet).
        self._chosen: dict[int, str | None] = {}
        for signal in (self.model.dataChanged, self.model.rowsInserted, self.model.rowsRemoved,
                       self.model.layoutChanged):
            signal.connect(self._check_selection)
        self._retranslate()
        self._on_selection()

    def _button(self, name: str, layout: QHBoxLayout, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton()
        button.setObjectName(name)
        button.clicked.connect(slot)
        layout.addWidget(button)
        return button

    # --- session ---------------------------------------------------------------------------

    def set_actor(self, actor: Actor | None) -> None:
        """Open the workspace for a supervisor; anyone else is refused (TawasulError).

        The supervisors (whom requests can be assigned to) are read in a worker, over the
        network when the queue reads central; the queue is read once they are known.
        """
        if actor is not None:
            require_supervisor(actor)
        self.actor = actor
        self._session += 1
        self._read_trouble = self._supervisors_trouble = None
        self._show_notice()
        self.model.set_actor(actor)
        self.detail.show_request(None)
        if actor is None:
            self.supervisors = []
            self.filters.set_actor(None, [])
            return
        queue, session = self.queue, self._session
        workers.run_task(lambda: queue.supervisors(),
                         lambda found: self._on_supervisors(session, found),
                         lambda exc: self._on_supervisors_failed(session, exc))
        if self.dashboard is not None:
            self.dashboard.set_actor(actor)

    def _on_supervisors(self, session: int, found: list[Supervisor]) -> None:
        if session != self._session or self.actor is None:
            return  # signed out (or someone else signed in) meanwhile
        self.supervisors = found
        self.model.names = {s.username: s.display_name for s in found}
        self.filters.set_actor(self.actor, found)
        self.model.reload(self.filters.current(), self.model.sort_order)

    def _on_supervisors_failed(self, session: int, exc: BaseException) -> None:
        if session != self._session:
            return
        problem = self._trouble_of(exc)
        log.warning("supervisors not loaded: %s", problem.message_en)
        reason = problem.params.get("reason") or problem.text(self._language())
        self._supervisors_trouble = Problem.of("queue.supervisors_not_loaded", "", reason=reason)
        self._show_notice()
        self._on_supervisors(session, [])  # the queue is still worth trying

    def _trouble_of(self, exc: BaseException) -> Problem:
        """The user's message for a failure, or ``exc`` raised again if it is a bug."""
        if isinstance(exc, TawasulError):
            return exc.problems[0]
        problem = self.queue.problem_of(exc)
        if problem is None:
            raise exc
        return problem

    def release_central(self) -> None:
        """Let go of the queue's network connections (sign-out, lock, quit; none on a desk's
        own store); they open again when the queue is next read. Reads still on their way may
        check a connection out again, so they are let go once more when every worker has
        reported back."""
        self.queue.release()
        when_idle(self.queue.release)

    # --- notice ----------------------------------------------------------------------------

    def notice_text(self) -> str:
        language = self._language()
        problems = (self.source_notice, self._replica_lag, self._supervisors_trouble,
                    self._read_trouble)
        return "\n".join(p.text(language) for p in problems if p is not None)

    def _show_notice(self) -> None:
        text = self.notice_text()
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # --- the queue -------------------------------------------------------------------------

    def _on_filter(self, flt: QueueFilter) -> None:
        if self.actor is not None:
            self.model.reload(flt)

    def _on_loaded(self) -> None:
        self._size_columns()
        if self._read_trouble is not None:
            self._read_trouble = None
            self._show_notice()
        self._show_count(self.model.total)
        self._on_selection()
        self._check_replica()

    def _check_replica(self) -> None:
        """After each read of a replica-backed queue, say whether the replica lags."""
        if not self.queue.reads_replica:
            return
        queue, session = self.queue, self._session
        workers.run_task(lambda: queue.lag_notice(),
                         lambda found: self._on_replica_lag(session, found),
                         lambda exc: self._on_replica_lag(session, None, exc))

    def _on_replica_lag(self, session: int, found: Problem | None,
                        exc: BaseException | None = None) -> None:
        if session != self._session:
            return
        if exc is not None:  # the queue's own reads report trouble reaching central
            log.info("replica lag not read: %s", exc)
        if found != self._replica_lag:
            self._replica_lag = found
            self._show_notice()

    def _size_columns(self) -> None:
        """Each column as wide as its first page's widest value (a long one elided), so
        nothing is cut that the screen has room for."""
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(100)
        widest = max(240, self.table.viewport().width() // 4)
        for column in range(len(COLUMNS) - 1):  # the last one stretches
            self.table.resizeColumnToContents(column)
            if header.sectionSize(column) > widest:
                header.resizeSection(column, widest)

    def _show_count(self, total: int | None) -> None:
        if total is None:
            self.count_label.setText(self.tr("Counting…"))
        else:
            self.count_label.setText(self.tr("%n request(s)", "", total))

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        problem = self._trouble_of(exc)
        self.message.clear()
        dialogs.warn(self, self.tr("Supervision"), problem.text(self._language()))
        if problem.code in CENTRAL_FAILURES:
            self.model.refresh()  # show what central now holds, if it answers

    def _on_read_failed(self, exc: BaseException) -> None:
        if isinstance(exc, TawasulError):
            self._on_failed(exc)
            return
        # Not modal: a page read fails again with every scroll while central is away.
        self._set_busy(False)
        problem = self._trouble_of(exc)
        reason = problem.params.get("reason") or problem.text(self._language())
        self._read_trouble = Problem.of("queue.read_failed", "", reason=reason)
        self._show_notice()

    def selected_rows(self) -> list[QueueRow | None]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.model.row_at(r) for r in rows]

    def select_rows(self, rows: list[int]) -> None:
        """Select these rows (tests and keyboard users alike)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = (QItemSelectionModel.SelectionFlag.Select
                 | QItemSelectionModel.SelectionFlag.Rows)
        for r in rows:
            selection.select(self.model.index(r, 0), flags)
        if rows:
            selection.setCurrentIndex(self.model.index(rows[-1], 0), flags)

    def _on_selection(self, *_args: object) -> None:
        """The supervisor chose rows: remember which requests, show them, offer what fits."""
        indexes = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        self._chosen = {r: (row.number if (row := self.model.row_at(r)) else None)
                        for r in indexes}
        self._update_targets()

    def _check_selection(self, *_args: object) -> None:
        """The queue was read again: a chosen row holding another request is not chosen."""
        if not self._chosen:
            return
        for r in sorted(i.row() for i in self.table.selectionModel().selectedRows()):
            row = self.model.row_at(r)
            if row is None:
                continue  # being read again; checked when it arrives
            seen = self._chosen.get(r)
            if seen is None:
                self._chosen[r] = row.number  # its page arrived after the click
            elif seen != row.number:
                self.table.selectionModel().clearSelection()  # → _on_selection
                return
        self._update_targets()

    def _update_targets(self) -> None:
        rows = self.selected_rows()
        ready = (bool(rows) and all(r is not None for r in rows) and not self._busy
                 and self.actor is not None and self.decisions)
        role = self.actor.role if self.actor is not None else ""
        loaded = [r for r in rows if r is not None]
        for button, action in ((self.accept_button, Action.ACCEPT),
                               (self.reject_button, Action.REJECT),
                               (self.return_button, Action.RETURN)):
            button.setEnabled(ready and all(permits(r.status, action, role) for r in loaded))
        assignable = (ready and self.assignments
                      and all(check_assignment(role, r.status, None, None) is None
                              for r in loaded))
        self.claim_button.setEnabled(assignable)
        self.assign_button.setEnabled(assignable)
        numbers = [r.number for r in loaded]
        if len(rows) == 1 and loaded:
            if self.detail.number != numbers[0]:
                self.detail.show_request(numbers[0])
        elif len(rows) > 1:
            if self.detail.numbers != numbers or self.detail.number is not None:
                self.detail.show_many(loaded)
        elif self.detail.number is not None or self.detail.numbers:
            self.detail.show_request(None)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_targets()

    # --- decisions -------------------------------------------------------------------------

    def _selection(self) -> list[QueueRow] | None:
        rows = self.selected_rows()
        if not rows or self.actor is None or not self.decisions:
            return None
        if len(rows) > MAX_BULK:
            dialogs.warn(self, self.tr("Supervision"),
                         fill(self.tr("Select at most %1 requests at a time."), MAX_BULK))
            return None
        if any(r is None for r in rows):
            dialogs.warn(self, self.tr("Supervision"),
                         self.tr("Some selected rows are still loading; try again in a moment."))
            return None
        return [r for r in rows if r is not None]

    def claim_selected(self) -> None:
        if not self.assignments:
            return
        rows = self._selection()
        if rows and self.actor is not None:
            self._assign(rows, self.actor.username)

    def assign_selected(self) -> None:
        if not self.assignments:
            return
        rows = self._selection()
        if not rows:
            return
        chosen = decision_dialogs.ask_assignee(self, self.supervisors, [r.number for r in rows])
        if chosen is None:
            return
        self._assign(rows, chosen or None)

    def accept_selected(self) -> None:
        rows = self._selection()
        if not rows:
            return
        numbers = [r.number for r in rows]
        if len(rows) == 1:
            question = fill(self.tr("Accept request %1?"), ltr(display_number(numbers[0])))
            details = ""
        else:
            question = self.tr("Accept these %n request(s)?", "", len(rows))
            shown, more = numbers[:SHOWN_IN_QUESTION], len(numbers) - SHOWN_IN_QUESTION
            question += "\n" + decision_dialogs.listed(shown)
            if more > 0:
                question += "\n" + self.tr("…and %n more (Show Details…)", "", more)
            details = decision_dialogs.listed(numbers)
        if dialogs.confirm(self, self.tr("Accept"), question, details):
            self._decide(Action.ACCEPT, rows, None)

    def reject_selected(self) -> None:
        self._with_reason("reject", Action.REJECT)

    def return_selected(self) -> None:
        self._with_reason("return", Action.RETURN)

    def _with_reason(self, kind: str, action: Action) -> None:
        rows = self._selection()
        if not rows:
            return
        services = {r.service for r in rows}
        service = self.store.catalogue.get(services.pop()) if len(services) == 1 else None
        documents = service.documents if service and kind == "return" else ()
        reason = decision_dialogs.ask_reason(self, kind, [r.number for r in rows],
                                             self._language(), documents)
        if reason:
            self._decide(action, rows, reason)

    def _decide(self, action: Action, rows: list[QueueRow], reason: str | None) -> None:
        store, actor, now = self.store, self.actor, self.clock()
        assert actor is not None
        items = [(r.number, r.status) for r in rows]
        self._set_busy(True)
        workers.run_task(
            lambda: stop_at_central_failure(
                items, lambda some: decide_many(store, actor, some, action, reason=reason,
                                                now=now), store),
            lambda outcome: self._after(action.value, outcome), self._on_failed)

    def _assign(self, rows: list[QueueRow], assignee: str | None) -> None:
        store, actor, now = self.store, self.actor, self.clock()
        assert actor is not None
        items = [(r.number, r.assignee) for r in rows]
        self._set_busy(True)
        workers.run_task(
            lambda: stop_at_central_failure(
                items, lambda some: assign_many(store, actor, some, assignee, now=now), store),
            lambda outcome: self._after("assign", outcome), self._on_failed)

    def _after(self, what: str, outcome: BulkOutcome) -> None:
        self.last_outcome = outcome
        # Done with these: the rows they leave may hold other requests once read again.
        self.table.selectionModel().clearSelection()
        self._set_busy(False)
        # Read again, so a request someone else decided meanwhile shows as it now is.
        self.model.refresh()
        self.detail.reload()
        done = len(outcome.done)
        texts = {
            "assign": self.tr("Assigned: %n request(s).", "", done),
            "accept": self.tr("Accepted: %n request(s).", "", done),
            "reject": self.tr("Rejected: %n request(s).", "", done),
            "return": self.tr("Returned to the applicant: %n request(s).", "", done),
        }
        self.message.setText(texts[what])
        failure = next((p for _n, p in outcome.refused if p.code in CENTRAL_FAILURES), None)
        if failure is not None:
            self._central_failed(failure, outcome)
        elif outcome.refused:
            dialogs.warn(self, self.tr("Not done"),
                         self.tr("%n request(s) were not changed:", "", len(outcome.refused))
                         + "\n" + self._refusal_lines(outcome.refused))
        self.decided.emit(outcome)

    def _refusal_lines(self, refused: list[tuple[str, Problem]]) -> str:
        return "\n".join(f"{ltr(display_number(n))}: {self._problem_text(p)}"
                         for n, p in refused)

    def _central_failed(self, failure: Problem, outcome: BulkOutcome) -> None:
        """Central failed part-way: what failed, how many were done and not, and any request
        refused for its own reason before that; the queue was read again already."""
        language = self._language()
        ar, en = message("queue.central_bulk_summary", done=len(outcome.done),
                         not_done=len(outcome.refused))
        text = failure.text(language) + "\n" + (en if language == "en" else ar)
        own = [(n, p) for n, p in outcome.refused
               if p.code not in CENTRAL_FAILURES and p.code != "queue.not_attempted"]
        if own:
            text += "\n\n" + self._refusal_lines(own)
        log.warning("a bulk action stopped at a central failure: %s", failure.message_en)
        dialogs.warn(self, self.tr("Not done"), text)

    def _problem_text(self, problem: Problem) -> str:
        return problem.text(self._language())

    # --- exports ---------------------------------------------------------------------------

    def export(self, kind: str) -> None:
        if self.actor is None or self.model.query is None:
            return
        titles = {"csv": (self.tr("Export to CSV"), self.tr("CSV files (*.csv)")),
                  "xlsx": (self.tr("Export to Excel"), self.tr("Excel workbooks (*.xlsx)"))}
        title, kinds = titles[kind]
        today = self.clock().date().isoformat()
        path = self.ask_save_path(self, title, f"tawasul-queue-{today}.{kind}", kinds)
        if not path:
            return
        from tawasul_desktop.storage import reports

        query, target = self.model.query, Path(path)
        write = reports.export_csv if kind == "csv" else reports.export_xlsx
        catalogue, language = self.store.catalogue, self._language()  # the screen's language
        self.message.setText(self.tr("Exporting…"))
        workers.run_task(lambda: write(query, target, catalogue, language),
                         lambda count: self._exported(target, count), self._on_failed)

    def _exported(self, path: Path, count: int) -> None:
        self.message.setText(fill(self.tr("Exported %n row(s) to %1.", "", count), path.name))
        self.exported.emit(path)

    def daily_summary(self) -> None:
        if self.actor is None:
            return
        today = self.clock().date().isoformat()
        path = self.ask_save_path(self, self.tr("Daily summary"),
                                  f"tawasul-summary-{today}.pdf", self.tr("PDF files (*.pdf)"))
        if not path:
            return
        from tawasul_desktop.receipts.daily_summary import write_daily_summary
        from tawasul_desktop.storage.reports import dashboard_figures

        store, actor, now, target = self.store, self.actor, self.clock(), Path(path)

        def work() -> int:
            figures = dashboard_figures(store, actor, now)
            write_daily_summary(store, figures, target)
            return 1

        self.message.setText(self.tr("Writing the daily summary…"))
        workers.run_task(work, lambda _n: self._exported(target, 0), self._on_failed)

    # --- dashboard -------------------------------------------------------------------------

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is not self.dashboard_scroll or self.actor is None:
            return
        if self.dashboard is None:
            from tawasul_desktop.gui.supervisor.dashboard import DashboardPage  # QtCharts: late

            self.dashboard = DashboardPage(self.store, self._language, lambda: self.clock())
            layout = self.dashboard_holder.layout()
            assert layout is not None
            layout.addWidget(self.dashboard)
            self.dashboard.set_actor(self.actor)
        self.dashboard.refresh()

    # --- language --------------------------------------------------------------------------

    def _retranslate(self) -> None:
        self._show_notice()
        self.tabs.setTabText(0, self.tr("Queue"))
        self.tabs.setTabText(1, self.tr("Dashboard"))
        self.claim_button.setText(self.tr("&Claim"))
        self.assign_button.setText(self.tr("A&ssign…"))
        self.accept_button.setText(self.tr("&Accept"))
        self.reject_button.setText(self.tr("&Reject…"))
        self.return_button.setText(self.tr("Re&turn…"))
        self.csv_button.setText(self.tr("Export CSV…"))
        self.xlsx_button.setText(self.tr("Export Excel…"))
        self.summary_button.setText(self.tr("Daily summary PDF…"))
        self._show_count(self.model.total)
        self._retitle_tab()

    def _retitle_tab(self) -> None:
        tabs = _tab_widget_of(self)
        if tabs is not None:
            tabs.setTabText(tabs.indexOf(self), self.tr("Supervision"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.model.language_changed()
        super().changeEvent(event)


def _tab_widget_of(widget: QWidget) -> QTabWidget | None:
    parent: Any = widget.parentWidget()
    while parent is not None and not isinstance(parent, QTabWidget):
        parent = parent.parentWidget()
    return parent


def when_idle(callback: Callable[[], None], context: QObject | None = None,
              tries: int = 150) -> None:
    """Call ``callback`` once no worker is running (or after about 30 s of trying); never
    after ``context`` (the object it acts on) is gone."""
    if not workers.busy() or tries <= 0:
        callback()
    elif context is None:
        QTimer.singleShot(IDLE_POLL_MS, lambda: when_idle(callback, None, tries - 1))
    else:
        QTimer.singleShot(IDLE_POLL_MS, context,
                          lambda: when_idle(callback, context, tries - 1))


def sync_workspace_tab(window: MainWindow) -> SupervisorWorkspace | None:
    """Show the supervision tab to a signed-in supervisor or administrator; hide it otherwise.

    Called by the main window whenever who is signed in changes. The workspace is made on
    the first supervisor sign-in, so counters never load it; with ``[central] dsn`` set it is
    made once a worker has asked central whose role the desk uses (``choose_queue_store``),
    and this is called again then. The central pool is closed whenever nobody may use it.
    """
    workspace = window.supervision
    actor = window.actor
    allowed = actor is not None and actor.is_supervisor
    if not allowed:
        if workspace is not None:
            index = window.tabs.indexOf(workspace)
            if index >= 0:
                window.tabs.removeTab(index)
            workspace.set_actor(None)
            workspace.release_central()
            if workspace.retry_central:  # ask central again at the next supervisor sign-in
                window.supervision = None
                # No worker may report to a deleted widget: it goes when they are done.
                when_idle(workspace.deleteLater, workspace)
        return window.supervision
    assert window.store is not None and actor is not None
    if workspace is None:
        if queue_on_central(window.store.settings, actor):
            _choose_source(window, actor)
            return None
        workspace = _make_workspace(window, QueueSource(window.store))
    if window.tabs.indexOf(workspace) < 0:
        window.tabs.addTab(workspace, "")
        workspace._retitle_tab()
    if workspace.actor != actor:
        workspace.set_actor(actor)
    return workspace


def _make_workspace(window: MainWindow, source: QueueSource) -> SupervisorWorkspace:
    workspace = SupervisorWorkspace(source.store, lambda: window.languages.language or "ar",
                                    clock=lambda: window.clock(), notice=source.notice,
                                    retry_central=source.retry, decisions=source.decisions,
                                    assignments=source.assignments)
    window.supervision = workspace
    return workspace


def _choose_source(window: MainWindow, actor: Actor) -> None:
    """Ask central, in a worker, which store the queue reads; sign-in goes on meanwhile."""
    if window.queue_source_pending:
        return
    local = window.store
    assert local is not None
    settings = local.settings
    window.queue_source_pending = True
    asking = QCoreApplication.translate(
        "SupervisorWorkspace", "Asking the central database for the supervision queue…")
    window.statusBar().showMessage(asking)

    def failed(exc: BaseException) -> None:  # a bug, not central's answer: stay on this desk
        log.error("choosing the supervision queue failed", exc_info=exc)
        chosen(unreachable_source(local, exc))

    def chosen(source: QueueSource) -> None:
        window.queue_source_pending = False
        if window.closing or window.supervision is not None:
            backend_of(source.store).release()  # over central: its pool, opened for nothing
            return
        if window.statusBar().currentMessage() == asking:
            window.statusBar().clearMessage()
        _make_workspace(window, source)
        sync_workspace_tab(window)  # whoever is signed in now

    workers.run_task(lambda: choose_queue_store(settings, actor, local=local), chosen, failed)
