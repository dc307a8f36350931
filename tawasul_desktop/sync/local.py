"""The counter's side of sync: reading the outbox, settling it, applying what came down.

Every function works inside a session the caller opened (one unit of work): a batch's
outcomes and the cursor that moves past a batch of changes commit with what they describe.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Dialect, Table, delete, func, select, update
from sqlalchemy.orm import Session

from tawasul_desktop.domain.catalogue import Catalogue, CatalogueError, parse_catalogue
from tawasul_desktop.storage.audit import AuditLog, json_scalar
from tawasul_desktop.storage.models import (
    AuditEntry,
    Closure,
    OutboxEntry,
    Request,
    SyncState,
    User,
)
from tawasul_desktop.storage.raw_sql import driver_sql
from tawasul_desktop.storage.users import find_user
from tawasul_desktop.wire.opids import new_op_id
from tawasul_desktop.wire.protocol import (
    APPLIED,
    CENTRAL_ACTOR,
    CONFLICT,
    DUPLICATE,
    ECHO_ACTION,
    KIND_BLOB,
    PENDING,
    REJECTED,
    Change,
    OpOutcome,
    OutgoingOp,
)

_CHUNK = 500  # ids per IN (...) list
_STATE = ("status", "due_date", "paused_working_days", "paused_since", "decision_reason",
          "decided_by", "decided_at")
_ASSIGNEE = "assignee"  # set centrally (central.operations.assign), carried by newer feeds only
_Codec = Callable[[Any], Any]


def sync_state(session: Session) -> SyncState:
    state = session.get(SyncState, 1)
    if state is None:  # a database migrated before the row existed, or a copied one
        state = SyncState(id=1, store_id=uuid.uuid4(), pull_xid="0", pull_id=0, pull_count=0,
                          audit_sent_seq=0)
        session.add(state)
        session.flush()
    return state


# --- outbox ----------------------------------------------------------------------------------


def pending_ops(session: Session, after_seq: int, limit: int) -> list[OutgoingOp]:
    rows = session.execute(
        select(OutboxEntry.op_id, OutboxEntry.seq, OutboxEntry.kind, OutboxEntry.schema_version,
               OutboxEntry.request_id, OutboxEntry.created_at, OutboxEntry.payload)
        .where(OutboxEntry.state == PENDING, OutboxEntry.kind != KIND_BLOB,
               OutboxEntry.seq > after_seq)
        .order_by(OutboxEntry.seq).limit(limit)
    ).all()
    return [OutgoingOp(*r) for r in rows]


@dataclass(frozen=True)
class PendingBlob:
    seq: int
    sha256: str
    size: int


def pending_blobs(session: Session) -> list[PendingBlob]:
    rows = session.execute(
        select(OutboxEntry.seq, OutboxEntry.payload)
        .where(OutboxEntry.state == PENDING, OutboxEntry.kind == KIND_BLOB)
        .order_by(OutboxEntry.seq)
    ).all()
    out = []
    for seq, payload in rows:
        data = json.loads(payload)
        out.append(PendingBlob(seq, data["sha256"], int(data["size"])))
    return out


def settle(session: Session, sent: Sequence[OutgoingOp], outcomes: Sequence[OpOutcome],
           now: dt.datetime) -> None:
    """Drop what central has; keep what it refused, with the reason, for the user to see."""
    by_op = {o.op_id: o for o in outcomes}
    done = [op.seq for op in sent if by_op[op.op_id].outcome in (APPLIED, DUPLICATE)]
    for start in range(0, len(done), _CHUNK):
        session.execute(delete(OutboxEntry).where(OutboxEntry.seq.in_(done[start:start + _CHUNK])))
    refused = [(op, by_op[op.op_id]) for op in sent
               if by_op[op.op_id].outcome not in (APPLIED, DUPLICATE)]
    if refused:
        session.execute(update(OutboxEntry), [
            {"seq": op.seq, "state": CONFLICT if o.outcome == CONFLICT else REJECTED,
             "problem": json.dumps(o.problem, ensure_ascii=False), "settled_at": now}
            for op, o in refused])
    states = [o.central_state for _, o in refused if o.central_state]
    if states:
        apply_request_states(session, states, now)


def drop_blob(session: Session, seq: int) -> None:
    session.execute(delete(OutboxEntry).where(OutboxEntry.seq == seq))


def drop_blobs(session: Session, seqs: Sequence[int]) -> None:
    """Settle a batch of uploaded files (central has them) in the caller's one transaction."""
    for start in range(0, len(seqs), _CHUNK):
        session.execute(delete(OutboxEntry).where(OutboxEntry.seq.in_(seqs[start:start + _CHUNK])))


