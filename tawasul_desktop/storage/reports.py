"""Supervisor reports over the store: dashboard figures and exports of the queue (no Qt).

Exports stream the queue's current filter and sort a batch at a time (keyset, as the queue
reads), so a million rows cost a batch of memory: CSV as UTF-8 with a byte-order mark (Excel
then reads Arabic correctly), Excel through openpyxl's write-only mode. Headings and values
are Arabic (resources/texts/messages.toml ``export.*``); identity numbers stay masked.

The dashboard's figures are counted in SQL (GROUP BY over indexed columns) and are what the
daily summary PDF prints. SLA compliance: of the requests whose due date fell in a period,
the share decided (accepted or rejected, later closed or not) by the end of that due date;
one still undecided after its due date counts as missed, one returned to the applicant is
left out (its clock is paused and its due date will move).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, select, true

from tawasul_desktop.domain.catalogue import Catalogue
from tawasul_desktop.domain.lifecycle import OPEN_STATES, Status, status_name
from tawasul_desktop.domain.messages import message
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage.models import FollowUp, Request
from tawasul_desktop.storage.queue import (
    RUNNING_STATES,
    Deadline,
    PagePlan,
    QueueFilter,
    QueueQuery,
    QueueRow,
    QueueSort,
    SortKey,
    require_supervisor,
)
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

EXPORT_COLUMNS = ("number", "service", "applicant", "identity", "counter", "submitted", "due",
                  "time_left", "status", "assignee", "follow_ups")
DECIDED = (Status.ACCEPTED.value, Status.REJECTED.value, Status.CLOSED.value)
SLA_WEEKS = 12
LIST_ROWS = 20


# --- exports ------------------------------------------------------------------------------


def export_headers(language: str = "ar") -> list[str]:
    return [message(f"export.{c}")[1 if language == "en" else 0] for c in EXPORT_COLUMNS]


def export_values(query: QueueQuery, row: QueueRow, catalogue: Catalogue,
                  language: str = "ar") -> list[Any]:
    """One exported line: texts in ``language``, the submission time local and naive (Excel
    has no time zones), the due date a date."""
    pick = 1 if language == "en" else 0
    zone = ZoneInfo(query.store.policy.calendar.timezone)
    service = catalogue.get(row.service)
    state, left = query.deadline(row)
    days = {"days": abs(left)} if state in (Deadline.ON_TRACK, Deadline.OVERDUE) else {}
    return [
        parse_number(row.number).display,
        service.name(language) if service else row.service,
        row.applicant_name,
        row.applicant_id_masked,
        row.counter,
        row.submitted_at.astimezone(zone).replace(tzinfo=None, microsecond=0),
        row.due_date,
        message(f"export.deadline.{state.value}", **days)[pick],
        status_name(row.status, language),
        row.assignee or "",
        row.follow_ups,
    ]


def _export_lines(query: QueueQuery, catalogue: Catalogue, language: str,
                  progress: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    for count, row in enumerate(query.stream(), start=1):
        yield export_values(query, row, catalogue, language)
        if progress is not None:
            progress(count)


def _atomic_target(path: Path) -> tuple[int, Path]:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    return fd, Path(tmp)


def give_export_permissions(path: Path) -> None:
    """Exports hold personal data: owner-only (0600), whatever the umask. Saved into a folder
    shared with a group (setgid or group-writable, as team folders are set up), the file also
    gets the folder's group read/write bits so the team can open it; never others'.
    (One place for the export mode.)"""
    if os.name != "posix":
        return
    folder = path.parent.stat().st_mode
    shared = bool(folder & stat.S_ISGID) or (bool(folder & stat.S_IWGRP)
                                             and not folder & stat.S_IWOTH)
    os.chmod(path, 0o600 | (folder & 0o060 if shared else 0))


def export_csv(query: QueueQuery, path: Path, catalogue: Catalogue,
               language: str = "ar", progress: Callable[[int], None] | None = None) -> int:
    """Write the query's rows to ``path`` (replaced whole, never left half-written)."""
    require_supervisor(query.actor)
    fd, tmp = _atomic_target(path)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(export_headers(language))
            for line in _export_lines(query, catalogue, language, progress):
                writer.writerow([v.isoformat(sep=" ") if isinstance(v, dt.datetime)
                                 else v.isoformat() if isinstance(v, dt.date) else v
                                 for v in line])
                count += 1
        give_export_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def export_xlsx(query: QueueQuery, path: Path, catalogue: Catalogue,
                language: str = "ar", progress: Callable[[int], None] | None = None) -> int:
    """An Excel workbook of the query's rows, right to left, streamed (write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    require_supervisor(query.actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Tawasul")
    # Write-only: what goes before the rows in the file (views, sheet properties) must be
    # set before the first row is appended, or it is silently lost.
    sheet.sheet_view.rightToLeft = language != "en"
    sheet.freeze_panes = "A2"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.print_title_rows = "1:1"  # the header row on every printed page
    widths = (20, 28, 30, 16, 8, 18, 12, 24, 20, 14, 10)
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    bold = Font(bold=True)
    header = []
    for text in export_headers(language):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for line in _export_lines(query, catalogue, language, progress):
        sheet.append(line)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        book.save(tmp)
        give_export_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


# --- dashboard ----------------------------------------------------------------------------


@dataclass
class Sla:
    met: int = 0
    missed: int = 0
    pending: int = 0  # due today and undecided: may still be met

    @property
    def judged(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        return self.met / self.judged if self.judged else None

    def add(self, other: Sla) -> None:
        self.met += other.met
        self.missed += other.missed
        self.pending += other.pending


@dataclass
class Workload:
    assignee: str | None
    running: int
    returned: int


@dataclass
class DashboardFigures:
    now: dt.datetime
    today: dt.date
    counts: dict[tuple[str, str], int]  # (status, service) → requests
    intake_today: dict[str, int]  # service → requests submitted today
    sla_by_service: dict[str, Sla]
    sla_by_week: list[tuple[dt.date, Sla]]  # Sunday the week starts, oldest first
    overdue: list[QueueRow]
    overdue_total: int
    due_soon: list[QueueRow]
    due_soon_total: int
    workload: list[Workload]
    followed_up: int  # requests of the period with at least one follow-up
    period_requests: int  # requests submitted in the period
    period_start: dt.date
    deadlines: dict[str, tuple[Deadline, int]] = field(default_factory=dict)

    def by_status(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (status, _service), n in self.counts.items():
            out[status] = out.get(status, 0) + n
        return out

    def by_service(self, statuses: tuple[str, ...] | None = None) -> dict[str, int]:
        out: dict[str, int] = {}
        for (status, service), n in self.counts.items():
            if statuses is None or status in statuses:
                out[service] = out.get(service, 0) + n
        return out

    @property
    def follow_up_rate(self) -> float | None:
        return self.followed_up / self.period_requests if self.period_requests else None

    def sla_total(self) -> Sla:
        total = Sla()
        for sla in self.sla_by_service.values():
            total.add(sla)
        return total


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.isoweekday() % 7))  # the week starts on Sunday


def dashboard_figures(store: Store, actor: Actor | None, now: dt.datetime | None = None,
                      weeks: int = SLA_WEEKS, centre: str | None = None) -> DashboardFigures:
    """Everything the dashboard and the daily summary show, read in a few grouped queries."""
    require_supervisor(actor)
    now = now or dt.datetime.now(dt.UTC)
    zone = ZoneInfo(store.policy.calendar.timezone)
    today = now.astimezone(zone).date()
    start = _week_start(today) - dt.timedelta(weeks=weeks - 1)
    # Scope as the queue's: the whole store, or one centre of the central database.
    scope = Request.centre == centre if centre is not None else true()

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

    with store.read() as session:
        counts = {(status, service): n for status, service, n in session.execute(
            select(Request.status, Request.service, func.count())
            .where(scope).group_by(Request.status, Request.service))}
        intake = {service: n for service, n in session.execute(
            select(Request.service, func.count())
            .where(scope, Request.submitted_at >= midnight(today),
                   Request.submitted_at < midnight(today + dt.timedelta(days=1)))
            .group_by(Request.service))}

        # The end of each due date, as a moment: decided before it = decided in time.
        days = [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]
        cutoff = case(*[(Request.due_date == d,
                         literal(midnight(d + dt.timedelta(days=1)), Request.decided_at.type))
                        for d in days])
        decided = Request.status.in_(DECIDED)
        in_time = and_(decided, Request.decided_at < cutoff)
        late = and_(decided, Request.decided_at >= cutoff)
        running = Request.status.in_(RUNNING_STATES)
        sla_rows = session.execute(
            select(Request.service, Request.due_date,
                   func.sum(case((in_time, 1), else_=0)),
                   func.sum(case((late, 1), (and_(running, Request.due_date < today), 1),
                                 else_=0)),
                   func.sum(case((and_(running, Request.due_date == today), 1), else_=0)))
            .where(scope, Request.due_date >= start, Request.due_date <= today)
            .group_by(Request.service, Request.due_date)).all()

        workload_rows = session.execute(
            select(Request.assignee, Request.status, func.count())
            .where(scope, Request.status.in_([s.value for s in OPEN_STATES]))
            .group_by(Request.assignee, Request.status)).all()

        period = and_(scope, Request.submitted_at >= midnight(start))
        period_requests = session.execute(
            select(func.count()).select_from(Request).where(period)).scalar_one()
        followed_up = session.execute(
            select(func.count(func.distinct(FollowUp.request_id)))
            .join(Request, Request.id == FollowUp.request_id).where(period)).scalar_one()

    sla_by_service: dict[str, Sla] = {}
    weekly: dict[dt.date, Sla] = {_week_start(d): Sla() for d in days}
    for service, due, met, missed, pending in sla_rows:
        figure = Sla(int(met or 0), int(missed or 0), int(pending or 0))
        sla_by_service.setdefault(service, Sla()).add(figure)
        weekly[_week_start(due)].add(figure)

    workload: dict[str | None, Workload] = {}
    for assignee, status, n in workload_rows:
        entry = workload.setdefault(assignee, Workload(assignee, 0, 0))
        if status == Status.RETURNED:
            entry.returned += n
        else:
            entry.running += n

    overdue = QueueQuery(store, actor, QueueFilter(overdue=True), QueueSort(SortKey.DUE),
                         now=now, centre=centre)
    soon = QueueQuery(store, actor, QueueFilter(due_within=2), QueueSort(SortKey.DUE), now=now,
                      centre=centre)
    overdue_rows = overdue.page(PagePlan(limit=LIST_ROWS))
    soon_rows = soon.page(PagePlan(limit=LIST_ROWS))
    deadlines = {r.number: overdue.deadline(r) for r in overdue_rows + soon_rows}
    return DashboardFigures(
        now=now, today=today, counts=counts, intake_today=intake,
        sla_by_service=sla_by_service, sla_by_week=sorted(weekly.items()),
        overdue=overdue_rows, overdue_total=overdue.count(),
        due_soon=soon_rows, due_soon_total=soon.count(),
        workload=sorted(workload.values(), key=lambda w: (w.assignee is None, w.assignee or "")),
        followed_up=followed_up, period_requests=period_requests, period_start=start,
        deadlines=deadlines,
    )
