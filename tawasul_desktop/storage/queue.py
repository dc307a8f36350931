"""The supervisor queue: requests in scope, filtered, sorted and searched in SQL, page by page.

Pages are found by key (keyset paging on (sort key, number), both in the same direction so a
row-value comparison can walk an index), never by reading the rows before them, except for a
jump into the middle, which skips rows from the nearest known page or either end.
``QueueWindow`` keeps a bounded number of pages, so a million-row queue costs a few thousand
rows of memory however far it is scrolled. Everything here is plain SQLAlchemy Core over the
store's models, so the same code reads the central PostgreSQL when handed its engine.

Only supervisors and administrators read the queue (``QueueQuery`` refuses anyone else).
The scope is the whole store (a counter's store holds its own centre's requests); a reader
of the central database passes ``centre`` to see one centre's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    String,
    TypeDecorator,
    and_,
    func,
    literal,
    literal_column,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from tawasul_desktop.domain.arabic_fold import fold
from tawasul_desktop.domain.assignment import is_supervisor
from tawasul_desktop.domain.identity import mask_identity
from tawasul_desktop.domain.lifecycle import CLOCK_RUNNING_STATES, OPEN_STATES, Status
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.domain.timing import working_days_left
from tawasul_desktop.domain.workdays import WorkingCalendar
from tawasul_desktop.storage.audit import HistoryLine, history_for
from tawasul_desktop.storage.models import Request
from tawasul_desktop.storage.requests import RequestFilter, filtered_query
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

PAGE_SIZE = 100
MAX_PAGES = 40  # pages a QueueWindow keeps (4,000 rows)
# The clock runs in these states; a returned request waits for the applicant (paused).
RUNNING_STATES = tuple(sorted(s.value for s in CLOCK_RUNNING_STATES))
UNASSIGNED = ""  # QueueFilter.assignee value for "nobody"
SORT_IN_MEMORY_ROWS = 200_000  # a date range this small is sorted rather than index-walked
KEY_FIRST_OFFSET = 1_000  # a jump skipping more rows finds its first key before reading rows


def require_supervisor(actor: Actor | None) -> Actor:
    """The queue, its exports and the dashboard are for supervisors and administrators only."""
    if actor is None or not is_supervisor(actor.role):
        raise TawasulError.of("request.not_permitted", "role", invalid_input=False)
    return actor


class SortKey(StrEnum):
    NUMBER = "number"
    SERVICE = "service"
    APPLICANT = "applicant"
    COUNTER = "counter"
    SUBMITTED = "submitted"
    DUE = "due"
    TIME_LEFT = "time_left"  # the due date's order
    STATUS = "status"
    ASSIGNEE = "assignee"
    FOLLOW_UPS = "follow_ups"


@dataclass(frozen=True)
class QueueSort:
    key: SortKey = SortKey.DUE
    descending: bool = False


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; every part is optional and they combine with AND."""

    statuses: tuple[str, ...] = ()
    service: str | None = None
    counter: int | None = None
    since: dt.date | None = None  # submitted on or after (local date)
    until: dt.date | None = None  # submitted on or before (local date)
    overdue: bool = False  # the clock ran past the due date (returned requests are paused)
    due_within: int | None = None  # running, due from today to this many working days ahead
    assignee: str | None = None  # a user name, or UNASSIGNED for nobody
    text: str = ""  # a request number, a full identity number, or words of a name

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or value in ((), False) or (value == "" and f.name != "assignee"):
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueFilter:
        """A filter saved earlier; unknown keys and wrong types are dropped, not trusted."""
        known = {s.value for s in Status}

        def day(value: Any) -> dt.date | None:
            try:
                return dt.date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                return None

        statuses = tuple(s for s in data.get("statuses", []) if s in known)
        counter, within = data.get("counter"), data.get("due_within")
        service, assignee, text = data.get("service"), data.get("assignee"), data.get("text")
        return cls(
            statuses=statuses,
            service=service if isinstance(service, str) else None,
            counter=counter if isinstance(counter, int) and not isinstance(counter, bool) else None,
            since=day(data.get("since")),
            until=day(data.get("until")),
            overdue=data.get("overdue") is True,
            due_within=within if isinstance(within, int) and 0 <= within <= 60 else None,
            assignee=assignee if isinstance(assignee, str) else None,
            text=text if isinstance(text, str) else "",
        )


