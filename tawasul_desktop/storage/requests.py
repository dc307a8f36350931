"""Request operations over the store: submit, look up, list, move through the lifecycle.

The CLI and the GUI call these; neither holds rules of its own. Each function is one unit
of work. Times are passed in (``now``) so that tests and imports control the clock.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from tawasul_desktop.domain.arabic_fold import fold
from tawasul_desktop.domain.clock import describe_skew, skew_too_large
from tawasul_desktop.domain.intake_types import Person, ValidRequest
from tawasul_desktop.domain.lifecycle import (
    CLOCK_RUNNING_STATES,
    OPEN_STATES,
    Action,
    Status,
    status_name,
    takes_follow_ups,
)
from tawasul_desktop.domain.lifecycle_effects import LifecycleState, apply_action
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.domain.numbers import (
    MAX_SEQUENCE,
    NUMBER_DIGITS,
    CheckDigitError,
    NumberFormatError,
    make_number,
    parse_number,
)
from tawasul_desktop.domain.timing import (
    due_date_for,
    due_dates,
    follow_up_allowed,
    follow_up_from,
)
from tawasul_desktop.domain.workdays import WorkingCalendar
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.high_water import HighWater
from tawasul_desktop.storage.models import (
    Attachment,
    Closure,
    FollowUp,
    NumberSequence,
    Request,
    SyncState,
)
from tawasul_desktop.storage.outbox import enqueue_event, enqueue_follow_up, enqueue_new_requests
from tawasul_desktop.storage.raw_sql import insert_rows
from tawasul_desktop.storage.search import NameSearch
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor


def display_number(digits: str) -> str:
    return parse_number(digits).display


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _local_zone(store: Store) -> ZoneInfo:
    return ZoneInfo(store.policy.calendar.timezone)


def _local_today(store: Store, now: dt.datetime) -> dt.date:
    return now.astimezone(_local_zone(store)).date()


@dataclass(frozen=True)
class RequestSummary:
    """What the CLI prints and the receipt shows of a request."""

    id: uuid.UUID
    number: str  # display form
    status: str
    service: str
    applicant_name: str
    applicant_id: str
    beneficiary_name: str
    beneficiary_id: str
    submitted_at: dt.datetime  # local (policy timezone) aware
    due_date: dt.date
    follow_up_from: dt.datetime
    overdue: bool
    decision_reason: str | None
    duplicate_of: str | None
    counter: int
    created_by: str

    def as_json(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "number": self.number,
            "status": self.status,
            "service": self.service,
            "applicant_name": self.applicant_name,
            "beneficiary_name": self.beneficiary_name,
            "submitted_at": self.submitted_at.isoformat(timespec="seconds"),
            "due_date": self.due_date.isoformat(),
            "follow_up_from": self.follow_up_from.isoformat(timespec="seconds"),
            "overdue": self.overdue,
            "decision_reason": self.decision_reason,
            "duplicate_of": self.duplicate_of,
            "counter": self.counter,
        }


def summarise(store: Store, req: Request, now: dt.datetime | None = None,
              duplicate_number: str | None = None) -> RequestSummary:
    now = now or _now()
    zone = _local_zone(store)
    return RequestSummary(
        id=req.id,
        number=display_number(req.number),
        status=req.status,
        service=req.service,
        applicant_name=req.applicant_name,
        applicant_id=req.applicant_id,
        beneficiary_name=req.beneficiary_name,
        beneficiary_id=req.beneficiary_id,
        submitted_at=req.submitted_at.astimezone(zone),
        due_date=req.due_date,
        follow_up_from=follow_up_from(req.submitted_at, store.policy.timing,
                                      store.calendar()).astimezone(zone),
        overdue=req.status in CLOCK_RUNNING_STATES and _local_today(store, now) > req.due_date,
        decision_reason=req.decision_reason,
        duplicate_of=duplicate_number,
        counter=req.counter,
        created_by=req.created_by,
    )


# --- submit -------------------------------------------------------------------------------


def reserve_numbers(
    session: Session, centre: str, counter: int, year: int, count: int = 1
) -> list[str]:
    """Take the next ``count`` request numbers of a counter's year (under the write lock)."""
    seq = session.get(NumberSequence, (centre, counter, year), with_for_update=True)
    if seq is None:
        seq = NumberSequence(centre=centre, counter=counter, year=year, last=0)
        session.add(seq)
    # Above the mark kept outside the database too: a restored older backup's sequence
    # would otherwise hand out numbers already printed (storage/high_water.py).
    high_water: HighWater | None = session.info.get("high_water")
    if high_water is not None:
        seq.last = max(seq.last, high_water.mark(centre, counter, year))
    if seq.last + count > MAX_SEQUENCE:
        raise TawasulError.of("request.sequence_exhausted", "number", invalid_input=False)
    first = seq.last + 1
    seq.last += count
    session.flush()
    if high_water is not None:
        high_water.raise_to(centre, counter, year, seq.last)
    return [make_number(centre, counter, year, s).digits for s in range(first, first + count)]


