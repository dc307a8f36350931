"""The enquiry page (ui/enquiry.ui): find a request and record a follow-up.

A request number's check digit is verified as it is typed, so a mistyped number says so
instead of "not found". Look-ups run in a worker; the page shows status, decision and reason,
dates in both calendars, the overdue flag, attachments and the request's history. A
follow-up can be recorded only once the policy's waiting time (72 hours) has passed.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.bidi import fill, isolate, ltr
from tawasul_desktop.domain.digits import compact_number
from tawasul_desktop.domain.hijri import format_datetime
from tawasul_desktop.domain.lifecycle import status_name, takes_follow_ups
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.domain.numbers import (
    NUMBER_DIGITS,
    CheckDigitError,
    NumberFormatError,
    parse_number,
)
from tawasul_desktop.domain.timing import follow_up_allowed
from tawasul_desktop.gui import workers
from tawasul_desktop.gui.forms import child, load_form, scrolled
from tawasul_desktop.present.request import FollowUp, RequestPresenter
from tawasul_desktop.storage.audit import HistoryLine, history_for
from tawasul_desktop.storage.models import Request
from tawasul_desktop.storage.requests import (
    RequestFilter,
    RequestSummary,
    display_number,
    find_by_identity,
    get_request,
    list_requests,
    record_follow_up,
    summarise,
)
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

PAGE_ROWS = 50


@dataclass(frozen=True)
class RequestView:
    """What the page shows of one request, gathered in the worker."""

    summary: RequestSummary
    attachments: list[tuple[str, str, int]]  # name, media type, size
    follow_ups: list[tuple[dt.datetime, str, str]]
    history: list[HistoryLine]


def load_view(store: Store, number: str, now: dt.datetime) -> RequestView:
    req: Request = get_request(store, number)
    with store.read() as session:
        history = history_for(session, "request", str(req.id))
    return RequestView(
        summary=summarise(store, req, now),
        attachments=[(a.display_name, a.media_type, a.size) for a in req.attachments],
        follow_ups=[(f.at, f.by, f.note) for f in req.follow_ups],
        history=history,
    )


class RecentRequestsModel(QAbstractTableModel):
    """This counter's requests, newest first, fetched a page at a time."""

    COLUMNS = ("number", "service", "applicant", "status", "due")

    def __init__(self, store: Store, language: Callable[[], str], parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._language = language
        self._rows: list[RequestSummary] = []
        self._more = False

    def refresh(self) -> None:
        self.beginResetModel()
        self._rows = self._page(0)
        self._more = len(self._rows) == PAGE_ROWS
        self.endResetModel()

    def _page(self, offset: int) -> list[RequestSummary]:
        flt = RequestFilter(counter=self._store.settings.counter)
        return list_requests(self._store, flt, limit=PAGE_ROWS, offset=offset)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: N802, B008
        more = self._page(len(self._rows))
        self._more = len(more) == PAGE_ROWS
        if more:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def number_at(self, row: int) -> str:
        return self._rows[row].number

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self._rows[index.row()]
        language = self._language()
        column = self.COLUMNS[index.column()]
        if column == "number":
            return row.number
        if column == "service":
            service = self._store.catalogue.get(row.service)
            return service.name(language) if service else row.service
        if column == "applicant":
            return row.applicant_name
        if column == "status":
            return status_name(row.status, language) + (" ⚠" if row.overdue else "")
        return row.due_date.isoformat()

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        names = (self.tr("Number"), self.tr("Service"), self.tr("Applicant"), self.tr("Status"),
                 self.tr("Due"))
        return names[section]

    def language_changed(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1,
                                                              len(self.COLUMNS) - 1))


