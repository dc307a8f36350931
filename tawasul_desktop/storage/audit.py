"""Append-only audit log chained by hashes: editing or deleting an entry breaks the chain.

Each entry's hash is sha256 over the previous hash and the entry's canonical JSON content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tawasul_desktop.storage.models import AuditEntry

GENESIS = "0" * 64


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def entry_hash(
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    old: str | None,
    new: str | None,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            entity,
            entity_id,
            old,
            new,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditLog:
    """Appends entries within the caller's transaction (the caller holds the write lock)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._last: str | None = None

    def _last_hash(self) -> str:
        if self._last is None:
            row = self.session.execute(
                select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
            ).scalar_one_or_none()
            self._last = row or GENESIS
        return self._last

    def record(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: str,
        old: Any = None,
        new: Any = None,
        at: dt.datetime | None = None,
    ) -> None:
        self.record_many([(actor, action, entity, entity_id, old, new)], at=at)

    def record_many(
        self, items: list[tuple[str, str, str, str, Any, Any]], at: dt.datetime | None = None
    ) -> None:
        when = at or dt.datetime.now(dt.UTC)
        prev = self._last_hash()
        rows = []
        for actor, action, entity, entity_id, old, new in items:
            old_s, new_s = _canonical(old), _canonical(new)
            digest = entry_hash(prev, when, actor, action, entity, entity_id, old_s, new_s)
            rows.append(
                {
                    "at": when,
                    "actor": actor,
                    "action": action,
                    "entity": entity,
                    "entity_id": entity_id,
                    "old": old_s,
                    "new": new_s,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        if rows:
            self.session.execute(insert(AuditEntry), rows)
            self._last = prev


@dataclass(frozen=True)
class HistoryLine:
    """One step in the life of a record, as the audit log tells it."""

    at: dt.datetime
    actor: str
    action: str


def history_for(session: Session, entity: str, entity_id: str) -> list[HistoryLine]:
    """What happened to one record (``entity`` such as "request", and its id), oldest first."""
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.seq)
    ).all()
    return [HistoryLine(at, actor, action) for at, actor, action in rows]


@dataclass(frozen=True)
class AuditBreak:
    seq: int
    reason: str


def verify_chain(session: Session, batch: int = 5000) -> tuple[int, list[AuditBreak]]:
    """Walk the whole log; return (entries checked, breaks found)."""
    breaks: list[AuditBreak] = []
    prev = GENESIS
    expected_seq: int | None = None
    count = 0
    for entry in _iter_entries(session, batch):
        count += 1
        if expected_seq is not None and entry.seq != expected_seq:
            breaks.append(
                AuditBreak(expected_seq, f"entries {expected_seq}..{entry.seq - 1} are missing")
            )
        if entry.prev_hash != prev:
            breaks.append(AuditBreak(entry.seq, "does not follow the previous entry"))
        digest = entry_hash(
            entry.prev_hash,
            entry.at,
            entry.actor,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.old,
            entry.new,
        )
        if digest != entry.hash:
            breaks.append(AuditBreak(entry.seq, "content was changed after it was written"))
        prev = entry.hash
        expected_seq = entry.seq + 1
    return count, breaks


def _iter_entries(session: Session, batch: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.seq > last)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()