def _next_number(session: Session, centre: str, counter: int, year: int) -> str:
    return reserve_numbers(session, centre, counter, year)[0]


def open_duplicates(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Request]:
    """The earliest open request per (beneficiary id, service) among ``keys``."""
    found: dict[tuple[str, str], Request] = {}
    ids = sorted({k[0] for k in keys})
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Request)
            .where(Request.beneficiary_id.in_(ids[start:start + 500]),
                   Request.status.in_([s.value for s in OPEN_STATES]))
            .order_by(Request.submitted_at)
        ).scalars()
        for req in rows:
            key = (req.beneficiary_id, req.service)
            if key in keys:
                found.setdefault(key, req)
    return found


def find_open_duplicate(session: Session, beneficiary_id: str, service: str) -> Request | None:
    return session.execute(
        select(Request)
        .where(Request.beneficiary_id == beneficiary_id, Request.service == service,
               Request.status.in_([s.value for s in OPEN_STATES]))
        .order_by(Request.submitted_at)
        .limit(1)
    ).scalar_one_or_none()


def _person_columns(prefix: str, person: Person) -> dict[str, object]:
    name, id_number, id_kind, mobile, email = _PERSON_COLUMNS[prefix]
    return {name: person.name, id_number: person.id_number, id_kind: person.id_kind,
            mobile: person.mobile, email: person.email}


# Column names made once, not per request (an import builds thousands of rows).
_PERSON_COLUMNS = {
    prefix: tuple(f"{prefix}_{part}" for part in ("name", "id", "id_kind", "mobile", "email"))
    for prefix in ("applicant", "beneficiary")
}


def _new_id() -> uuid.UUID:
    """A random (version 4) UUID, as uuid.uuid4 makes it, through UUID's cheaper int
    constructor: 122 random bits with the version and variant set (RFC 4122 4.4)."""
    value = int.from_bytes(os.urandom(16), "big") & _RANDOM_BITS
    return uuid.UUID(int=value | _VERSION_4)


_RANDOM_BITS = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)


def submit_request(
    store: Store,
    actor: Actor,
    valid: ValidRequest,
    *,
    now: dt.datetime | None = None,
    submitted_at: dt.datetime | None = None,
    confirm_duplicate: bool = False,
    import_key: str | None = None,
) -> RequestSummary:
    """Store a validated request with its attachments atomically; return its summary.

    A second open request for the same person and service is refused with ``request.duplicate``
    unless ``confirm_duplicate``; then it is stored and linked to the earlier one.
    """
    now = now or _now()
    with store.write() as session:
        duplicate = find_open_duplicate(session, valid.beneficiary.id_number, valid.service)
        if duplicate is not None and not confirm_duplicate:
            raise TawasulError.of(
                "request.duplicate", "service", number=display_number(duplicate.number)
            )
        when = submitted_at or now
        year = when.astimezone(_local_zone(store)).year % 100
        number = _next_number(session, store.settings.centre_code, store.settings.counter, year)
        new = build_request_rows(store, actor, valid, number=number, submitted_at=when, now=now,
                                 calendar=store.calendar(session),
                                 duplicate_of=duplicate.id if duplicate is not None else None,
                                 import_key=import_key)
        write_new_requests(session, [new], AuditLog(session), now)
        return summarise(store, Request(**new.row), now,
                         display_number(duplicate.number) if duplicate is not None else None)


