"""The central side of sync: operations run over a connection to the central PostgreSQL.

Counters push and pull through these functions under their own login role, and supervisors'
decisions (``decide``) go through them too, so every status change central makes applies the
same lifecycle code as the counter (``domain.lifecycle_effects.apply_action``). Row-level
security does all centre filtering; nothing here takes the caller's word for its centre.

Connections are expected in autocommit mode; each function opens the transaction it needs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from tawasul_desktop.domain.lifecycle import RULES, Action, Role, status_name
from tawasul_desktop.domain.lifecycle_effects import LifecycleState, apply_action
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.domain.policy import Policy
from tawasul_desktop.domain.workdays import WorkingCalendar
from tawasul_desktop.wire.opids import new_op_id
from tawasul_desktop.wire.protocol import (
    APPLIED,
    CONFLICT,
    DUPLICATE,
    KIND_EVENT,
    KIND_FOLLOW_UP,
    KIND_SUBMIT,
    REJECTED,
    Change,
    OpOutcome,
    OutgoingOp,
    upgrade_payload,
)

__all__ = ["APPLIED", "CONFLICT", "DUPLICATE", "REJECTED", "Change", "OpOutcome", "OutgoingOp"]

log = logging.getLogger(__name__)

Conn = psycopg.Connection[Any]
FaultHook = Callable[[str, Conn], None]

_OPEN = (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR)


@contextlib.contextmanager
def _pipelined_transaction(conn: Conn) -> Iterator[psycopg.Cursor[Any]]:
    """One transaction in pipeline mode whose BEGIN goes out with its first statement and
    whose COMMIT with its last, so the client waits on central only where the block fetches
    and once at the end. psycopg's own transaction() waits on its BEGIN and its COMMIT, and
    the pipeline's exit on a sync of its own: three round trips more per batch, paid in
    full by a desk far from central. Anything that stops the block before its COMMIT rolls
    the transaction back. Within a caller's transaction, or on a connection not in
    autocommit, psycopg's transaction (a savepoint when nested) is used instead."""
    # The cursor is left open (a client-side cursor holds nothing on the server): what the
    # last statements answered arrives with the COMMIT and is read after the block.
    cur = conn.cursor()
    if not conn.autocommit or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        with conn.pipeline(), conn.transaction():
            yield cur
        return
    try:
        with conn.pipeline():
            conn.execute("BEGIN")  # its own cursor: the block's keeps its results
            yield cur
            conn.execute("COMMIT")
    finally:
        # A failed statement leaves the transaction aborted until ROLLBACK; an exception of
        # the block leaves it open. A broken connection has nothing left to roll back.
        if not conn.closed and conn.info.transaction_status in _OPEN:
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")


CENTRAL_DECISION = "central.decision"

# Columns of a request as the counter wrote it (immutable intake + its lifecycle at the time).
REQUEST_COLUMNS = (
    "id", "number", "centre", "counter", "service", "status",
    "applicant_name", "applicant_id", "applicant_id_kind", "applicant_mobile", "applicant_email",
    "beneficiary_name", "beneficiary_id", "beneficiary_id_kind", "beneficiary_mobile",
    "beneficiary_email", "relation", "search_names", "description", "fields", "submitted_at",
    "effective_day", "due_date", "paused_working_days", "paused_since", "decision_reason",
    "decided_by", "decided_at", "duplicate_of", "created_by", "import_key", "updated_at",
)
_STATE_COLUMNS = ("status", "effective_day", "due_date", "paused_working_days", "paused_since",
                  "decision_reason", "decided_by", "decided_at")

# --- who is calling, what they speak ---------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """The connected role as the central mapping knows it (never as the desk claims)."""

    role_name: str
    kind: str  # counter | supervisor | owner
    centre: str | None
    counter: int | None
    may_decide: bool = False


# The role a statement acts for, as the desk names it: its login, or on the desks' shared
# login (c0011) the counter it names. Only for picking its own rows: row security checks the
# name against the desk key and shows nothing to a name without one.
ME = "coalesce(nullif(current_setting('tawasul.desk_role', true), ''), current_user)"


def whoami(conn: Conn) -> Identity:
    with conn.cursor() as cur:
        cur.execute(f"SELECT role_name, kind, centre, counter, may_decide FROM counters "
                    f"WHERE role_name = {ME}")
        row = cur.fetchone()
        if row is not None:
            return Identity(row[0], row[1], row[2], row[3], row[4])
        cur.execute("SELECT current_user")
        found = cur.fetchone()
        assert found is not None
        return Identity(found[0], "owner", None, None, True)


@dataclass(frozen=True)
class DeskBinding:
    """The desk store a counter's login is bound to (the first that synced as it)."""

    desk_id: uuid.UUID | None
    label: str | None


def bind_desk(conn: Conn, desk_id: uuid.UUID, label: str) -> DeskBinding:
    """Bind the connected counter's login to this desk store unless one is bound already;
    answer the binding central keeps (this desk's or the other one's)."""
    with conn.cursor() as cur:  # one statement: its own transaction
        cur.execute("SELECT bound_desk, bound_label FROM tawasul_bind_desk(%s, %s)",
                    (desk_id, label))
        row = cur.fetchone()
    return DeskBinding(row[0], row[1]) if row else DeskBinding(None, None)


@dataclass(frozen=True)
class Protocol:
    current: int
    oldest: int

    def refusal(self, version: int) -> Problem | None:
        params: dict[str, Any] = {"version": version, "oldest": self.oldest,
                                  "current": self.current}
        if version < self.oldest:
            return Problem.of("sync.version_too_old", "schema_version", None, **params)
        if version > self.current:
            return Problem.of("sync.version_too_new", "schema_version", None, **params)
        return None


def protocol_of(conn: Conn) -> Protocol:
    with conn.cursor() as cur:
        cur.execute("SELECT key, value FROM central_settings "
                    "WHERE key IN ('protocol_version', 'protocol_oldest')")
        values = {k: int(v) for k, v in cur.fetchall()}
    return Protocol(values["protocol_version"], values["protocol_oldest"])