PRESETS = ("my_queue", "due_soon", "overdue", "waiting", "returned")


def preset_filter(code: str, actor: Actor) -> QueueFilter:
    """The built-in filters every supervisor has (their labels are the GUI's)."""
    if code == "my_queue":
        return QueueFilter(statuses=tuple(sorted(s.value for s in OPEN_STATES)),
                           assignee=actor.username)
    if code == "due_soon":
        return QueueFilter(due_within=2)
    if code == "overdue":
        return QueueFilter(overdue=True)
    if code == "waiting":
        return QueueFilter(statuses=RUNNING_STATES)
    if code == "returned":
        return QueueFilter(statuses=(Status.RETURNED.value,))
    raise ValueError(f"unknown preset {code!r}")


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the queue: only what the table shows (the identity number masked)."""

    number: str  # digits
    service: str
    applicant_name: str
    applicant_id_masked: str
    counter: int
    submitted_at: dt.datetime  # aware UTC
    due_date: dt.date
    status: str
    assignee: str | None
    paused_since: dt.date | None
    follow_ups: int


class Deadline(StrEnum):
    ON_TRACK = "on_track"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    PAUSED = "paused"  # returned to the applicant: the clock stands still
    DONE = "done"  # decided, closed or withdrawn


def deadline_of(status: str, due_date: dt.date, today: dt.date,
                calendar: WorkingCalendar) -> tuple[Deadline, int]:
    """Where a request stands against its deadline, and the working days left (negative late)."""
    if status == Status.RETURNED:
        return Deadline.PAUSED, 0
    if status not in RUNNING_STATES:
        return Deadline.DONE, 0
    left = working_days_left(due_date, today, calendar)
    if left < 0:
        return Deadline.OVERDUE, left
    return (Deadline.DUE_TODAY if left == 0 else Deadline.ON_TRACK), left


_COLUMNS: tuple[Any, ...] = (
    Request.number, Request.service, Request.applicant_name, Request.applicant_id,
    Request.counter, Request.submitted_at, Request.due_date, Request.status, Request.assignee,
    Request.paused_since, Request.follow_up_count)
_SORT_EXPRESSIONS: dict[SortKey, Any] = {
    SortKey.NUMBER: None,
    SortKey.SERVICE: Request.service,
    SortKey.APPLICANT: Request.applicant_name,
    SortKey.COUNTER: Request.counter,
    SortKey.SUBMITTED: Request.submitted_at,
    SortKey.DUE: Request.due_date,
    SortKey.TIME_LEFT: Request.due_date,
    SortKey.STATUS: Request.status,
    # Nobody sorts as the empty name: one index (ix_queue_assignee) serves both directions.
    # (written as a literal, not a parameter, so SQLite matches it to the index's expression).
    SortKey.ASSIGNEE: func.coalesce(Request.assignee, literal_column("''")),
    SortKey.FOLLOW_UPS: Request.follow_up_count,  # kept by a trigger (migration 0005)
}

RowKey = tuple[Any, str]  # (sort value, number)


def _is_name_search(text: str) -> bool:
    compact = fold(text or "").replace("-", "").replace(" ", "")
    return bool(compact) and not compact.isdigit()


def _no_index(expr: Any, dialect: str = "sqlite") -> Any:
    """The same value in the same order, which no index may deliver in order: ``+expr`` to
    SQLite; on PostgreSQL a no-op by type (``|| ''``, ``+ 0``, ``+ interval '0'``)."""
    if dialect == "sqlite":
        return UnaryExpression(expr, operator=operators.custom_op("+"), type_=expr.type)
    kind = expr.type.impl_instance if isinstance(expr.type, TypeDecorator) else expr.type
    if isinstance(kind, String):
        return expr.op("||")(literal_column("''"))
    if isinstance(kind, DateTime):
        return expr.op("+")(literal_column("interval '0'"))
    return expr.op("+")(literal_column("0"))  # dates and integers


def _row(values: Sequence[Any]) -> QueueRow:
    (number, service, name, identity, counter, submitted, due, status, assignee, paused,
     follow_ups) = values
    return QueueRow(number, service, name, mask_identity(identity), counter, submitted, due,
                    status, assignee, paused, int(follow_ups or 0))


@dataclass(frozen=True)
class PagePlan:
    """How to read one page: after or before a known row, from the start or the end, skipping
    ``offset`` rows on the way."""

    after: RowKey | None = None
    before: RowKey | None = None
    from_end: bool = False
    offset: int = 0
    limit: int | None = PAGE_SIZE  # None: every row (streamed)


class QueueQuery:
    """One filter and sort over the store; answers counts and pages (each its own read)."""

    def __init__(self, store: Store, actor: Actor | None, flt: QueueFilter,
                 sort: QueueSort = QueueSort(), now: dt.datetime | None = None,  # noqa: B008
                 centre: str | None = None) -> None:
        self.actor = require_supervisor(actor)
        self.store, self.filter, self.sort, self.centre = store, flt, sort, centre
        self.now = now or dt.datetime.now(dt.UTC)
        self.today = self.now.astimezone(ZoneInfo(store.policy.calendar.timezone)).date()
        self._where = self._conditions()
        self._sort_matches: bool | None = None  # decided on the first read (see _plan_order)

    def _plan_order(self, session: Session) -> bool:
        """Guarded planner tuning: whether to sort the matching rows rather than walk the sort
        key's index. SQLite prefers the walk (no sort step) and its statistics cannot say how
        far along the index the matches lie, nor know assignees set since the last ANALYZE;
        when the matches are few or far along (a name search, one supervisor's queue, a date
        range), the walk reads most of the table in index order: 1.6-3.3 s at a million
        rows, against 2-230 ms finding the matches and sorting them. PostgreSQL (central)
        makes the same mistake for a name search finding few rows and a date range (1.8 s
        at a million rows, bench_queue.py), so the same guard applies there."""
        if self._sort_matches is not None:
            return self._sort_matches
        f, decided = self.filter, False
        if self.store.engine.dialect.name in ("sqlite", "postgresql"):
            if _is_name_search(f.text) or f.assignee not in (None, UNASSIGNED):
                decided = True
            elif (f.since or f.until) and self.sort.key != SortKey.SUBMITTED:
                span = []
                if f.since:
                    span.append(Request.submitted_at >= self._midnight(f.since))
                if f.until:
                    span.append(Request.submitted_at
                                < self._midnight(f.until + dt.timedelta(days=1)))
                # Counted from the submission index alone: a few milliseconds.
                within = session.execute(select(func.count()).select_from(Request)
                                         .where(*span)).scalar_one()
                decided = within <= SORT_IN_MEMORY_ROWS
        self._sort_matches = decided
        return decided

    def _midnight(self, day: dt.date) -> dt.datetime:
        zone = ZoneInfo(self.store.policy.calendar.timezone)
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

    # --- SQL -------------------------------------------------------------------------------

    def _conditions(self) -> ColumnElement[bool]:
        f = self.filter
        base = filtered_query(self.store, RequestFilter(
            service=f.service, since=f.since, until=f.until, text=f.text or None,
            counter=f.counter), self.today)
        parts: list[ColumnElement[bool]] = []
        if self.centre is not None:
            parts.append(Request.centre == self.centre)
        if base.whereclause is not None:
            parts.append(base.whereclause)
        if f.statuses:
            parts.append(Request.status.in_(f.statuses))
        if f.overdue:
            parts += [Request.status.in_(RUNNING_STATES), Request.due_date < self.today]
        if f.due_within is not None:
            last = self.store.calendar().add_working_days(self.today, f.due_within)
            parts += [Request.status.in_(RUNNING_STATES), Request.due_date >= self.today,
                      Request.due_date <= last]
        if f.assignee == UNASSIGNED:
            parts.append(Request.assignee.is_(None))
        elif f.assignee is not None:
            parts.append(Request.assignee == f.assignee)
        return and_(true(), *parts)

    def key_of(self, row: QueueRow) -> RowKey:
        key = self.sort.key
        value: Any = {
            SortKey.NUMBER: None, SortKey.SERVICE: row.service,
            SortKey.APPLICANT: row.applicant_name, SortKey.COUNTER: row.counter,
            SortKey.SUBMITTED: row.submitted_at, SortKey.DUE: row.due_date,
            SortKey.TIME_LEFT: row.due_date, SortKey.STATUS: row.status,
            SortKey.ASSIGNEE: row.assignee or "", SortKey.FOLLOW_UPS: row.follow_ups,
        }[key]
        return value, row.number

    def _select(self, plan: PagePlan, sort_matches: bool = False) -> tuple[Select[Any], bool]:
        reverse = plan.before is not None or plan.from_end
        descending = self.sort.descending != reverse
        expr = _SORT_EXPRESSIONS[self.sort.key]
        query = select(*_COLUMNS).where(self._where)
        key = plan.after if plan.after is not None else plan.before
        if key is not None:
            query = query.where(self._beyond(expr, key, descending))
        keys = (expr, Request.number) if expr is not None else (Request.number,)
        if sort_matches:
            keys = tuple(_no_index(k, self.store.engine.dialect.name) for k in keys)
        order = [c.desc() if descending else c.asc() for c in keys]
        query = query.order_by(*order)
        if plan.limit is not None:
            query = query.limit(plan.limit)
        if plan.offset:
            query = query.offset(plan.offset)
        return query, reverse

    def _beyond(self, expr: Any, key: RowKey, descending: bool) -> ColumnElement[bool]:
        value, number = key
        if expr is None:
            return Request.number < number if descending else Request.number > number
        if self.sort.key == SortKey.SUBMITTED:
            # Bound through the column's type (aware UTC → naive UTC), as every other compare.
            mine = tuple_(expr, Request.number)
            theirs = tuple_(literal(value, Request.submitted_at.type), literal(number))
        else:
            mine, theirs = tuple_(expr, Request.number), tuple_(literal(value), literal(number))
        return mine < theirs if descending else mine > theirs

    # --- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        with self.store.read() as session:
            return session.execute(
                select(func.count()).select_from(Request).where(self._where)).scalar_one()

    def page(self, plan: PagePlan = PagePlan(), session: Session | None = None) -> list[QueueRow]:  # noqa: B008
        if session is None:
            with self.store.read() as own:
                return self.page(plan, own)
        sort_matches = self._plan_order(session)
        if plan.offset >= KEY_FIRST_OFFSET and plan.limit is not None:
            plan = self._skip_by_key(session, plan, sort_matches)
        query, reverse = self._select(plan, sort_matches)
        rows = [_row(r) for r in session.execute(query)]
        if reverse:
            rows.reverse()
        return rows

    def _skip_by_key(self, session: Session, plan: PagePlan, sort_matches: bool) -> PagePlan:
        """A jump into the middle: skip the rows reading only their keys (sort value and
        number, which the sort's index holds: an index-only walk), then read the page's
        rows after the last skipped key. Skipping whole rows fetched every skipped row from
        the table: 2 s to the middle of a million on PostgreSQL."""
        query, reverse = self._select(dataclasses.replace(plan, offset=plan.offset - 1, limit=1),
                                      sort_matches)
        expr = _SORT_EXPRESSIONS[self.sort.key]
        keys = (expr, Request.number) if expr is not None else (Request.number,)
        found = session.execute(query.with_only_columns(*keys)).first()
        if found is None:
            return dataclasses.replace(plan, offset=0, limit=0)
        key = (found[0], found[-1]) if expr is not None else (None, found[0])
        if reverse:
            return PagePlan(before=key, limit=plan.limit)
        return PagePlan(after=key, limit=plan.limit)

    def rows(self, batch: int = 1000) -> Iterator[QueueRow]:
        """Every row in order, read ``batch`` at a time by key (for exports: flat memory)."""
        after: RowKey | None = None
        while True:
            chunk = self.page(PagePlan(after=after, limit=batch))
            yield from chunk
            if len(chunk) < batch:
                return
            after = self.key_of(chunk[-1])

    def stream(self, batch: int = 1000) -> Iterator[QueueRow]:
        """Every row in order from one statement, fetched ``batch`` at a time (exports): one
        consistent snapshot, memory for one batch."""
        with self.store.read() as session:
            query = self._select(PagePlan(limit=None), self._plan_order(session))[0]
            result = session.execute(query.execution_options(yield_per=batch))
            for part in result.partitions():
                yield from (_row(r) for r in part)

    def deadline(self, row: QueueRow) -> tuple[Deadline, int]:
        return deadline_of(row.status, row.due_date, self.today, self.store.calendar())


class QueueWindow:
    """The rows of one QueueQuery by position, kept a page at a time (at most ``max_pages``).

    ``plan`` (cheap, on the caller's thread) says how to read a missing page from what is
    kept; ``query.page(plan)`` reads it (a worker's job); ``put`` keeps the result.
    """

    def __init__(self, query: QueueQuery, total: int, page_size: int = PAGE_SIZE,
                 max_pages: int = MAX_PAGES) -> None:
        self.query, self.total = query, total
        self.page_size, self.max_pages = page_size, max_pages
        self._pages: OrderedDict[int, list[QueueRow]] = OrderedDict()
        self.rows_loaded = 0  # every row ever read, for the benchmark's "without loading all"

    @property
    def page_count(self) -> int:
        return -(-self.total // self.page_size)

    def page_of(self, row: int) -> int:
        return row // self.page_size

    def row(self, index: int) -> QueueRow | None:
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        self._pages.move_to_end(index // self.page_size)
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def has_page(self, page: int) -> bool:
        return page in self._pages

    def kept_pages(self) -> list[int]:
        """The pages kept, the one used longest ago first."""
        return list(self._pages)

    def kept_rows(self) -> int:
        return sum(len(p) for p in self._pages.values())

    def _length(self, page: int) -> int:
        return max(0, min(self.page_size, self.total - page * self.page_size))

    def plan(self, page: int) -> PagePlan:
        size, length = self.page_size, self._length(page)
        if page == 0 or (page - 1) in self._pages and len(self._pages[page - 1]) == size:
            if page == 0:
                return PagePlan(limit=length)
            return PagePlan(after=self.query.key_of(self._pages[page - 1][-1]), limit=length)
        if (page + 1) in self._pages and self._pages[page + 1]:
            return PagePlan(before=self.query.key_of(self._pages[page + 1][0]), limit=length)
        # A jump: skip the fewest rows, from either end or from the nearest kept page.
        start = page * size
        options = [(start, PagePlan(offset=start, limit=length)),
                   (self.total - start - length,
                    PagePlan(from_end=True, offset=self.total - start - length, limit=length))]
        for kept, rows in self._pages.items():
            if not rows or len(rows) < size and kept != self.page_count - 1:
                continue
            if kept < page:
                skip = start - (kept * size + len(rows))
                options.append((skip, PagePlan(after=self.query.key_of(rows[-1]), offset=skip,
                                               limit=length)))
            else:
                skip = kept * size - (start + length)
                options.append((skip, PagePlan(before=self.query.key_of(rows[0]), offset=skip,
                                               limit=length)))
        return min(options, key=lambda o: o[0])[1]

    def put(self, page: int, rows: list[QueueRow]) -> None:
        self._pages[page] = rows
        self._pages.move_to_end(page)
        self.rows_loaded += len(rows)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def load(self, page: int) -> list[QueueRow]:
        """Read and keep one page here and now (tests, the benchmark and exports)."""
        rows = self.query.page(self.plan(page))
        self.put(page, rows)
        return rows


# --- saved filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedFilter:
    name: str
    filter: QueueFilter


# --- one request in detail ----------------------------------------------------------------


# A request's history is the audit log's (one reader, storage.audit.history_for).
TimelineEntry = HistoryLine


def request_timeline(session: Session, request_id: str) -> list[TimelineEntry]:
    """The request's audit entries, oldest first, with the status, reason or assignee each set."""
    return history_for(session, "request", request_id)


__all__ = [
    "PAGE_SIZE", "PRESETS", "UNASSIGNED", "Deadline", "NamedFilter", "PagePlan", "QueueFilter",
    "QueueQuery", "QueueRow", "QueueSort", "QueueWindow", "SortKey", "TimelineEntry",
    "deadline_of", "preset_filter", "request_timeline", "require_supervisor",
]