class EnquiryPage(QWidget):
    def __init__(self, store: Store, language: Callable[[], str],
                 clock: Callable[[], dt.datetime] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enquiryPage")
        self.store = store
        self._language = language
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.actor: Actor | None = None
        self.view: RequestView | None = None
        self._problem: Problem | None = None
        self._hint_kind = ""
        self.form = load_form("enquiry", self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolled(self.form, "enquiryScroll"))
        self.input: QLineEdit = child(self.form, QLineEdit, "enquiryInput")
        self.find_button: QPushButton = child(self.form, QPushButton, "enquiryButton")
        self.message: QLabel = child(self.form, QLabel, "enquiryMessage")
        self.matches: QListWidget = child(self.form, QListWidget, "matchesList")
        self.recent: QTableView = child(self.form, QTableView, "recentTable")
        self.details: QTextBrowser = child(self.form, QTextBrowser, "detailsView")
        self.note: QLineEdit = child(self.form, QLineEdit, "followUpNote")
        self.follow_button: QPushButton = child(self.form, QPushButton, "followUpButton")
        self.hint: QLabel = child(self.form, QLabel, "followUpHint")
        self.message.setProperty("role", "error")
        self.hint.setProperty("role", "hint")
        self.model = RecentRequestsModel(store, language, self)
        self.recent.setModel(self.model)
        self.recent.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.recent.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.recent.horizontalHeader().setStretchLastSection(True)
        self.recent.verticalHeader().hide()
        # Tab moves on to the next field (not cell to cell: 40 Tabs never left the table);
        # the arrows move between rows and Enter opens one, as a click does.
        self.recent.setTabKeyNavigation(False)
        self.recent.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.input.textChanged.connect(self._check_as_typed)
        self.input.returnPressed.connect(self.find_request)
        self.find_button.clicked.connect(self.find_request)
        self.matches.currentItemChanged.connect(self._on_match)
        self.recent.clicked.connect(self._on_recent)
        self.recent.activated.connect(self._on_recent)
        self.follow_button.clicked.connect(self.record_follow_up)
        self.reprint_button: QPushButton = child(self.form, QPushButton, "reprintButton")
        self.reprint_button.clicked.connect(self.reprint_receipt)
        self._show_view()

    # --- finding ---------------------------------------------------------------------------

    def _check_as_typed(self, text: str) -> None:
        digits = compact_number(text).replace("-", "")
        self._problem = None
        if len(digits) == NUMBER_DIGITS and digits.isdigit():
            try:
                parse_number(text)
            except CheckDigitError:
                self._problem = Problem.of("request.bad_number", "number", value=text.strip())
            except NumberFormatError:
                pass
        self._show_message()

    def _show_message(self) -> None:
        if self._problem is not None:
            self.message.setText(self._problem.text(self._language()))
        elif self._hint_kind == "format":
            self.message.setText(fill(self.tr("Enter a request number (%1 digits) or an "
                                              "identity number (10 digits)."), NUMBER_DIGITS))
        elif self._hint_kind == "none_for_id":
            self.message.setText(self.tr("No requests for this identity number."))
        else:
            self.message.clear()
        self.message.setVisible(bool(self.message.text()))

    def find_request(self) -> None:
        """Look the typed number up (not ``find``: that is QWidget's static look-up by id)."""
        text = self.input.text().strip()
        digits = compact_number(text).replace("-", "").replace(" ", "")
        self._hint_kind = ""
        self.matches.clear()  # never the previous person's requests beside this search
        self._check_as_typed(text)
        if self._problem is not None:
            return
        if len(digits) == 10 and digits.isdigit():
            store = self.store
            workers.run_task(lambda: find_by_identity(store, digits), self._on_identity,
                             self._on_failed)
        elif len(digits) == NUMBER_DIGITS and digits.isdigit():
            self.open_number(text)
        else:
            self._hint_kind = "format"
            self._show_message()

    def _on_identity(self, requests: list[Request]) -> None:
        self.matches.clear()
        for req in requests:
            service = self.store.catalogue.get(req.service)
            name = service.name(self._language()) if service else req.service
            label = f"{ltr(display_number(req.number))} — {isolate(name)}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, display_number(req.number))
            self.matches.addItem(item)
        if requests:
            self.matches.setCurrentRow(0)
        else:
            self._hint_kind = "none_for_id"
            self._show_message()

    def _on_recent(self, index: QModelIndex) -> None:
        self.open_number(self.model.number_at(index.row()))

    def _on_match(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.open_number(item.data(Qt.ItemDataRole.UserRole))

    def open_number(self, number: str) -> None:
        store, now = self.store, self.clock()
        workers.run_task(lambda: load_view(store, number, now), self._on_view, self._on_failed)

    def _on_view(self, view: RequestView) -> None:
        self.view = view
        self._problem = None
        self._show_message()
        self._show_view()

    def _on_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, TawasulError):
            raise exc
        self._problem = exc.problems[0]
        self.view = None
        self._show_message()
        self._show_view()

    # --- showing a request -----------------------------------------------------------------

    def _show_view(self) -> None:
        view = self.view
        if view is None:
            hint = self.tr("Find a request by its number or by an identity number.")
            self.details.setHtml(f"<p>{html.escape(hint)}</p>")
            self.follow_button.setEnabled(False)
            self.reprint_button.setEnabled(False)
            self.hint.clear()
            return
        s = view.summary
        language = self._language()
        zone = self.store.policy.calendar.timezone
        presenter = RequestPresenter(self.store.catalogue, language, zone)
        self.details.setHtml(presenter.enquiry_html(
            number=s.number, service=s.service, status=s.status,
            applicant_name=s.applicant_name, beneficiary_name=s.beneficiary_name,
            submitted_at=s.submitted_at, due_date=s.due_date, follow_up_from=s.follow_up_from,
            overdue=s.overdue, decision_reason=s.decision_reason,
            attachments=[(name, size) for name, _kind, size in view.attachments],
            follow_ups=[FollowUp(*f) for f in view.follow_ups], history=view.history))
        is_open = takes_follow_ups(s.status)
        allowed = is_open and follow_up_allowed(s.submitted_at, self.clock(),
                                                self.store.policy.timing, self.store.calendar())
        self.follow_button.setEnabled(allowed and self.actor is not None)
        self.reprint_button.setEnabled(self.actor is not None)
        if not is_open:  # offer only what the core would accept
            self.hint.setText(fill(self.tr("This request is %1: no follow-up can be recorded."),
                                   status_name(s.status, language)))
        elif allowed:
            self.hint.setText(self.tr("A follow-up can be recorded now."))
        else:
            self.hint.setText(fill(self.tr("A follow-up can be recorded from %1."),
                                   format_datetime(s.follow_up_from, language, zone, hijri=True)))

    def record_follow_up(self) -> None:
        if self.view is None or self.actor is None:
            return
        store, actor, number = self.store, self.actor, self.view.summary.number
        note, now = self.note.text(), self.clock()
        self.follow_button.setEnabled(False)
        workers.run_task(lambda: record_follow_up(store, actor, number, note, now=now),
                         lambda _s: self._after_follow_up(number), self._on_failed)

    def reprint_receipt(self) -> None:
        """A reprint from history is marked as a copy on the receipt itself."""
        if self.view is None or self.actor is None:
            return
        from tawasul_desktop.gui.receipt_dialog import ReceiptDialog  # reportlab: load on first use

        self.receipt_dialog = ReceiptDialog(self.store, self.actor, self.view.summary.number,
                                            copy=True, parent=self)
        self.receipt_dialog.open()

    def _after_follow_up(self, number: str) -> None:
        self.note.clear()
        self.open_number(number)

    # --- session and language --------------------------------------------------------------

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor
        if actor is None:
            self.view = None
            self.input.clear()
            self.matches.clear()
        else:
            self.model.refresh()
        self._show_view()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._show_message()
            self._show_view()
            self.model.language_changed()
        super().changeEvent(event)