@dataclass(frozen=True)
class NewRequestRows:
    """The rows one submitted request adds (built once, inserted alone or in a batch)."""

    row: dict[str, Any]
    attachments: list[dict[str, Any]]
    audit: tuple[str, str, str, str, Any, Any]


@dataclass
class BatchMemo:
    """What the requests written in one transaction share, worked out once: the digests of
    the files already put in it (BlobStore.put), and the effective day and due date of each
    submission moment (one calendar for the whole transaction)."""

    files: set[str] = field(default_factory=set)
    due: dict[dt.datetime, tuple[dt.date, dt.date]] = field(default_factory=dict)


def build_request_rows(store: Store, actor: Actor, valid: ValidRequest, *, number: str,
                       submitted_at: dt.datetime, now: dt.datetime, calendar: WorkingCalendar,
                       duplicate_of: uuid.UUID | None = None,
                       import_key: str | None = None,
                       batch: BatchMemo | None = None) -> NewRequestRows:
    """Rows for a new request. Attachment files are written (flushed, renamed) here, so the
    caller must already hold the write transaction that will reference them; ``batch``
    carries what earlier requests of that transaction already worked out."""
    if batch is None:
        batch = BatchMemo()
    dates = batch.due.get(submitted_at)  # equal instants: the same local day, the same dates
    if dates is None:
        dates = batch.due[submitted_at] = due_dates(submitted_at, calendar, store.policy.timing)
    effective_day, due_date = dates
    digests = [store.blobs.put(a.content, batch.files) for a in valid.attachments]
    request_id = _new_id()
    row: dict[str, Any] = {
        "id": request_id, "number": number, "centre": store.settings.centre_code,
        "counter": store.settings.counter, "service": valid.service,
        "status": Status.SUBMITTED.value,
        **_person_columns("applicant", valid.applicant),
        **_person_columns("beneficiary", valid.beneficiary),
        "relation": valid.relation,
        "search_names": fold(f"{valid.applicant.name} {valid.beneficiary.name}"),
        "description": valid.description, "fields": dict(valid.fields),
        "submitted_at": submitted_at, "effective_day": effective_day,
        "due_date": due_date, "paused_working_days": 0, "paused_since": None,
        "decision_reason": None, "decided_by": None, "decided_at": None,
        "duplicate_of": duplicate_of, "created_by": actor.username, "import_key": import_key,
        "updated_at": now,
    }
    attachments = [
        {"id": _new_id(), "request_id": request_id, "position": i, "document": a.document,
         "display_name": a.name, "media_type": a.media_type, "size": len(a.content),
         "sha256": digest}
        for i, (a, digest) in enumerate(zip(valid.attachments, digests, strict=True))
    ]
    audit = (actor.username, "request.submit", "request", str(request_id), None,
             {"number": number, "service": valid.service, "status": row["status"],
              "due_date": due_date, "attachments": digests,
              "duplicate_of": str(duplicate_of) if duplicate_of else None})
    return NewRequestRows(row, attachments, audit)


def check_desk_clock(session: Session) -> None:
    """Refuse intake while the last sync found this desk's clock far from central's: every
    due date and receipt would carry the error (issue: a desk 5 days slow printed dates 5 days
    early). Every way in (wizard, CLI, import) writes through write_new_requests."""
    state = session.get(SyncState, 1)
    skew = state.clock_skew_seconds if state is not None else None
    if skew is not None and skew_too_large(skew):
        ar, en = describe_skew(skew)
        raise TawasulError.of("intake.clock_wrong", "submitted_at", invalid_input=False,
                              skew_ar=ar, skew_en=en)


def write_new_requests(session: Session, new: list[NewRequestRows], audit: AuditLog,
                       now: dt.datetime) -> None:
    """Insert requests, their attachments and audit entries with one statement each.

    Driver inserts on the tables (raw_sql.insert_rows): the ORM's bulk path, and even Core's
    executemany, add per-row work and nothing here (the rows are plain dicts of column
    values, no objects to track)."""
    if not new:
        return
    check_desk_clock(session)
    conn = session.connection()
    insert_rows(conn, cast(Table, Request.__table__), [n.row for n in new])
    insert_rows(conn, cast(Table, Attachment.__table__), [a for n in new for a in n.attachments])
    audit.record_many([n.audit for n in new], at=now)
    enqueue_new_requests(session, new, now)


