"""Give fresh numbers to requests central refused because their number was taken.

When two desks were set up as the same counter, the desk that synced second had requests
refused for good (``sync.number_taken``) although applicants hold receipts with those
numbers. ``renumber_taken`` (``tawasul sync renumber``, for administrators) gives each such
request the next number free both here and centrally, records the old number in the audit
log (which a reprinted receipt shows), and sends the request again with everything of it
that central refused for not knowing it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import select

from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.models import AuditEntry, NumberSequence, OutboxEntry, Request
from tawasul_desktop.storage.requests import reserve_numbers
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor
from tawasul_desktop.wire.protocol import KIND_SUBMIT, PENDING, REJECTED, dumps

RENUMBER_ACTION = "request.renumber"
_TAKEN = "sync.number_taken"
_UNKNOWN = "sync.request_unknown"


@dataclass(frozen=True)
class Renumbered:
    request_id: uuid.UUID
    old: str
    new: str


def _central_last(conn: psycopg.Connection[Any], centre: str, counter: int,
                  year: int) -> int:
    """The highest sequence central holds for a counter's year (whoever's request it is)."""
    with conn.cursor() as cur:
        cur.execute("""SELECT coalesce(max(substr(number, 8, 6)::int), 0) FROM requests
                       WHERE centre = %s AND counter = %s AND substr(number, 6, 2) = %s""",
                    (centre, counter, f"{year:02d}"))
        row = cur.fetchone()
    return int(row[0]) if row else 0


def _code(entry: OutboxEntry) -> str | None:
    code: str | None = json.loads(entry.problem or "{}").get("code")
    return code


def renumber_taken(store: Store, conn: psycopg.Connection[Any], actor: Actor,
                   now: dt.datetime | None = None) -> list[Renumbered]:
    """Renumber every request whose submission central refused as ``sync.number_taken``;
    one unit of work. ``conn`` is this desk's central connection (to skip numbers used
    there). Returns what changed; the next sync sends them."""
    now = now or dt.datetime.now(dt.UTC)
    done: list[Renumbered] = []
    with store.write() as session:
        refused = [e for e in session.execute(
            select(OutboxEntry).where(OutboxEntry.state == REJECTED)).scalars()]
        taken = [e for e in refused if e.kind == KIND_SUBMIT and _code(e) == _TAKEN]
        if not taken:
            return []
        audit = AuditLog(session)
        last_central: dict[tuple[str, int, int], int] = {}
        for entry in taken:
            req = session.get(Request, entry.request_id)
            if req is None:
                continue
            old = parse_number(req.number)
            key = (old.centre, old.counter, old.year)
            if key not in last_central:
                last_central[key] = _central_last(conn, *key)
                seq = session.get(NumberSequence, key, with_for_update=True)
                if seq is not None and seq.last < last_central[key]:
                    seq.last = last_central[key]
                elif seq is None:
                    session.add(NumberSequence(centre=old.centre, counter=old.counter,
                                               year=old.year, last=last_central[key]))
                session.flush()
            (new,) = reserve_numbers(session, old.centre, old.counter, old.year)
            req.number = new
            payload = json.loads(entry.payload)
            payload["request"]["number"] = new
            entry.payload = dumps(payload)
            entry.op_id, entry.state, entry.problem, entry.settled_at = (uuid.uuid4(), PENDING,
                                                                         None, None)
            audit.record(actor.username, RENUMBER_ACTION, "request", str(req.id),
                         old=old.digits, new=new, at=now)
            done.append(Renumbered(req.id, old.digits, new))
        # What central refused for not knowing these requests goes again after them.
        ids = {r.request_id for r in done}
        for entry in refused:
            if entry.request_id in ids and entry.kind != KIND_SUBMIT and _code(entry) == _UNKNOWN:
                entry.op_id, entry.state, entry.problem, entry.settled_at = (
                    uuid.uuid4(), PENDING, None, None)
    return done


def former_numbers(store: Store, request_id: uuid.UUID) -> list[str]:
    """The numbers a request had before it was renumbered, oldest first (from the audit log)."""
    with store.read() as session:
        rows = session.execute(
            select(AuditEntry.old).where(AuditEntry.entity == "request",
                                         AuditEntry.entity_id == str(request_id),
                                         AuditEntry.action == RENUMBER_ACTION)
            .order_by(AuditEntry.seq)).scalars().all()
    return [str(json.loads(r)) for r in rows if r]
