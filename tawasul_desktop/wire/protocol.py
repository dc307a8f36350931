"""What travels between a counter and central: operation kinds, schema versions, JSON form.

Every operation carries the schema version it was written with. Central accepts its current
version and the one before, so operations left pending across an application upgrade still go
up; anything else is refused with a message saying which side to upgrade.

Versions: 1 — the first layout (events did not name the actor's role: taken as a clerk's);
2 — events name the actor's role (a supervisor's decision on a single desk goes up too).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

OP_SCHEMA_VERSION = 2

KIND_SUBMIT = "request.submit"
KIND_EVENT = "request.event"
KIND_FOLLOW_UP = "request.follow_up"
KIND_BLOB = "blob.upload"
KINDS = (KIND_SUBMIT, KIND_EVENT, KIND_FOLLOW_UP, KIND_BLOB)

# Outbox states. Applied operations are deleted; refused ones stay with their reason.
PENDING, CONFLICT, REJECTED = "pending", "conflict", "rejected"
# What central answers per operation (conflict and rejected as above).
APPLIED, DUPLICATE = "applied", "duplicate"

# A desk's audit log, pushed up to central, names changes that came down from central by
# this actor; a request's status or assignee set centrally is logged with ECHO_ACTION.
CENTRAL_ACTOR = "central"
ECHO_ACTION = "sync.request_changed"


def json_default(value: Any) -> Any:
    """How the wire's JSON writes what JSON has no type for (the encoder's ``default``)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a sync payload")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def one_shot(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """``encoder.encode`` with its C scanner made once: ``JSONEncoder.encode`` builds one per
    value, which costs as much as the encoding itself over a pull's thousands of audit entries
    or an import's outbox entries and line keys.
    The scanner is the one ``encode`` would use, so the text is the same (tested against
    json.dumps); without the C accelerator, or if its signature ever changes, plain encode."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:
        return encoder.encode
    escape = (json.encoder.encode_basestring_ascii if encoder.ensure_ascii
              else json.encoder.encode_basestring)
    try:  # no circular check (markers None): what is written is plain data, never a cycle
        scan = make(None, encoder.default, escape, None, encoder.key_separator,
                    encoder.item_separator, encoder.sort_keys, encoder.skipkeys,
                    encoder.allow_nan)
    except TypeError:
        return encoder.encode
    join = "".join

    def encode(value: Any) -> str:
        return join(scan(value, 0))

    return encode


# Made once: json.dumps with options builds an encoder per call (an import writes an
# outbox entry per request). The text is the same as json.dumps with these options.
_ENCODER = json.JSONEncoder(default=json_default, ensure_ascii=False, separators=(",", ":"))
_encode = one_shot(_ENCODER)


def dumps(obj: Any) -> str:
    return _encode(obj)


def upgrade_payload(kind: str, version: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Bring an accepted older operation to the current layout."""
    if kind == KIND_EVENT and version < 2:
        payload = {**payload, "role": payload.get("role") or "clerk"}
    return payload


@dataclass(frozen=True)
class OutgoingOp:
    """An outbox entry as sent: the payload is the JSON text written at the desk."""

    op_id: uuid.UUID
    seq: int
    kind: str
    schema_version: int
    request_id: uuid.UUID | None
    counter_time: dt.datetime
    payload: str


@dataclass(frozen=True)
class OpOutcome:
    op_id: uuid.UUID
    outcome: str  # applied | duplicate | conflict | rejected
    problem: dict[str, Any] | None = None
    central_state: dict[str, Any] | None = None  # the request as central has it (conflicts)


@dataclass(frozen=True)
class Change:
    id: int
    xid: str
    kind: str  # request | closure | user | catalogue
    entity_id: str
    payload: dict[str, Any]