# --- look-up ------------------------------------------------------------------------------


def number_or_problem(text: str) -> str:
    """Canonical digits of a typed number; a mistyped check digit is its own error."""
    try:
        return parse_number(text).digits
    except CheckDigitError:
        raise TawasulError.of("request.bad_number", "number", value=text) from None
    except NumberFormatError:
        raise TawasulError.of("request.bad_number", "number", value=text) from None


def _load(session: Session, number_text: str, *, lock: bool = False) -> Request:
    digits = number_or_problem(number_text)
    query = select(Request).where(Request.number == digits)
    if lock:
        query = query.with_for_update()
    req = session.execute(query).scalar_one_or_none()
    if req is None:
        raise TawasulError.of("request.not_found", "number", invalid_input=False,
                              number=display_number(digits))
    return req


def get_request(store: Store, number_text: str) -> Request:
    """Load a request with its attachments and follow-ups (detached, read-only use)."""
    with store.read() as session:
        req = _load(session, number_text)
        session.refresh(req, attribute_names=["attachments", "follow_ups"])
        return req


def find_by_identity(store: Store, id_number: str, limit: int = 50) -> list[Request]:
    with store.read() as session:
        return list(session.execute(
            select(Request)
            .where(or_(Request.beneficiary_id == id_number, Request.applicant_id == id_number))
            .order_by(Request.submitted_at.desc()).limit(limit)
        ).scalars())


@dataclass(frozen=True)
class RequestFilter:
    status: str | None = None
    service: str | None = None
    overdue: bool = False
    since: dt.date | None = None  # submitted on or after (local date)
    until: dt.date | None = None  # submitted on or before (local date)
    text: str | None = None  # number, identity number (full) or name
    counter: int | None = None


def _local_midnight_utc(store: Store, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), _local_zone(store)).astimezone(dt.UTC)


def filtered_query(store: Store, flt: RequestFilter, today: dt.date) -> Select[Request]:
    query = select(Request)
    if flt.status:
        query = query.where(Request.status == flt.status)
    if flt.service:
        query = query.where(Request.service == flt.service)
    if flt.counter is not None:
        query = query.where(Request.counter == flt.counter)
    if flt.overdue:
        query = query.where(Request.due_date < today,
                            Request.status.in_([s.value for s in CLOCK_RUNNING_STATES]))
    if flt.since:
        query = query.where(Request.submitted_at >= _local_midnight_utc(store, flt.since))
    if flt.until:
        end = _local_midnight_utc(store, flt.until + dt.timedelta(days=1))
        query = query.where(Request.submitted_at < end)
    if flt.text and flt.text.strip():
        query = query.where(_text_clause(flt.text.strip(), store.name_search))
    return query


def _text_clause(text: str, name_search: NameSearch) -> ColumnElement[bool]:
    digits = "".join(ch for ch in fold(text) if ch.isdigit())
    stripped = fold(text).replace("-", "").replace(" ", "")
    if stripped.isdigit() and len(stripped) == NUMBER_DIGITS:
        return Request.number == stripped
    if stripped.isdigit() and len(stripped) == 10:
        return or_(Request.beneficiary_id == stripped, Request.applicant_id == stripped)
    if digits and stripped.isdigit():
        return Request.number == stripped  # partial numbers find nothing rather than everything
    return name_search(fold(text).split())  # the store's own (storage.search)


def list_requests(store: Store, flt: RequestFilter, *, limit: int = 50, offset: int = 0,
                  now: dt.datetime | None = None) -> list[RequestSummary]:
    now = now or _now()
    today = _local_today(store, now)
    # Overdue lists read most-overdue first, which also lets the (due_date, status) index
    # answer them without sorting every overdue row of a large store.
    order = ((Request.due_date, Request.id) if flt.overdue
             else (Request.submitted_at.desc(), Request.id))
    query = filtered_query(store, flt, today).order_by(*order)
    with store.read() as session:
        rows = session.execute(query.limit(limit).offset(offset)).scalars().all()
        return [summarise(store, r, now) for r in rows]


