"""RequestQueueModel: the supervisor queue as a Qt table model over the database.

The model knows how many rows the filter matches (counted in a worker) and holds only the
pages the view has asked for (storage.queue.QueueWindow, a few thousand rows at most). A row
the view paints before its page is read shows a placeholder; the page is read in a worker
and the rows repaint when it arrives. The newest wanted page is read first, so dragging the
scroll bar to the end reads the end, not every page on the way. Sorting and filtering make a
new query: nothing is sorted or filtered in Python.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from tawasul_desktop.domain.bidi import isolate, ltr
from tawasul_desktop.domain.lifecycle import status_name
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.gui import workers
from tawasul_desktop.storage.queue import (
    PAGE_SIZE,
    Deadline,
    PagePlan,
    QueueFilter,
    QueueQuery,
    QueueRow,
    QueueSort,
    QueueWindow,
    SortKey,
)
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.supervision import backend_of
from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)

COLUMNS: tuple[SortKey, ...] = (
    SortKey.NUMBER, SortKey.SERVICE, SortKey.APPLICANT, SortKey.COUNTER, SortKey.SUBMITTED,
    SortKey.DUE, SortKey.TIME_LEFT, SortKey.STATUS, SortKey.ASSIGNEE, SortKey.FOLLOW_UPS,
)
PLACEHOLDER = "…"
_WANTED_KEPT = 6  # pages asked for but not yet read; older wishes (scrolled past) are dropped
DEADLINE_COLOURS = {  # background, text
    Deadline.ON_TRACK: ("#e3f3ec", "#0b4d3e"),
    Deadline.DUE_TODAY: ("#fff1cc", "#6b4a00"),
    Deadline.OVERDUE: ("#fbe2df", "#8c1d15"),
    Deadline.PAUSED: ("#e8eef7", "#2c4a73"),
}
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class RequestQueueModel(QAbstractTableModel):
    """Rows of a QueueQuery by position; emits ``loaded`` when a new query shows its first
    rows and ``counted`` when its total is known."""

    loaded = Signal()
    counted = Signal(int)
    failed = Signal(object)

    def __init__(self, store: Store, language: Callable[[], str],
                 clock: Callable[[], dt.datetime] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._queue = backend_of(store)
        self._language = language
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.actor: Actor | None = None
        self.filter = QueueFilter()
        self.sort_order = QueueSort()
        self.query: QueueQuery | None = None
        self.window: QueueWindow | None = None
        self._shown = 0
        self._total: int | None = None
        self._first_seen = False
        self._generation = 0
        self._wanted: list[int] = []
        self._reading: int | None = None
        self.names: dict[str, str] = {}  # user name → display name, for the assignee column

    # --- queries ---------------------------------------------------------------------------

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor
        self._generation += 1
        self.beginResetModel()
        self.query, self.window, self._shown, self._total = None, None, 0, None
        self.endResetModel()

    def reload(self, flt: QueueFilter | None = None, sort: QueueSort | None = None) -> None:
        """Run a new query from the first row (a filter or sort changed)."""
        self.filter = flt if flt is not None else self.filter
        self.sort_order = sort if sort is not None else self.sort_order
        self._generation += 1
        generation = self._generation
        query = self._queue.query(self.actor, self.filter, self.sort_order, now=self._clock())
        self.beginResetModel()
        self.query, self.window = query, QueueWindow(query, 0)
        self._shown, self._total, self._first_seen = 0, None, False
        self._wanted, self._reading = [], None
        self.endResetModel()
        # The count waits for the first page: both may read the whole table (a name
        # search), and the first rows matter more; a short first page is the count itself.
        workers.run_task(lambda: query.page(PagePlan(limit=PAGE_SIZE)),
                         lambda rows: self._on_first(generation, rows), self._on_failed)

    def refresh(self) -> None:
        """Read the same filter and sort again (after a decision), keeping the scroll place."""
        if self.query is None:
            return
        if not self._first_seen:
            self.reload()  # the first page is still on its way: start over
            return
        self._generation += 1
        generation = self._generation
        query = self._queue.query(self.actor, self.filter, self.sort_order, now=self._clock())
        kept = self.window.kept_pages() if self.window is not None else []
        self.query = query
        self.window = QueueWindow(query, self._shown)
        self._wanted, self._reading, self._total = [], None, None
        self._count(generation, query)
        for page in kept[-3:]:  # the pages looked at last are read again first
            self._want(page)
        if self._shown:
            self.dataChanged.emit(self.index(0, 0), self.index(self._shown - 1, len(COLUMNS) - 1))

    def _count(self, generation: int, query: QueueQuery) -> None:
        workers.run_task(query.count, lambda total: self._on_count(generation, total),
                         self._on_failed)

    def _on_first(self, generation: int, rows: list[QueueRow]) -> None:
        if generation != self._generation or self.window is None:
            return
        self._first_seen = True
        self.window.put(0, rows)
        self._resize(len(rows))
        if len(rows) < PAGE_SIZE:
            self._total = len(rows)  # everything there is
            self.counted.emit(self._total)
        else:
            assert self.query is not None
            self._count(generation, self.query)
        self.loaded.emit()

    def _on_count(self, generation: int, total: int) -> None:
        if generation != self._generation or self.window is None:
            return
        self._total = total
        if self._first_seen:
            self._resize(total)
        self.counted.emit(total)

    def _resize(self, total: int) -> None:
        assert self.window is not None
        self.window.total = total
        if total > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, total - 1)
            self._shown = total
            self.endInsertRows()
        elif total < self._shown:
            self.beginRemoveRows(QModelIndex(), total, self._shown - 1)
            self._shown = total
            self.endRemoveRows()

    def _on_failed(self, exc: BaseException) -> None:
        log.error("queue read failed: %s", exc)
        self._reading = None
        self.failed.emit(exc)

    # --- pages -----------------------------------------------------------------------------

    def _want(self, page: int) -> None:
        if page == self._reading or page in self._wanted:
            return
        self._wanted.append(page)
        del self._wanted[:-_WANTED_KEPT]
        self._read_next()

    def _read_next(self) -> None:
        if self._reading is not None or not self._wanted or self.window is None:
            return
        page = self._wanted.pop()
        if self.window.has_page(page):
            self._read_next()
            return
        query, plan, generation = self.window.query, self.window.plan(page), self._generation
        self._reading = page
        workers.run_task(lambda: query.page(plan),
                         lambda rows: self._on_page(generation, page, rows), self._on_failed)

    def _on_page(self, generation: int, page: int, rows: list[QueueRow]) -> None:
        if generation != self._generation or self.window is None:
            return
        self._reading = None
        self.window.put(page, rows)
        first = page * self.window.page_size
        last = min(first + self.window.page_size, self._shown) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self._read_next()

    def idle(self) -> bool:
        """Nothing asked for is still being read (tests wait for this)."""
        return (self._reading is None and not self._wanted and self._first_seen
                and self._total is not None)

    @property
    def total(self) -> int | None:
        return self._total

    @property
    def rows_loaded(self) -> int:
        return self.window.rows_loaded if self.window is not None else 0

    def row_at(self, row: int) -> QueueRow | None:
        if self.window is None or not 0 <= row < self._shown:
            return None
        return self.window.row(row)

    def row_for(self, row: int) -> QueueRow | None:
        """The row, asking for its page if it is not kept (the answer comes later)."""
        found = self.row_at(row)
        if found is None and self.window is not None and 0 <= row < self._shown:
            self._want(self.window.page_of(row))
        return found

    # --- Qt model --------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or self.actor is None:
            return
        wanted = QueueSort(COLUMNS[column], order == Qt.SortOrder.DescendingOrder)
        if wanted != self.sort_order or self.query is None:
            self.reload(sort=wanted)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_for(index.row())
        if row is None:
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole else None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (SortKey.APPLICANT, SortKey.SERVICE,
                                                               SortKey.ASSIGNEE):
            return self._text(row, column)  # whole, where the cell shows it elided
        if role == ROW_ROLE:
            return row
        if column == SortKey.TIME_LEFT and role in (Qt.ItemDataRole.BackgroundRole,
                                                   Qt.ItemDataRole.ForegroundRole):
            assert self.query is not None
            colours = DEADLINE_COLOURS.get(self.query.deadline(row)[0])
            if colours is None:
                return None
            background, text = colours
            return QBrush(QColor(background if role == Qt.ItemDataRole.BackgroundRole else text))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (SortKey.COUNTER,
                                                                    SortKey.FOLLOW_UPS):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _text(self, row: QueueRow, column: SortKey) -> str:
        language = self._language()
        zone = self._store.policy.calendar.timezone
        if column == SortKey.NUMBER:
            return parse_number(row.number).display
        if column == SortKey.SERVICE:
            service = self._store.catalogue.get(row.service)
            return service.name(language) if service else row.service
        if column == SortKey.APPLICANT:
            # The identity number masked, and isolated so it keeps its place beside Arabic.
            return f"{isolate(row.applicant_name)} {ltr(row.applicant_id_masked)}"
        if column == SortKey.COUNTER:
            return str(row.counter)
        if column == SortKey.SUBMITTED:
            return row.submitted_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
        if column == SortKey.DUE:
            return row.due_date.isoformat()
        if column == SortKey.TIME_LEFT:
            return self.deadline_text(row)
        if column == SortKey.STATUS:
            return status_name(row.status, language)
        if column == SortKey.ASSIGNEE:
            return self.names.get(row.assignee, row.assignee) if row.assignee else "—"
        return str(row.follow_ups)

    def deadline_text(self, row: QueueRow) -> str:
        assert self.query is not None
        state, left = self.query.deadline(row)
        if state == Deadline.ON_TRACK:
            return self.tr("%n working day(s) left", "", left)
        if state == Deadline.DUE_TODAY:
            return self.tr("Due today")
        if state == Deadline.OVERDUE:
            return self.tr("Overdue by %n working day(s)", "", -left)
        if state == Deadline.PAUSED:
            return self.tr("Paused (returned)")
        return "—"

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return self.column_title(COLUMNS[section])

    def column_title(self, column: SortKey) -> str:
        return {
            SortKey.NUMBER: self.tr("Number"), SortKey.SERVICE: self.tr("Service"),
            SortKey.APPLICANT: self.tr("Applicant"), SortKey.COUNTER: self.tr("Counter"),
            SortKey.SUBMITTED: self.tr("Submitted"), SortKey.DUE: self.tr("Due"),
            SortKey.TIME_LEFT: self.tr("Time left"), SortKey.STATUS: self.tr("Status"),
            SortKey.ASSIGNEE: self.tr("Assignee"), SortKey.FOLLOW_UPS: self.tr("Follow-ups"),
        }[column]

    def language_changed(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._shown:
            self.dataChanged.emit(self.index(0, 0), self.index(self._shown - 1, len(COLUMNS) - 1))