def refuse_blob(session: Session, seq: int, problem: dict[str, Any], now: dt.datetime) -> None:
    session.execute(update(OutboxEntry).where(OutboxEntry.seq == seq).values(
        state=REJECTED, problem=json.dumps(problem, ensure_ascii=False), settled_at=now))


def pending_op_count(session: Session) -> int:
    """Pending operations other than file uploads."""
    return session.execute(select(func.count()).select_from(OutboxEntry).where(
        OutboxEntry.state == PENDING, OutboxEntry.kind != KIND_BLOB)).scalar_one()


def anything_unsent(session: Session) -> bool:
    """A pending operation or file, or an audit entry central has not received."""
    pending = select(OutboxEntry.seq).where(OutboxEntry.state == PENDING).limit(1)
    audit = select(AuditEntry.seq).where(
        AuditEntry.seq > select(SyncState.audit_sent_seq).where(SyncState.id == 1)
        .scalar_subquery()).limit(1)
    return session.execute(select(pending.exists() | audit.exists())).scalar_one()


def counts(session: Session) -> tuple[int, int]:
    """(pending, refused) operations."""
    rows = dict(session.execute(
        select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all())
    return rows.get(PENDING, 0), rows.get(CONFLICT, 0) + rows.get(REJECTED, 0)


@dataclass(frozen=True)
class RefusedOp:
    """An operation central refused, as the desk shows it."""

    op_id: uuid.UUID
    kind: str
    state: str  # conflict | rejected
    request_number: str | None
    code: str
    message_ar: str
    message_en: str
    created_at: dt.datetime
    settled_at: dt.datetime | None


def refused_ops(session: Session, limit: int = 200) -> list[RefusedOp]:
    rows = session.execute(
        select(OutboxEntry, Request.number)
        .outerjoin(Request, Request.id == OutboxEntry.request_id)
        .where(OutboxEntry.state.in_([CONFLICT, REJECTED]))
        .order_by(OutboxEntry.seq.desc()).limit(limit)
    ).all()
    out = []
    for entry, number in rows:
        problem = json.loads(entry.problem or "{}")
        out.append(RefusedOp(entry.op_id, entry.kind, entry.state, number,
                             problem.get("code", ""), problem.get("message_ar", ""),
                             problem.get("message_en", ""), entry.created_at, entry.settled_at))
    return out


# Refusals that sending again cannot change: the step is not the counter's to take, the
# number belongs to another request (`tawasul sync renumber`), the operation is unreadable.
PERMANENT_REFUSALS = frozenset({"request.not_permitted", "sync.number_taken",
                                "sync.bad_operation"})


def requeue(session: Session, op_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Send refused operations again (e.g. after central was upgraded). None: every rejected
    one whose refusal may pass now (not the permanent ones); named ids: those, whatever the
    refusal. A rejected one goes as a new operation (new id), so central judges it again
    instead of answering the refusal it recorded (which stays in its record); a conflict
    keeps its id: sent again by mistake, it meets its recorded answer and nothing doubles."""
    query = select(OutboxEntry).where(OutboxEntry.state.in_([CONFLICT, REJECTED]))
    if op_ids is None:
        query = query.where(OutboxEntry.state == REJECTED)
    else:
        query = query.where(OutboxEntry.op_id.in_(list(op_ids)))
    count = 0
    for entry in session.execute(query).scalars():
        code = json.loads(entry.problem or "{}").get("code")
        if op_ids is None and code in PERMANENT_REFUSALS:
            continue
        if entry.state == REJECTED:
            entry.op_id = new_op_id()
        entry.state, entry.problem, entry.settled_at = PENDING, None, None
        count += 1
    return count


def reset_cursor(session: Session) -> None:
    """Read central's changes again from the start (applying them twice is harmless). The
    outbox is not touched: pending and refused operations stay."""
    state = sync_state(session)
    state.pull_xid, state.pull_id, state.pull_count = "0", 0, 0


# --- applying what came down -------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def _moment(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _parse_state(raw: dict[str, Any]) -> dict[str, Any]:
    state = {"status": str(raw["status"]), "due_date": _date(raw["due_date"]),
             "paused_working_days": int(raw["paused_working_days"]),
             "paused_since": _date(raw.get("paused_since")),
             "decision_reason": raw.get("decision_reason"), "decided_by": raw.get("decided_by"),
             "decided_at": _moment(raw.get("decided_at"))}
    # Central names the assignee only when it changed it (schema c0004 on; a refused push's
    # central state never does): without the key the desk's assignee is left as it is.
    if _ASSIGNEE in raw:
        state[_ASSIGNEE] = None if raw[_ASSIGNEE] is None else str(raw[_ASSIGNEE])
    return state


def _codecs(dialect: Dialect, columns: Sequence[str]) -> tuple[list[_Codec | None],
                                                               list[_Codec | None]]:
    """How each ``requests`` column is written and read on this dialect, as the ORM would
    (None: the value is stored as it is)."""
    table = cast(Table, Request.__table__)
    kinds = [table.c[c].type.dialect_impl(dialect) for c in columns]
    return ([k.bind_processor(dialect) for k in kinds],
            [k.result_processor(dialect, None) for k in kinds])


def _same(value: Any) -> Any:
    return value


def _text(value: dt.date | None) -> str | None:
    return None if value is None else str(value)


_COLUMNS = (*_STATE, _ASSIGNEE)
_LAST = len(_COLUMNS) - 1  # the assignee's place in a row


# Central sends a request's id as its canonical text (PostgreSQL's uuid output): taken as
# it is, without a round trip through uuid.UUID; any other form goes through uuid.UUID as
# before (which reads it, or refuses it with ValueError).
_CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                           ).fullmatch
_PROBE = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")


def _id_reader(write_id: _Codec | None) -> Callable[[Any], tuple[Any, str]]:
    """A change's id as ``requests.id`` stores it on this dialect, and its canonical text."""
    store_id = write_id or _same
    hex_digits = store_id(_PROBE) == _PROBE.hex  # SQLite: the 32 hex digits

    def read(raw_id: Any) -> tuple[Any, str]:
        text = raw_id if type(raw_id) is str else str(raw_id)
        if hex_digits and _CANONICAL_ID(text):
            return text.replace("-", ""), text
        key = uuid.UUID(text)
        return store_id(key), str(key)

    return read


def _state_texts(wanted: dict[str, Any], old: dict[str, Any]) -> tuple[str, str]:
    """The audit entry's old and new JSON for a request central changed, as ``_canonical``
    writes the dicts the entry describes (keys sorted: assignee, by, due_date, reason,
    status), built directly: a pull writes thousands (tested byte for byte against the
    encoder's output)."""
    # Dates as their text: the audit log's JSON writes a date so (str).
    due = json_scalar(_text(wanted["due_date"]))
    status = json_scalar(wanted["status"])
    before_status = json_scalar(old["status"]) if "status" in old else status
    before_due = json_scalar(_text(old["due_date"])) if "due_date" in old else due
    after = (f'"by":{json_scalar(wanted["decided_by"])},"due_date":{due},'
             f'"reason":{json_scalar(wanted["decision_reason"])},"status":{status}}}')
    if _ASSIGNEE in old and old[_ASSIGNEE] != wanted[_ASSIGNEE]:  # request_timeline reads it
        return (f'{{"assignee":{json_scalar(old[_ASSIGNEE])},"due_date":{before_due},'
                f'"status":{before_status}}}',
                f'{{"assignee":{json_scalar(wanted[_ASSIGNEE])},{after}')
    return f'{{"due_date":{before_due},"status":{before_status}}}', "{" + after


def apply_request_states(session: Session, states: Iterable[dict[str, Any]],
                         now: dt.datetime, audit: AuditLog | None = None) -> int:
    """Central wins: take its lifecycle state (and assignee, when named) for the requests
    this desk holds. Returns how many changed (each with an audit entry, through ``audit``
    or a log of its own).

    A pull brings thousands at once: rows are read, compared and written as the driver
    stores them (one ``executemany`` per set of changed columns, in rowid order), without
    per-row ORM work; only a column whose stored form differs is decoded, for the audit
    entry and to tell a real change from the same value stored in another form."""
    conn = session.connection()
    dialect = conn.dialect
    (write_id, *writes), (_, *reads) = _codecs(dialect, ("id", *_COLUMNS))
    read_id = _id_reader(write_id)
    # Keyed by the id as stored (a str's hash is cached; a UUID's is computed each time).
    latest: dict[Any, dict[str, Any]] = {}
    keys: dict[Any, str] = {}  # the canonical text, the audit entry's entity id
    for raw in states:
        # Lifecycle from the newest change; the assignee from the newest that names one.
        stored_id, keys[stored_id] = read_id(raw["id"])
        state = _parse_state(raw)
        prior = latest.get(stored_id)
        latest[stored_id] = state if prior is None else {**prior, **state}
    if not latest:
        return 0
    # Remembered per value: a batch's due dates are a few days, written thousands of times.
    encoders = [(i, functools.lru_cache(maxsize=4096)(w))
                for i, w in enumerate(writes[:_LAST]) if w is not None]
    keeps_none = all(w(None) is None for _, w in encoders)  # the usual: NULL stays NULL
    write_assignee = writes[_LAST] or _same
    decode = [r or _same for r in reads]
    write_now = (_codecs(dialect, ("updated_at",))[0][0] or _same)(now)
    # SQLite: rows found and written by their rowid (one B-tree walk, not the id's index
    # and then the table), in rowid order, so each batch walks the table's pages in order.
    locator = "rowid" if dialect.name == "sqlite" else "id"
    select_rows = f"SELECT {locator}, id, {', '.join(_COLUMNS)} FROM requests WHERE id IN "
    # Rows grouped by the columns that change: SQLite rewrites the entries of every index
    # over a column an UPDATE sets, changed or not (requests has a dozen indexes).
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    audits = []
    ids = list(latest)
    places = range(len(_COLUMNS))
    cursor = conn.connection.cursor()  # the driver's rows: no Row objects for thousands
    try:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            cursor.execute(driver_sql(dialect, f"{select_rows}({', '.join('?' * len(chunk))})"),
                           tuple(chunk))
            for row_key, stored_id, *stored in cursor.fetchall():
                wanted = latest[stored_id]
                new_row = [wanted[c] for c in _STATE]
                for i, write in encoders:
                    if new_row[i] is not None or not keeps_none:
                        new_row[i] = write(new_row[i])
                # The desk's own assignee is kept, as stored, unless central names one.
                new_row.append(write_assignee(wanted[_ASSIGNEE]) if _ASSIGNEE in wanted
                               else stored[_LAST])
                if new_row == stored:
                    continue
                changed = tuple([i for i in places if new_row[i] != stored[i]])
                # The columns whose stored form differs, read back: all equal to what central
                # sent is the same value stored in another form, nothing changes. (A column
                # stored alike reads back as the value written.)
                old = {_COLUMNS[i]: decode[i](stored[i]) for i in changed}
                if all([old[c] == wanted[c] for c in old]):
                    continue
                updates.setdefault(changed, []).append(
                    (*[new_row[i] for i in changed], write_now, row_key))
                audits.append((CENTRAL_ACTOR, ECHO_ACTION, "request", keys[stored_id],
                               *_state_texts(wanted, old)))
    finally:
        cursor.close()
    for changed, rows_of in updates.items():
        columns = [_COLUMNS[i] for i in changed]
        rows_of.sort(key=itemgetter(-1))
        conn.exec_driver_sql(driver_sql(dialect, "UPDATE requests SET " + ", ".join(
            f"{c} = ?" for c in (*columns, "updated_at")) + f" WHERE {locator} = ?"), rows_of)
    if audits:
        (audit or AuditLog(session)).record_many(audits, at=now, encoded=True)
    return len(audits)


@dataclass
class Applied:
    requests: int = 0
    closures: int = 0
    users: int = 0
    catalogue: Catalogue | None = None


def apply_changes(session: Session, changes: Sequence[Change], now: dt.datetime) -> Applied:
    applied = Applied()
    audit = AuditLog(session)  # one for the batch: its key read once, its last hash kept
    applied.requests = apply_request_states(
        session, (c.payload for c in changes if c.kind == "request"), now, audit)
    for change in changes:
        if change.kind == "closure":
            day = dt.date.fromisoformat(str(change.payload["day"]))
            if session.get(Closure, day) is None:
                session.add(Closure(day=day, reason=str(change.payload["reason"])[:200],
                                    added_by=f"central:{change.payload.get('added_by', '')}"[:64],
                                    added_at=_moment(change.payload.get("added_at")) or now))
                audit.record(CENTRAL_ACTOR, "closure.add", "closure", day.isoformat(), None,
                             {"reason": change.payload["reason"]}, at=now)
                applied.closures += 1
        elif change.kind == "user":
            _apply_user(session, change.payload, audit, now)
            applied.users += 1
        elif change.kind == "catalogue":
            catalogue = _apply_catalogue(session, change.payload)
            if catalogue is not None:
                applied.catalogue = catalogue
    session.flush()
    return applied


def _apply_user(session: Session, data: dict[str, Any], audit: AuditLog, now: dt.datetime) -> None:
    user = find_user(session, str(data["username"]))
    fields = {"display_name": data["display_name"], "role": data["role"],
              "password_hash": data["password_hash"], "active": bool(data["active"])}
    if user is None:
        user = User(username=data["username"], failed_logins=0, created_at=now, **fields)
        session.add(user)
        session.flush()
    else:
        for key, value in fields.items():
            setattr(user, key, value)
    audit.record(CENTRAL_ACTOR, "user.synced", "user", str(user.id), None,
                 {"username": user.username, "role": user.role, "active": user.active}, at=now)


def _apply_catalogue(session: Session, data: dict[str, Any]) -> Catalogue | None:
    version, content = int(data["version"]), str(data["content"])
    try:
        catalogue = parse_catalogue(tomllib.loads(content), f"central catalogue v{version}")
    except (CatalogueError, tomllib.TOMLDecodeError):
        return None  # checked when published; a broken one never replaces a working one
    state = sync_state(session)
    if state.catalogue_version is None or version > state.catalogue_version:
        state.catalogue_version, state.catalogue = version, content
        return catalogue
    return None