def count_requests(store: Store, flt: RequestFilter, now: dt.datetime | None = None) -> int:
    today = _local_today(store, now or _now())
    inner = filtered_query(store, flt, today).with_only_columns(Request.id).subquery()
    with store.read() as session:
        return session.execute(select(func.count()).select_from(inner)).scalar_one()


# --- lifecycle ----------------------------------------------------------------------------


def transition(store: Store, actor: Actor, number_text: str, action: Action, *,
               reason: str | None = None, now: dt.datetime | None = None,
               expected_status: str | None = None) -> RequestSummary:
    """Move a request through the lifecycle. ``expected_status`` makes a decision taken on a
    stale screen fail instead of overwriting someone else's."""
    now = now or _now()
    with store.write() as session:
        req = _load(session, number_text, lock=True)
        if expected_status is not None and req.status != expected_status:
            raise TawasulError.of("request.changed_meanwhile", "status", invalid_input=False,
                                  status=req.status, status_ar=status_name(req.status, "ar"),
                                  status_en=status_name(req.status, "en"))
        outcome = apply_action(LifecycleState.of(req), action, role=actor.role,
                               actor=actor.username, reason=reason, now=now,
                               today=_local_today(store, now), calendar=store.calendar(session),
                               resolution_working_days=store.policy.timing.resolution_working_days)
        if isinstance(outcome, Problem):
            raise TawasulError(outcome, invalid_input=outcome.code != "request.not_permitted")
        old = {"status": req.status, "due_date": req.due_date}
        from_status = req.status
        outcome.write_to(req)
        req.updated_at = now
        enqueue_event(session, req, action, actor, reason, from_status, now)
        new = {"status": req.status, "due_date": req.due_date, "reason": req.decision_reason}
        AuditLog(session).record(actor.username, f"request.{action.value}", "request",
                                 str(req.id), old, new)
        session.flush()
        return summarise(store, req, now)


def record_follow_up(store: Store, actor: Actor, number_text: str, note: str = "", *,
                     now: dt.datetime | None = None) -> RequestSummary:
    now = now or _now()
    with store.write() as session:
        req = _load(session, number_text, lock=True)
        if not takes_follow_ups(req.status):
            raise TawasulError.of("request.not_open", "number")
        if not follow_up_allowed(req.submitted_at, now, store.policy.timing,
                                 store.calendar(session)):
            opens = summarise(store, req, now).follow_up_from
            raise TawasulError.of("request.follow_up_too_early", "number",
                                  when=opens.strftime("%Y-%m-%d %H:%M"))
        follow = FollowUp(request_id=req.id, at=now, by=actor.username, note=note.strip())
        session.add(follow)
        session.flush()
        AuditLog(session).record(actor.username, "request.follow_up", "request", str(req.id),
                                 None, {"follow_up": str(follow.id)})
        enqueue_follow_up(session, follow, now)
        return summarise(store, req, now)


# --- closures -----------------------------------------------------------------------------


def add_closure(store: Store, actor: Actor, day: dt.date, reason: str, *,
                now: dt.datetime | None = None) -> int:
    """Record a closure day and move the due dates of open requests; return how many moved."""
    now = now or _now()
    with store.write() as session:
        if session.get(Closure, day) is not None:
            return 0
        session.add(Closure(day=day, reason=reason.strip() or "closure", added_by=actor.username,
                            added_at=now))
        session.flush()
        store.forget_calendar()
        calendar: WorkingCalendar = store.calendar(session)
        audit = AuditLog(session)
        audit.record(actor.username, "closure.add", "closure", day.isoformat(), None,
                     {"reason": reason})
        moved = 0
        affected = session.execute(
            select(Request).where(Request.status.in_([s.value for s in OPEN_STATES]),
                                  Request.effective_day <= day, Request.due_date >= day)
        ).scalars()
        changes = []
        for req in affected:
            due = due_date_for(req.effective_day, calendar,
                               store.policy.timing.resolution_working_days, req.paused_working_days)
            if due != req.due_date:
                changes.append((actor.username, "request.due_moved", "request", str(req.id),
                                {"due_date": req.due_date}, {"due_date": due, "closure": day}))
                session.execute(update(Request).where(Request.id == req.id).values(due_date=due))
                moved += 1
        audit.record_many(changes, at=now)
    return moved
