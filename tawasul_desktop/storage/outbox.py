"""The transactional outbox: local operations record what must go up, in their own transaction.

Each function is ONE call made by a storage operation inside its unit of work, so a local
change and its outbox entry commit together or not at all. Operations get client-made UUIDs
(``op_id``) that make uploading them idempotent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from tawasul_desktop.storage.models import OutboxEntry
from tawasul_desktop.storage.raw_sql import insert_rows
from tawasul_desktop.wire.opids import new_op_id
from tawasul_desktop.wire.protocol import (
    KIND_BLOB,
    KIND_EVENT,
    KIND_FOLLOW_UP,
    KIND_SUBMIT,
    OP_SCHEMA_VERSION,
    PENDING,
    dumps,
    json_default,
)

if TYPE_CHECKING:
    from tawasul_desktop.storage.models import FollowUp, Request
    from tawasul_desktop.storage.requests import NewRequestRows
    from tawasul_desktop.storage.users import Actor

_ATTACHMENT_KEYS = ("position", "document", "display_name", "media_type", "size", "sha256")


def _entry(kind: str, request_id: uuid.UUID | None, now: dt.datetime,
           payload: Any) -> dict[str, Any]:
    return {"op_id": new_op_id(), "kind": kind, "schema_version": OP_SCHEMA_VERSION,
            "request_id": request_id, "created_at": now, "payload": dumps(payload),
            "state": PENDING}


_JSON_NATIVE = (str, int, float, list, tuple, dict, type(None))
# Those exact types, found with one set look-up (most of a row's values); their subclasses
# still pass by isinstance.
_PLAIN_TYPES = frozenset((str, int, float, bool, list, tuple, dict, type(None)))


def _as_text(row: dict[str, Any], moments: dict[tuple[Any, ...], Any]) -> dict[str, Any]:
    """``row`` with each value the wire's JSON writes through its ``default`` turned already,
    by that same function: the same text, without a call back from the encoder for every
    value, and a batch's moments and dates (most rows share them) turned once each."""
    out = dict(row)
    for key, value in row.items():
        kind = type(value)
        if kind in _PLAIN_TYPES or isinstance(value, _JSON_NATIVE):
            continue
        if isinstance(value, dt.date):  # and datetimes; equal instants may differ in offset
            offset = value.utcoffset() if isinstance(value, dt.datetime) else None
            seen = (kind, value, offset)
            text = moments.get(seen)
            if text is None:
                text = moments[seen] = json_default(value)
            out[key] = text
        else:
            out[key] = json_default(value)
    return out


def enqueue_new_requests(session: Session, new: Sequence[NewRequestRows], now: dt.datetime) -> None:
    """Queue confirmed requests (with their attachments' metadata) and their files' uploads."""
    entries = []
    files: dict[str, int] = {}
    moments: dict[tuple[Any, ...], Any] = {}
    for n in new:
        attachments = [{k: a[k] for k in _ATTACHMENT_KEYS} for a in n.attachments]
        entries.append(_entry(KIND_SUBMIT, n.row["id"], now,
                              {"request": _as_text(n.row, moments), "attachments": attachments}))
        for a in n.attachments:
            files.setdefault(a["sha256"], a["size"])
    # Files go after all requests: a request syncs at once, marked as having attachments pending.
    entries.extend(_entry(KIND_BLOB, None, now, {"sha256": sha, "size": size})
                   for sha, size in files.items())
    # Driver insert: the ORM bulk path and Core's executemany only add per-row bookkeeping.
    insert_rows(session.connection(), cast(Table, OutboxEntry.__table__), entries)


def enqueue_event(session: Session, req: Request, action: str, actor: Actor, reason: str | None,
                  from_status: str, now: dt.datetime) -> None:
    """Queue a lifecycle action taken at this desk; central applies it by the same rules."""
    session.execute(insert(OutboxEntry), [_entry(KIND_EVENT, req.id, now, {
        "action": str(action), "reason": reason, "actor": actor.username, "role": actor.role,
        "from": from_status, "to": req.status, "at": now})])


def enqueue_follow_up(session: Session, follow: FollowUp, now: dt.datetime) -> None:
    session.execute(insert(OutboxEntry), [_entry(KIND_FOLLOW_UP, follow.request_id, now, {
        "id": follow.id, "at": follow.at, "by": follow.by, "note": follow.note})])
