"""One request as the supervisor's detail pane shows it, read from the central PostgreSQL.

The pane over central (central.queue) gets the same shapes a desk's store gives it
(storage.desk_queue): ``storage.models.Attachment`` rows (detached, from
``request_attachments``), the files' bytes (from ``blobs``, verified against their digest)
and ``storage.queue.TimelineEntry`` lines. Everything is read under the supervisor's own
role, so row-level security keeps it to their centre.

The history merges two sources: the counters' audit logs (pushed up by sync) and the
decisions and assignments made centrally (``ops`` of kind central.decision/central.assign).
A counter re-logs a central decision it pulled as ``sync.request_changed`` by the central
actor; that echo is left out when the decision it brought down is in ``ops``. Each line
keeps the time its own clock recorded; they are ordered on central's clock, using the skew
central measured when that counter last pushed an operation for the request, so a desk
whose clock runs fast never shows a decision before the submission it answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import logging
import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tawasul_desktop.central.operations import CENTRAL_ASSIGNMENT, CENTRAL_DECISION
from tawasul_desktop.domain.lifecycle import RULES, Action
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage.desk_queue import check_digest
from tawasul_desktop.storage.models import Attachment, Request
from tawasul_desktop.storage.queue import TimelineEntry
from tawasul_desktop.storage.requests import display_number, number_or_problem
from tawasul_desktop.storage.store import Store
from tawasul_desktop.wire.protocol import CENTRAL_ACTOR, ECHO_ACTION

log = logging.getLogger(__name__)



def load_request(store: Store, number: str) -> tuple[Request, list[TimelineEntry]]:
    """The request (detached, with follow-ups and attachments) and its history, oldest first."""
    digits = number_or_problem(number)
    with store.read() as session:
        req = session.execute(select(Request).where(Request.number == digits)).scalar_one_or_none()
        if req is None:
            raise TawasulError.of("request.not_found", "number", invalid_input=False,
                                  number=display_number(digits))
        session.refresh(req, attribute_names=["follow_ups"])
        attachments = central_attachments(session, req.id)
        timeline = central_timeline(session, req.id)
    # Set on the detached request: never seen by a session, so nothing tries to write them.
    set_committed_value(req, "attachments", attachments)
    return req, timeline


def central_attachments(session: Session, request_id: uuid.UUID) -> list[Attachment]:
    rows = session.execute(text(
        "SELECT position, document, display_name, media_type, size, sha256 "
        "FROM request_attachments WHERE request_id = :id ORDER BY position"),
        {"id": request_id}).all()
    return [Attachment(request_id=request_id, position=r.position, document=r.document,
                       display_name=r.display_name, media_type=r.media_type, size=int(r.size),
                       sha256=r.sha256.strip()) for r in rows]


# --- files ------------------------------------------------------------------------------------


def read_attachment(store: Store, sha256: str) -> bytes:
    """An attachment's bytes over central, checked against their digest: from this desk's
    own files when it holds them (no network), otherwise from central's ``blobs``.

    Raises TawasulError ``attachment.pending_upload`` while the counter has not finished
    uploading it, ``attachment.not_available`` when no request the role may read has it."""
    check_digest(sha256)
    if store.blobs.exists(sha256):
        content = store.blobs.read(sha256)
        if hashlib.sha256(content).hexdigest() == sha256:
            return content
        log.warning("local attachment file %s… does not match its digest", sha256[:12])
    with store.read() as session:
        # The register says the file arrived; its bytes sit in a month of blob_contents (c0009).
        found = session.execute(text("SELECT c.content FROM blobs b JOIN blob_contents c "
                                     "ON c.sha256 = b.sha256 WHERE b.sha256 = :sha LIMIT 1"),
                                {"sha": sha256}).scalar_one_or_none()
        if found is None:
            raise _missing(session, sha256)
    content = bytes(found)
    # The table's CHECK already refuses bytes that do not hash to their name; checked again
    # here because what reaches the screen is what counts.
    if hashlib.sha256(content).hexdigest() != sha256:
        raise TawasulError.of("attachment.damaged", "attachment", invalid_input=False)
    return content


def _missing(session: Session, sha256: str) -> TawasulError:
    row = session.execute(text(
        "SELECT r.counter FROM request_attachments a JOIN requests r ON r.id = a.request_id "
        "WHERE a.sha256 = :sha ORDER BY r.submitted_at LIMIT 1"), {"sha": sha256}).first()
    if row is None:
        return TawasulError.of("attachment.not_available", "attachment", invalid_input=False)
    return TawasulError.of("attachment.pending_upload", "attachment", invalid_input=False,
                           counter=row.counter)


# --- history ----------------------------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    # timestamptz comes back aware (the session runs in UTC); a naive one is UTC already.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _json(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _target(action: str) -> str | None:
    try:
        return RULES[Action(action)].target.value
    except ValueError:  # an action a newer version wrote: shown as coded, status unknown
        return None


def _echoes(old: dict[str, Any], new: dict[str, Any], decided: set[str],
            assigned: set[str | None]) -> bool:
    """Whether a counter's ``sync.request_changed`` entry only repeats central operations:
    each thing it changed (status, assignee) was set by one of them."""
    status_moved = old.get("status") != new.get("status")
    # Newer desks name the assignee only when central changed it (sync.local).
    assignee_moved = "assignee" in new and old.get("assignee") != new.get("assignee")
    if not (status_moved or assignee_moved):
        return False  # e.g. a due date moved by a central closure: only the echo tells it
    if status_moved and new.get("status") not in decided:
        return False
    if assignee_moved and new.get("assignee") not in assigned:
        return False
    # Without a new status, a moved due date came from something else (a closure).
    return status_moved or old.get("due_date") == new.get("due_date")


def central_timeline(session: Session, request_id: uuid.UUID) -> list[TimelineEntry]:
    """The request's history over central, oldest first (see the module's text)."""
    ops = session.execute(text(
        "SELECT kind, counter, received_at, clock_skew_seconds, payload::text AS payload "
        "FROM ops WHERE request_id = :id AND outcome = 'applied' ORDER BY seq"),
        {"id": request_id}).all()
    skew: dict[int, float] = {}  # counter -> central minus counter clock, latest push
    central: list[tuple[dt.datetime, TimelineEntry]] = []
    decided: set[str] = set()  # statuses central decisions set
    assigned: set[str | None] = set()  # assignees central set (None: released)
    for op in ops:
        if op.counter is not None:
            if op.clock_skew_seconds is not None:
                skew[op.counter] = float(op.clock_skew_seconds)
            continue
        at, data = _utc(op.received_at), _json(op.payload)
        actor = str(data.get("actor") or "")
        if op.kind == CENTRAL_DECISION:
            action = str(data.get("action") or "")
            status = _target(action)
            if status:
                decided.add(status)
            central.append((at, TimelineEntry(at, actor, f"request.{action}", status,
                                              data.get("reason"), None)))
        elif op.kind == CENTRAL_ASSIGNMENT:
            assigned.add(data.get("assignee"))
            central.append((at, TimelineEntry(at, actor, "request.assign", None, None,
                                              data.get("assignee"))))

    rows = session.execute(text(
        "SELECT store_id, counter, at, actor, action, old, new FROM audit_entries "
        "WHERE entity = 'request' AND entity_id = :id ORDER BY store_id, seq, received_at"),
        {"id": str(request_id)}).all()
    # One list per counter's log, in its own order; merged with central's by central's clock.
    logs: dict[uuid.UUID, list[tuple[dt.datetime, TimelineEntry]]] = {}
    for r in rows:
        old, new = _json(r.old), _json(r.new)
        if (r.actor == CENTRAL_ACTOR and r.action == ECHO_ACTION
                and _echoes(old, new, decided, assigned)):
            continue  # central's own decision or assignment pulled down: shown once, from ops
        at = _utc(r.at)
        entry = TimelineEntry(at, r.actor, r.action, new.get("status"), new.get("reason"),
                              new.get("assignee"))
        order = at + dt.timedelta(seconds=skew.get(r.counter, 0.0))
        logs.setdefault(r.store_id, []).append((order, entry))
    merged = heapq.merge(central, *logs.values(), key=lambda pair: pair[0])
    return [entry for _, entry in merged]


__all__ = ["central_attachments", "central_timeline", "load_request",
           "read_attachment"]