def central_calendar(conn: Conn, policy: Policy, centre: str | None) -> WorkingCalendar:
    with conn.cursor() as cur:
        cur.execute("SELECT day FROM closures WHERE centre = '' OR centre = %s", (centre or "",))
        days = [r[0] for r in cur.fetchall()]
    return WorkingCalendar(policy.calendar, days)


# --- push ------------------------------------------------------------------------------------


@dataclass
class PushResult:
    outcomes: list[OpOutcome] = field(default_factory=list)
    clock_skew_seconds: float = 0.0


def _problem_json(problem: Problem) -> dict[str, Any]:
    return problem.as_dict()


def push_ops(conn: Conn, ops: Sequence[OutgoingOp], *, sent_at: dt.datetime, policy: Policy,
             identity: Identity | None = None, fault_hook: FaultHook | None = None) -> PushResult:
    """Apply one batch of operations in one transaction; answer each operation's outcome.

    Idempotent: operations are inserted into ``ops`` with ON CONFLICT DO NOTHING and only
    those the insert returns are applied; the others answer their stored outcome again.

    Two round trips for the statements, pipelined, whatever the batch (the counter's events
    add one): the operations and the requests in one statement, answering the operations
    central had not seen, the numbers already taken and the new requests' files; the files,
    follow-ups and what central answered before, with the commit. The batch travels as
    arrays, so nothing outlives the transaction on the server connection (no temp table, no
    SET): a pooler in transaction mode may hand it to another client after the commit.
    """
    me = identity or whoami(conn)
    if me.kind != "counter":
        raise PermissionError(f"{me.role_name} is not a counter's role")
    result = PushResult()
    if not ops:
        return result
    submits = [o for o in ops if o.kind == KIND_SUBMIT]
    intakes = [o.payload for o in submits]
    with_files = not all(_NO_FILES in p for p in intakes)
    with _pipelined_transaction(conn) as cur:
        cur.execute(_INSERT_OPS_AND_REQUESTS_WITH_FILES if with_files
                    else _INSERT_OPS_AND_REQUESTS, {
            "sent": sent_at, "centre": me.centre, "counter": me.counter,
            "ids": [o.op_id for o in ops], "seqs": [o.seq for o in ops],
            "kinds": [o.kind for o in ops], "versions": [o.schema_version for o in ops],
            "requests": [o.request_id for o in ops], "times": [o.counter_time for o in ops],
            # a request's intake is not kept in ops: it goes into requests, in the same
            # statement; its number is read here (an array, not parsed again centrally)
            "payloads": [None if o.kind == KIND_SUBMIT else o.payload for o in ops],
            "submit_ids": [o.op_id for o in submits], "numbers": [_number(o) for o in submits],
            "submit_requests": [o.request_id for o in submits], "intakes": intakes})
        first = cur.fetchone()
        assert first is not None
        skew, proto = float(first[0]), Protocol(int(first[1]), int(first[2]))
        fresh, taken = set(first[3]), {submits[n - 1].op_id for n in first[4]}
        result.clock_skew_seconds = skew
        outcomes: dict[uuid.UUID, OpOutcome] = {}
        for o in ops:
            problem = proto.refusal(o.schema_version)
            if problem is not None:
                outcomes[o.op_id] = OpOutcome(o.op_id, REJECTED, _problem_json(problem))
        # Two desks configured as the same counter would hand out the same numbers: a new
        # request whose number another request holds was not inserted, and is refused.
        rejected: dict[uuid.UUID, Problem] = {
            o.op_id: Problem.of("sync.number_taken", "number", number=_number(o))
            for o in submits if o.op_id in taken}
        if with_files and first[5]:
            # The files come back from the payloads the insert parsed and go on alone
            # (their rows' policy reads the request, which this statement cannot see yet).
            cur.execute(_INSERT_ATTACHMENTS, (first[5], first[6]))
        follow_ups = [o for o in ops if o.kind == KIND_FOLLOW_UP and o.op_id in fresh]
        # The requests this batch changes (a follow-up's count, an event) are locked at once in
        # the order of their ids, as every writer of several requests locks them (c0013): taken
        # one by one as the follow-ups and the events come, a file's arrival from another desk
        # clearing "attachments pending" on them made a deadlock.
        touched = sorted({o.request_id for o in ops
                          if o.kind in (KIND_FOLLOW_UP, KIND_EVENT) and o.op_id in fresh
                          and o.request_id is not None})
        if touched:
            cur.execute("SELECT 1 FROM requests WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                        (touched,))
        if follow_ups:
            args = ([o.op_id for o in follow_ups], [o.request_id for o in follow_ups],
                    [o.payload for o in follow_ups])
            cur.execute(_UNKNOWN_REQUESTS, args[:2])
            unknown = [r[0] for r in cur.fetchall()]
            cur.execute(_INSERT_FOLLOW_UPS, args)
            for o in follow_ups:
                if o.op_id in unknown:
                    rejected[o.op_id] = Problem.of("sync.request_unknown", "number",
                                                   request=str(o.request_id))
        known = [o.op_id for o in ops if o.op_id not in fresh and o.op_id not in outcomes]
        if known:
            cur.execute("SELECT op_id, outcome, problem FROM ops WHERE op_id = ANY(%s)",
                        (known,))
            for op_id, outcome, problem in cur.fetchall():
                outcomes[op_id] = OpOutcome(op_id, DUPLICATE if outcome == APPLIED else outcome,
                                            problem)
        _reject(cur, outcomes, rejected)
        events = [(o.op_id, o.request_id, o.schema_version, json.loads(o.payload))
                  for o in ops if o.kind == KIND_EVENT and o.op_id in fresh]
        _apply_counter_events(conn, cur, me, policy, outcomes, events)
        # Central wins: a refused event comes back with the request as central has it.
        refused_events = {o.op_id: o.request_id for o in ops
                          if o.kind == KIND_EVENT and o.request_id is not None
                          and proto.refusal(o.schema_version) is None
                          and outcomes.get(o.op_id, OpOutcome(o.op_id, APPLIED)).outcome
                          in (CONFLICT, REJECTED)}
        if refused_events:
            states = request_states(cur, sorted(set(refused_events.values())))
            for op_id, request_id in refused_events.items():
                outcomes[op_id] = dataclasses.replace(outcomes[op_id],
                                                      central_state=states.get(request_id))
        cur.execute("UPDATE counters SET last_seen_at = clock_timestamp(), "
                    f"last_skew_seconds = %s WHERE role_name = {ME}", (skew,))
        if fault_hook is not None:
            fault_hook("push.before_commit", conn)
    result.outcomes = [outcomes.get(o.op_id) or OpOutcome(o.op_id, APPLIED) for o in ops]
    return result


def _number(op: OutgoingOp) -> str:
    # The number sits near the front of the intake's JSON; parsing the whole payload for it
    # costs more than the push itself at a thousand operations a batch.
    found = _NUMBER.search(op.payload)
    if found is not None:
        return found.group(1)
    return str(json.loads(op.payload)["request"]["number"])


_NUMBER = re.compile(r'"number":"([^"\\]*)"')
_NO_FILES = '"attachments":[]'  # protocol.dumps writes no spaces

# The push's first statement: the operations, then the new requests (_INSERT_INTAKE), then
# the answer (_ANSWER). Arrays go in binary (%b): as text every element would be quoted and
# escaped into an array literal, which costs more than the whole insert for a batch of JSON
# payloads. The numbers come as an array read at the desk (each at the front of its intake).
_OPS_CTE = """
WITH s AS (
    SELECT extract(epoch FROM clock_timestamp() - %(sent)s::timestamptz)::float8 AS skew,
           (SELECT value::int FROM central_settings WHERE key = 'protocol_version') AS newest,
           (SELECT value::int FROM central_settings WHERE key = 'protocol_oldest') AS oldest),
ins AS (
    INSERT INTO ops (op_id, centre, counter, kind, schema_version, request_id, payload,
                     counter_time, clock_skew_seconds)
    SELECT i.op_id, %(centre)s, %(counter)s, i.kind, i.v, i.request_id, i.payload::jsonb,
           i.counter_time, s.skew
    FROM unnest(%(ids)b::uuid[], %(seqs)b::bigint[], %(kinds)b::text[], %(versions)b::int[],
                %(requests)b::uuid[], %(times)b::timestamptz[], %(payloads)b::text[])
         AS i(op_id, seq, kind, v, request_id, counter_time, payload)
    CROSS JOIN s
    WHERE i.v BETWEEN s.oldest AND s.newest
    ORDER BY i.seq
    ON CONFLICT (op_id) DO NOTHING
    RETURNING op_id),
q AS MATERIALIZED (
    SELECT q.n, q.op_id IN (SELECT op_id FROM ins) AS fresh,
           EXISTS (SELECT 1 FROM requests r WHERE r.number = q.number
                                               AND r.id IS DISTINCT FROM q.request_id) AS taken
    FROM unnest(%(submit_ids)b::uuid[], %(numbers)b::text[], %(submit_requests)b::uuid[])
         WITH ORDINALITY AS q(op_id, number, request_id, n)),
p AS MATERIALIZED (  -- each intake parsed once, whatever reads it
    SELECT t.intake::jsonb AS payload, t.n, t.request_id
    FROM unnest(%(intakes)b::text[], %(submit_requests)b::uuid[])
         WITH ORDINALITY AS t(intake, request_id, n)
    JOIN q ON q.n = t.n AND q.fresh AND NOT q.taken),
req AS ("""
# A new request is written only with its operation (one central had not seen, of a version it
# accepts) and only if no other request holds its number; its intake fills the row.
_INSERT_INTAKE = f"""
INSERT INTO requests ({", ".join(REQUEST_COLUMNS)}, received_at, clock_skew_seconds,
                      attachments_pending)
SELECT {", ".join(f"r.{c}" for c in REQUEST_COLUMNS)}, clock_timestamp(), (SELECT skew FROM s),
       EXISTS (SELECT 1 FROM jsonb_array_elements(p.payload->'attachments') a
               WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a->>'sha256'))
FROM p CROSS JOIN LATERAL jsonb_populate_record(NULL::requests, p.payload->'request') r
ORDER BY p.n
ON CONFLICT (id) DO NOTHING)
"""
# The protocol versions central accepts come back with the operations it had not seen (an
# operation of another version is not kept) and the positions among the submits of those
# whose number another request holds, so the desk learns all of it in the first round trip.
_ANSWER = """
SELECT s.skew, s.newest, s.oldest, ARRAY(SELECT op_id FROM ins),
       ARRAY(SELECT q.n FROM q WHERE q.fresh AND q.taken)"""
_INSERT_OPS_AND_REQUESTS = _OPS_CTE + _INSERT_INTAKE + _ANSWER + " FROM s"
# With files: also the files of each new request that names any (its id, the files as
# text), so the attachments' insert parses those alone instead of every payload again.
_INSERT_OPS_AND_REQUESTS_WITH_FILES = _OPS_CTE + _INSERT_INTAKE + _ANSWER + """,
       f.requests, f.files
FROM s CROSS JOIN (
    SELECT array_agg(p.request_id ORDER BY p.n) AS requests,
           array_agg((p.payload->'attachments')::text ORDER BY p.n) AS files
    FROM p WHERE p.payload->'attachments' <> '[]'::jsonb) f
"""
_INSERT_ATTACHMENTS = """
INSERT INTO request_attachments (request_id, position, document, display_name, media_type,
                                 size, sha256)
SELECT i.request_id, a.position, a.document, a.display_name, a.media_type, a.size, a.sha256
FROM unnest(%b::uuid[], %b::text[]::jsonb[]) AS i(request_id, files)
CROSS JOIN LATERAL jsonb_to_recordset(i.files) AS a(
    position integer, document text, display_name text, media_type text, size bigint,
    sha256 text)
ON CONFLICT DO NOTHING
"""
# A follow-up of a request central does not have is not added (and is refused).
_UNKNOWN_REQUESTS = """
SELECT i.op_id FROM unnest(%b::uuid[], %b::uuid[]) AS i(op_id, request_id)
WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = i.request_id)
"""
_INSERT_FOLLOW_UPS = """
INSERT INTO follow_ups (id, request_id, at, by, note)
SELECT (i.payload->>'id')::uuid, i.request_id, (i.payload->>'at')::timestamptz,
       i.payload->>'by', coalesce(i.payload->>'note', '')
FROM unnest(%b::uuid[], %b::uuid[], %b::text[]::jsonb[]) AS i(op_id, request_id, payload)
WHERE EXISTS (SELECT 1 FROM requests r WHERE r.id = i.request_id)
ON CONFLICT (id) DO NOTHING
"""


def _reject(cur: psycopg.Cursor[Any], outcomes: dict[uuid.UUID, OpOutcome],
            rejected: dict[uuid.UUID, Problem]) -> None:
    if not rejected:
        return
    cur.executemany("UPDATE ops SET outcome = 'rejected', problem = %s WHERE op_id = %s",
                    [(Jsonb(_problem_json(p)), op_id) for op_id, p in rejected.items()])
    for op_id, p in rejected.items():
        outcomes[op_id] = OpOutcome(op_id, REJECTED, _problem_json(p))


def request_states(cur: psycopg.Cursor[Any], ids: Sequence[uuid.UUID], *,
                   lock: bool = False) -> dict[uuid.UUID, dict[str, Any]]:
    """The lifecycle columns of requests (JSON-ready), optionally locked in id order."""
    cur.execute(
        f"""SELECT id, {", ".join(_STATE_COLUMNS)}, updated_at, version
            FROM requests WHERE id = ANY(%s) ORDER BY id {"FOR UPDATE" if lock else ""}""",
        (list(ids),))
    rows = cur.fetchall()  # first: in pipeline mode the description comes with the rows
    names = [d.name for d in cur.description or ()]
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def _state(row: dict[str, Any]) -> LifecycleState:
    return LifecycleState(**{k: row[k] for k in _STATE_COLUMNS})


def _event_time(payload: dict[str, Any], central_now: dt.datetime) -> dt.datetime:
    # The desk's clock says when the applicant came; it is never trusted to lie in the future.
    try:
        at = dt.datetime.fromisoformat(payload["at"])
    except (KeyError, TypeError, ValueError):
        return central_now
    return min(at, central_now) if at.tzinfo else central_now


def _apply_counter_events(conn: Conn, cur: psycopg.Cursor[Any], me: Identity, policy: Policy,
                          outcomes: dict[uuid.UUID, OpOutcome],
                          events: Sequence[tuple[uuid.UUID, uuid.UUID | None, int,
                                                 dict[str, Any]]]) -> None:
    """Apply the counter's new events, in the order sent, with the lifecycle code."""
    if not events:
        return
    cur.execute("SELECT clock_timestamp()")
    now_row = cur.fetchone()
    assert now_row is not None
    central_now: dt.datetime = now_row[0]
    rows = request_states(cur, sorted({e[1] for e in events if e[1] is not None}),
                          lock=True)
    calendar = central_calendar(conn, policy, me.centre)
    changed: set[uuid.UUID] = set()
    rejected: dict[uuid.UUID, Problem] = {}
    conflicts: list[tuple[uuid.UUID, uuid.UUID, str, str, Problem]] = []
    for op_id, request_id, version, raw in events:
        payload = upgrade_payload(KIND_EVENT, version, raw)
        row = rows.get(request_id) if request_id is not None else None
        if row is None or request_id is None:
            rejected[op_id] = Problem.of("sync.request_unknown", "number", request=str(request_id))
            continue
        role = str(payload.get("role") or Role.CLERK.value)
        try:
            action = Action(payload["action"])
            Role(role)
        except (KeyError, ValueError):
            rejected[op_id] = Problem.of("sync.bad_operation", "action",
                                         detail=str(payload.get("action"))[:40])
            continue
        # The step is judged, not who took it: an applicant's answer or a withdrawal is a
        # clerk's step whoever enters it at a counter; deciding needs a deciding counter.
        if Role.CLERK not in RULES[action].roles and not me.may_decide:
            rejected[op_id] = Problem.of("request.not_permitted", "role")
            continue
        outcome = _apply(row, action, role=role, actor=str(payload.get("actor") or "?"),
                         reason=payload.get("reason"), at=_event_time(payload, central_now),
                         calendar=calendar, policy=policy)
        if isinstance(outcome, Problem):
            conflicts.append((op_id, request_id, payload["action"], row["status"], outcome))
            continue
        row.update(outcome.as_dict())
        changed.add(request_id)
    _write_states(cur, [rows[i] for i in sorted(changed)])
    _reject(cur, outcomes, rejected)
    if conflicts:
        # Central wins: marking the operation refused makes central's trigger keep it as a
        # conflict for the supervisors (counters may not write conflicts themselves).
        cur.executemany("UPDATE ops SET outcome = 'conflict', problem = %s WHERE op_id = %s",
                        [(Jsonb(_problem_json(p)), op_id) for op_id, _, _, _, p in conflicts])
        for op_id, _, _, _, p in conflicts:
            outcomes[op_id] = OpOutcome(op_id, CONFLICT, _problem_json(p))


def _apply(row: dict[str, Any], action: Action, *, role: str, actor: str, reason: str | None,
           at: dt.datetime, calendar: WorkingCalendar,
           policy: Policy) -> LifecycleState | Problem:
    state = _state(row)
    today = calendar.local_date(at)
    if state.paused_since is not None and today < state.paused_since:
        today = state.paused_since  # a desk clock running behind never shortens a pause
    return apply_action(state, action, role=role, actor=actor, reason=reason, now=at,
                        today=today, calendar=calendar,
                        resolution_working_days=policy.timing.resolution_working_days)


def _write_states(cur: psycopg.Cursor[Any], rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    cur.executemany(
        """UPDATE requests SET status = %(status)s, due_date = %(due_date)s,
               paused_working_days = %(paused_working_days)s, paused_since = %(paused_since)s,
               decision_reason = %(decision_reason)s, decided_by = %(decided_by)s,
               decided_at = %(decided_at)s, updated_at = clock_timestamp()
           WHERE id = %(id)s""", rows)


# --- decisions made centrally -------------------------------------------------------------------


def decide(conn: Conn, request: uuid.UUID | str, action: Action, *, actor: str,
           role: str = Role.SUPERVISOR.value, reason: str | None = None,
           policy: Policy, expected_status: str | None = None) -> LifecycleState | Problem:
    """A supervisor's decision made centrally (same rules); it flows down to the counter.

    ``expected_status`` is the status the supervisor's screen showed: if another decision
    came first (the row is locked, so one of two at once waits for the other), the answer is
    ``request.changed_meanwhile`` rather than a decision on a request they did not see."""
    key = "id" if isinstance(request, uuid.UUID) else "number"
    with _pipelined_transaction(conn) as cur:
        # Two statements, one wait: the row locked (one of two decisions at once waits here
        # for the other), then central's clock, read once the lock is held, and the closures
        # of the request's centre for its working days.
        cur.execute(f"SELECT id, centre, {', '.join(_STATE_COLUMNS)}, updated_at, version "
                    f"FROM requests WHERE {key} = %s FOR UPDATE", (request,))
        clock = conn.cursor()
        clock.execute(f"""SELECT clock_timestamp(), ARRAY(
                             SELECT day FROM closures WHERE centre = ''
                                 OR centre = (SELECT centre FROM requests WHERE {key} = %s))""",
                      (request,))
        found = cur.fetchone()
        names = [d.name for d in cur.description or ()]
        now_row = clock.fetchone()
        assert now_row is not None
        if found is None:
            return Problem.of("request.not_found", "number", number=str(request))
        row = dict(zip(names, found, strict=True))
        request_id, centre = row["id"], row.pop("centre")
        if expected_status is not None and row["status"] != expected_status:
            return _changed_meanwhile(row["status"])
        outcome = _apply(row, action, role=role, actor=actor, reason=reason, at=now_row[0],
                         calendar=WorkingCalendar(policy.calendar, now_row[1]), policy=policy)
        if isinstance(outcome, Problem):
            return outcome
        row.update(outcome.as_dict())
        _write_states(cur, [row])  # with the operation and the COMMIT: the second wait
        cur.execute(
            """INSERT INTO ops (op_id, centre, kind, schema_version, request_id, payload)
               VALUES (%s, %s, %s, (SELECT value::int FROM central_settings
                                    WHERE key = 'protocol_version'), %s, %s)""",
            (new_op_id(), centre, CENTRAL_DECISION, request_id,
             Jsonb({"action": action.value, "reason": reason, "actor": actor, "role": role})))
        return outcome


def _changed_meanwhile(status: str) -> Problem:
    return Problem.of("request.changed_meanwhile", "status", status=status,
                      status_ar=status_name(status, "ar"), status_en=status_name(status, "en"))


CENTRAL_ASSIGNMENT = "central.assign"


def assign(conn: Conn, number: str, assignee: str | None, *, actor: str, role: str,
           expected_assignee: str | None | object = ...) -> str | None | Problem:
    """Put a request of the caller's centre in ``assignee``'s hands (None releases it), by the
    rule of domain.assignment, locking the row; answer the new assignee or the problem.
    ``expected_assignee`` (when given) is who the screen showed."""
    from tawasul_desktop.domain.assignment import check_assignment

    with _pipelined_transaction(conn) as cur:
        cur.execute("SELECT id, centre, status, assignee FROM requests WHERE number = %s "
                    "FOR UPDATE", (number,))
        looked_up = conn.cursor()  # the assignee, in the same wait as the lock
        if assignee is not None:
            looked_up.execute("SELECT username, role, active FROM users WHERE username = %s",
                              (assignee,))
        found = cur.fetchone()
        user: tuple[Any, ...] | None = looked_up.fetchone() if assignee is not None else None
        if found is None:
            return Problem.of("request.not_found", "number", number=number)
        request_id, centre, status, current = found
        if expected_assignee is not ... and current != expected_assignee:
            return Problem.of("request.assigned_meanwhile", "assignee", assignee=current or "—")
        problem = check_assignment(role, status, assignee, user[1] if user else None,
                                   bool(user and user[2]))
        if problem is not None:
            return problem
        new: str | None = user[0] if user is not None else None
        if new == current:
            return new
        cur.execute("UPDATE requests SET assignee = %s, updated_at = clock_timestamp() "
                    "WHERE id = %s", (new, request_id))
        cur.execute(
            """INSERT INTO ops (op_id, centre, kind, schema_version, request_id, payload)
               VALUES (%s, %s, %s, (SELECT value::int FROM central_settings
                                    WHERE key = 'protocol_version'), %s, %s)""",
            (new_op_id(), centre, CENTRAL_ASSIGNMENT, request_id,
             Jsonb({"assignee": new, "previous": current, "actor": actor})))
        return new


def add_closure(conn: Conn, day: dt.date, reason: str, *, added_by: str, policy: Policy,
                centre: str = "") -> int:
    """Announce a closure day (for one centre or all) and move the due dates of open
    requests it falls into; the closure and the new due dates flow down. Returns how many moved."""
    from tawasul_desktop.domain.lifecycle import OPEN_STATES
    from tawasul_desktop.domain.timing import due_date_for

    with conn.transaction(), conn.cursor() as cur:
        cur.execute("""INSERT INTO closures (day, centre, reason, added_by) VALUES (%s, %s, %s, %s)
                       ON CONFLICT DO NOTHING RETURNING day""",
                    (day, centre, reason.strip() or "closure", added_by))
        if cur.fetchone() is None:
            return 0
        cur.execute(
            """SELECT id, centre, effective_day, due_date, paused_working_days FROM requests
               WHERE status = ANY(%s) AND effective_day <= %s AND due_date >= %s
                 AND (%s = '' OR centre = %s) ORDER BY id FOR UPDATE""",
            ([s.value for s in OPEN_STATES], day, day, centre, centre))
        calendars: dict[str, WorkingCalendar] = {}
        moves = []
        for request_id, req_centre, effective, due, paused in cur.fetchall():
            if req_centre not in calendars:
                calendars[req_centre] = central_calendar(conn, policy, req_centre)
            new_due = due_date_for(effective, calendars[req_centre],
                                   policy.timing.resolution_working_days, paused)
            if new_due != due:
                moves.append((new_due, request_id))
        cur.executemany("UPDATE requests SET due_date = %s, updated_at = clock_timestamp() "
                        "WHERE id = %s", moves)
        return len(moves)


def put_user(conn: Conn, username: str, role: str, password_hash: str, *, display_name: str = "",
             centre: str | None = None, active: bool = True) -> None:
    """Add or change a user that counters receive (to log in while offline)."""
    with conn.transaction():
        conn.execute(
            """INSERT INTO users (username, centre, display_name, role, password_hash, active)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (username) DO UPDATE SET centre = EXCLUDED.centre,
                   display_name = EXCLUDED.display_name, role = EXCLUDED.role,
                   password_hash = EXCLUDED.password_hash, active = EXCLUDED.active,
                   updated_at = now()""",
            (username, centre, display_name or username, role, password_hash, active))


def publish_catalogue(conn: Conn, content: str) -> int:
    """Publish a service catalogue (TOML, checked first) for counters; return its version."""
    import tomllib

    from tawasul_desktop.domain.catalogue import parse_catalogue

    parse_catalogue(tomllib.loads(content), "published catalogue")
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("INSERT INTO catalogue (content) VALUES (%s) RETURNING version", (content,))
        row = cur.fetchone()
        assert row is not None
        return int(row[0])


# --- pull ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedBatch:
    """Changes after a cursor, and the horizon they were read below: every transaction with
    an id under ``horizon`` had finished, so a desk that has read all its rows below it may
    move its cursor there (``next_cursor``) even when none of them was its own."""

    changes: list[Change]
    horizon: str
    limit: int
    central_now: dt.datetime  # central's clock as it answered: the desk's skew, every pass

    @property
    def complete(self) -> bool:
        """Everything below the horizon has been read (the batch was not cut by its limit)."""
        return len(self.changes) < self.limit

    def next_cursor(self, after: tuple[str, int]) -> tuple[str, int]:
        if self.complete:  # an idle desk's cursor follows the horizon: the next pull is short
            return max(after, (self.horizon, 0), key=lambda c: (int(c[0]), c[1]))
        return self.changes[-1].xid, self.changes[-1].id


# A counter's feed, in three parts each read from the (centre, counter, xid, id) index in the
# xid8 column's own order (never its text: "1000" sorts before "999"): rows for every centre,
# for this centre, for this counter. Row security admits exactly these; naming them lets each
# part walk its own index range, so an idle desk reads its own rows only and a catching-up
# desk reads each row once. Each part stops at the batch's limit; the merge sorts <= 3 limits.
_FEED_PARTS = ("centre IS NULL AND counter IS NULL",
               "centre = (SELECT tawasul_centre()) AND counter IS NULL",
               "centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter())")
_AFTER = "(xid, id) > (%(xid)s::xid8, %(id)s::bigint)"
_UP_TO = "(xid, id) <= (%(xid)s::xid8, %(id)s::bigint)"
_BELOW_HORIZON = "xid < pg_snapshot_xmin(pg_current_snapshot())"
# The months of the feed (c0009) a cursor may still need: a value, not a subquery, so the
# planner leaves the older months out (planning every month kept costs more than the read).
_SINCE = "at >= coalesce(%(since)s::timestamptz, '-infinity')"
_FEED = ("SELECT f.id, f.xid::text AS xid_text, f.kind, f.entity_id, f.payload FROM ("
         + " UNION ALL ".join(f"(SELECT * FROM changes WHERE {who} AND {_AFTER} AND "
                              f"{_SINCE} AND {_BELOW_HORIZON} ORDER BY xid, id LIMIT %(limit)s)"
                              for who in _FEED_PARTS)
         + ") f ORDER BY f.xid, f.id LIMIT %(limit)s")


def feed_since(conn: Conn, xid: str) -> dt.datetime | None:
    """The earliest time a feed row after a cursor at ``xid`` may carry (c0009's monthly
    floors); None: any (no floor passed yet, or a central before c0009). Its own statement:
    the floors only ever grow and each holds whatever the snapshot, so the pull's snapshot
    need not include it."""
    try:
        with contextlib.nullcontext() if conn.autocommit else conn.transaction(), \
                conn.cursor() as cur:
            cur.execute("SELECT tawasul_feed_since(%s::xid8)", (xid,))
            row = cur.fetchone()
    except psycopg.errors.UndefinedFunction:
        return None
    return row[0] if row else None


# The whole pull in one statement (its own transaction): one snapshot serves the horizon and
# the scan (pg_current_snapshot() is the statement's), so no REPEATABLE READ transaction, no
# SET, one round trip; the horizon and central's clock come even when no row does.
# The payload comes as its text and a batch's payloads are decoded in one json.loads (a
# JSON array of them): per row, psycopg's jsonb loader spent more than the statement did.
_PULL = ("SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon, "
         "clock_timestamp() AS now, f.id, f.xid_text, f.kind, f.entity_id, f.payload::text "
         "FROM (SELECT 1) AS one LEFT JOIN ("
         + _FEED.replace("SELECT f.id,", "SELECT f.xid, f.id,", 1)
         + ") AS f ON true ORDER BY f.xid, f.id")
# The same columns from central's tawasul_pull() (c0011), the payload as text likewise.
_PULL_FUNCTION = ("SELECT horizon, now, id, xid_text, kind, entity_id, payload::text "
                  "FROM tawasul_pull(%(xid)s::xid8, %(id)s::bigint, %(limit)s)")


# Centrals without tawasul_pull() (before c0011), by server address: asked once a process.
_NO_PULL_FUNCTION: set[tuple[str, str, str]] = set()


def pull_changes(conn: Conn, after: tuple[str, int], limit: int) -> FeedBatch:
    """Changes after the cursor, in commit-safe order, never skipping one.

    Only rows of transactions older than the snapshot's xmin are read: every one of those has
    finished, so no transaction can still commit a row that sorts before the cursor. One
    statement, so one snapshot, serves both the xmin and the scan: central's
    ``tawasul_pull()`` (c0011), whose plan a pooled server connection keeps, or the same
    statement sent whole to an older central.
    """
    server = (conn.info.host, str(conn.info.port), conn.info.dbname)
    params = {"xid": after[0], "id": after[1], "limit": limit}
    rows: list[tuple[Any, ...]] | None = None
    if server not in _NO_PULL_FUNCTION:
        try:
            with contextlib.nullcontext() if conn.autocommit else conn.transaction(), \
                    conn.cursor() as cur:
                cur.execute(_PULL_FUNCTION, params)
                rows = cur.fetchall()
        except psycopg.errors.UndefinedFunction:
            _NO_PULL_FUNCTION.add(server)
    if rows is None:
        since = feed_since(conn, after[0])  # its own statement: a value the planner prunes with
        with conn.cursor() as cur:
            cur.execute(_PULL, {**params, "since": since})
            rows = cur.fetchall()
    found = [r for r in rows if r[2] is not None]
    payloads = _json_values([r[6] for r in found])
    changes = [Change(r[2], r[3], r[4], r[5], payload)
               for r, payload in zip(found, payloads, strict=True)]
    return FeedBatch(changes, rows[0][0], limit, rows[0][1])


@dataclass(frozen=True)
class DeskPass:
    """An idle pass's one answer (c0012): central's revision, the oldest desk revision it
    serves, the counter it acted for ((None, None): nobody), whether that login is bound to the
    desk store that asked, and the first batch of the feed."""

    revision: str
    serves_from: str | None
    place: tuple[str | None, int | None]
    bound: bool
    batch: FeedBatch


# The function and the types named with their schema: on a pooled server connection another
# client may have left its own search path, with temporary types first in it.
_DESK_PASS = ("SELECT revision, serves_from, centre, counter, bound, horizon, now, id, "
              "xid_text, kind, entity_id, payload FROM {}.tawasul_desk_pass(%(role)s, %(key)s, "
              "%(desk)s, %(xid)s::pg_catalog.xid8, %(id)s::pg_catalog.int8, %(limit)s)")
# Centrals without tawasul_desk_pass() (before c0012), by server address: asked once a process.
_NO_DESK_PASS: set[tuple[str, str, str]] = set()


def desk_pass(conn: Conn, schema: str, desk: tuple[str, str] | None, store_id: uuid.UUID,
              after: tuple[str, int], limit: int) -> DeskPass | None:
    """The compatibility check and the first pull in one statement, one transaction (c0012);
    ``desk`` (role, key) names the counter on the shared login for that transaction only, so
    the connection may be a pooled one (PgBouncer, transaction mode) held between passes;
    ``schema`` is central's (as a clean session finds it: the pooled one may say otherwise).
    None from a central without it: the desk makes a pass of several statements instead."""
    server = (conn.info.host, str(conn.info.port), conn.info.dbname)
    if server in _NO_DESK_PASS:
        return None
    role, key = desk if desk is not None else (None, None)
    try:
        with contextlib.nullcontext() if conn.autocommit else conn.transaction(), \
                conn.cursor() as cur:
            cur.execute(sql.SQL(_DESK_PASS).format(sql.Identifier(schema)),
                        {"role": role, "key": key, "desk": store_id,
                         "xid": after[0], "id": after[1], "limit": limit})
            rows = cur.fetchall()
    except psycopg.errors.UndefinedFunction:
        _NO_DESK_PASS.add(server)
        return None
    first = rows[0]
    found = [r for r in rows if r[7] is not None]
    payloads = _json_values([r[11] for r in found])
    changes = [Change(r[7], r[8], r[9], r[10], payload)
               for r, payload in zip(found, payloads, strict=True)]
    return DeskPass(first[0], first[1], (first[2], first[3]), bool(first[4]),
                    FeedBatch(changes, first[5], limit, first[6]))


def _json_values(texts: Sequence[str | None]) -> list[Any]:
    """Each JSON text decoded (None for SQL NULL), as json.loads of each would: one parse of
    them all as a JSON array (each is a whole JSON value from PostgreSQL's own output)."""
    if not texts:
        return []
    values: list[Any] = json.loads("[" + ",".join("null" if t is None else t for t in texts)
                                   + "]")
    return values


def feed_position(conn: Conn, after: tuple[str, int]) -> tuple[int, int]:
    """(rows of this desk's feed at or before the cursor, rows after it below the horizon):
    what central says a desk with this cursor should have received, and what still waits.
    One statement: one snapshot for both counts."""
    seen = " + ".join(f"(SELECT count(*) FROM changes WHERE {who} AND {_UP_TO})"
                      for who in _FEED_PARTS)
    waiting = " + ".join(f"(SELECT count(*) FROM changes WHERE {who} AND {_AFTER} "
                         f"AND {_BELOW_HORIZON})" for who in _FEED_PARTS)
    with conn.cursor() as cur:
        cur.execute(f"SELECT {seen}, {waiting}", {"xid": after[0], "id": after[1]})
        row = cur.fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


# --- attachments -----------------------------------------------------------------------------


def blob_present(conn: Conn, sha256: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM blobs WHERE sha256 = %s", (sha256,))
        return cur.fetchone() is not None


def blobs_present(conn: Conn, digests: Sequence[str]) -> set[str]:
    """Which of these files central holds already (one round trip for a batch)."""
    if not digests:
        return set()
    with conn.cursor() as cur:
        cur.execute("SELECT sha256 FROM blobs WHERE sha256 = ANY(%s)", (list(digests),))
        return {str(r[0]) for r in cur.fetchall()}


def upload_offset(conn: Conn, sha256: str) -> int:
    """How many leading bytes of this file central already holds from this uploader."""
    with conn.cursor() as cur:
        cur.execute("""SELECT coalesce(max(pos + length(data)), 0) FROM blob_chunks
                       WHERE sha256 = %s AND uploader = """ + ME, (sha256,))
        row = cur.fetchone()
        return int(row[0]) if row else 0


def put_chunk(conn: Conn, sha256: str, pos: int, data: bytes) -> None:
    """Store one chunk, committed on its own (one statement, one round trip: the connection is
    in autocommit), so an interrupted upload resumes after it."""
    with contextlib.nullcontext() if conn.autocommit else conn.transaction():
        conn.execute("INSERT INTO blob_chunks (sha256, pos, data) VALUES (%s, %s, %s) "
                     "ON CONFLICT DO NOTHING", (sha256, pos, data))


def put_files(conn: Conn, files: Sequence[tuple[str, int, bytes]],
              fault_hook: FaultHook | None = None) -> None:
    """Store many small files whole in one transaction and one statement, pipelined (one
    round trip for the lot; central c0009's ``tawasul_put_files``). Each is verified
    centrally (its request, size and hash) as a single file is; one that fails fails the
    batch (psycopg.Error): the caller then sends them one by one. A file central has
    meanwhile is skipped."""
    columns = ([f[0] for f in files], [f[1] for f in files], [f[2] for f in files])
    try:
        with _pipelined_transaction(conn) as cur:
            cur.execute("SELECT tawasul_put_files(%s::char(64)[], %s::bigint[], %s::bytea[])",
                        columns)
            if fault_hook is not None:
                fault_hook("upload.before_commit", conn)
    except psycopg.errors.UndefinedFunction:  # a central before c0009: the rows one statement
        with _pipelined_transaction(conn) as cur:
            cur.execute("INSERT INTO blobs (sha256, size, content) "
                        "SELECT * FROM unnest(%s::char(64)[], %s::bigint[], %s::bytea[]) "
                        "ON CONFLICT (sha256) DO NOTHING", columns)
            if fault_hook is not None:
                fault_hook("upload.before_commit", conn)


def finish_blob(conn: Conn, sha256: str, size: int) -> bool:
    """Assemble the chunks; the bytes are verified before the row can exist (c0001: a CHECK;
    c0009: the register's trigger and blob_contents' CHECK). False (staging cleared, to
    restart) if the bytes are incomplete or do not match. "Attachments pending" clears by
    trigger (c0007) for every request holding the file."""
    try:
        with _pipelined_transaction(conn) as cur:
            cur.execute(
                f"""INSERT INTO blobs (sha256, size, content)
                   SELECT %(sha)s, %(size)s, string_agg(data, ''::bytea ORDER BY pos)
                   FROM blob_chunks WHERE sha256 = %(sha)s AND uploader = {ME}
                   HAVING coalesce(sum(length(data)), 0) = %(size)s
                   ON CONFLICT (sha256) DO NOTHING""", {"sha": sha256, "size": size})
            cur.execute(f"DELETE FROM blob_chunks WHERE sha256 = %s AND uploader = {ME}",
                        (sha256,))
            cur.execute("SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = %s)", (sha256,))
        found = cur.fetchone()  # read after the commit: the answer came back with it
        return bool(found and found[0])
    except psycopg.errors.CheckViolation:
        log.warning("attachment %s… did not match its hash centrally; it will be sent again",
                    sha256[:12])
        conn.execute(f"DELETE FROM blob_chunks WHERE sha256 = %s AND uploader = {ME}",
                     (sha256,))
        return False


def attachments_arrived(conn: Conn, sha256: str | Sequence[str]) -> None:
    """Clear "attachments pending" on requests whose files are now all present (central's
    trigger does so as a file arrives, c0007; kept for a file found there already)."""
    digests = [sha256] if isinstance(sha256, str) else list(sha256)
    if not digests:
        return
    conn.execute(  # locked first, in the order of their ids, as c0013's trigger does
        """WITH held AS MATERIALIZED (
               SELECT r.id FROM requests r
               WHERE r.attachments_pending
                 AND r.id IN (SELECT request_id FROM request_attachments
                              WHERE sha256 = ANY(%s))
               ORDER BY r.id FOR NO KEY UPDATE)
           UPDATE requests r SET attachments_pending = false
           FROM held
           WHERE r.id = held.id AND r.attachments_pending
             AND NOT EXISTS (SELECT 1 FROM request_attachments a
                             WHERE a.request_id = r.id
                               AND NOT EXISTS (SELECT 1 FROM blobs b
                                               WHERE b.sha256 = a.sha256))""", (digests,))


# --- audit -----------------------------------------------------------------------------------


def push_audit(conn: Conn, store_id: uuid.UUID, entries: Sequence[tuple[Any, ...]],
               identity: Identity) -> int:
    """Upload audit entries (seq, hash, at, actor, action, entity, entity_id, old, new,
    prev_hash); entries already there are skipped. Returns how many were new. One statement
    (its own transaction), the entries as arrays: no temp table, no session state."""
    if not entries:
        return 0
    columns = list(zip(*entries, strict=True))
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO audit_entries (store_id, seq, hash, centre, counter, at, actor, action,
                                          entity, entity_id, old, new, prev_hash)
               SELECT %s, e.seq, e.hash, %s, %s, e.at, e.actor, e.action, e.entity, e.entity_id,
                      e.old, e.new, e.prev_hash
               FROM unnest(%b::bigint[], %b::text[], %b::timestamptz[], %b::text[], %b::text[],
                           %b::text[], %b::text[], %b::text[], %b::text[], %b::text[])
                    AS e(seq, hash, at, actor, action, entity, entity_id, old, new, prev_hash)
               ORDER BY e.seq ON CONFLICT DO NOTHING""",
            (store_id, identity.centre, identity.counter, *(list(c) for c in columns)))
        return cur.rowcount


def dumps_problem(problem: dict[str, Any] | None) -> str | None:
    return None if problem is None else json.dumps(problem, ensure_ascii=False)
