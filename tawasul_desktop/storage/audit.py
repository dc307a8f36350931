"""Append-only audit log chained by hashes: editing or deleting an entry breaks the chain.

Each entry's hash is sha256 over the previous hash and the entry's canonical JSON content.
A plain chain can be recomputed by whoever edits the database, so three anchors hold it:

- a keyed hash (``mac``): HMAC-SHA256 of the entry's hash with the desk's own key, a random
  32-byte file beside the database (``<db>.audit-key``, 0600). A chain recomputed without
  the key does not verify;
- the head (last sequence number and hash, and where keyed entries begin), written after each
  commit to ``<db>.audit-head`` (0600) with its own HMAC: deleting the last entries, or all
  of them, leaves the log shorter than its head;
- central's copy of the entries the desk has pushed (``audit_entries``), compared by
  :func:`compare_with_central` when central is reachable: an edit or deletion of pushed
  entries shows even to someone who holds the key file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Dialect, Engine, event, func, select
from sqlalchemy.orm import Session

from tawasul_desktop.storage.models import AuditEntry
from tawasul_desktop.storage.raw_sql import driver_sql
from tawasul_desktop.wire.protocol import one_shot as _one_shot

GENESIS = "0" * 64


# Made once: json.dumps with options builds a new encoder per call, which a batch of
# thousands of entries (a pull) feels. The output is the same as json.dumps with these options.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str,
                              separators=(",", ":"))
_HASHED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_encode_canonical = _one_shot(_CANONICAL)
_encode_hashed = _one_shot(_HASHED)


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return _encode_canonical(value)


# json.dumps's own string encoder (the C one where there is one) for ensure_ascii=False.
_encode_string = json.encoder.encode_basestring


def json_scalar(value: Any) -> str:
    """``value``'s text in the log's canonical JSON (what ``_canonical`` makes of it, "null"
    for None): a string or None directly, anything else through the canonical encoder. For
    writers that build an entry's JSON object themselves (a pull: thousands of entries of
    the same few keys), without the encoder's per-object work of sorting keys."""
    if value is None:
        return "null"
    if type(value) is str:
        return _encode_string(value)
    return _encode_canonical(value)


def _hashed_middle(at_text: str, actor: str, action: str, entity: str) -> str:
    """The part of ``_hashed_payload``'s text that the entries of one batch usually share."""
    return (f",{json_scalar(at_text)},{json_scalar(actor)},{json_scalar(action)},"
            f"{json_scalar(entity)},")


def _hashed_payload(prev_hash: str, middle: str, entity_id: str, old: str | None,
                    new: str | None) -> str:
    """The text an entry's hash is taken over, with ``middle`` from ``_hashed_middle``: what
    ``_encode_hashed`` makes of the list [prev_hash, at, actor, action, entity, entity_id,
    old, new] (tested against json.dumps), joined directly. ``_hash_text`` (verify) keeps
    the encoder: a difference between the two would show as a break, not pass unseen."""
    # A str (as these always are, but None for old and new) straight to the C encoder.
    return (f"[{_encode_string(prev_hash) if type(prev_hash) is str else json_scalar(prev_hash)}"
            f"{middle}"
            f"{_encode_string(entity_id) if type(entity_id) is str else json_scalar(entity_id)},"
            f"{_encode_string(old) if type(old) is str else json_scalar(old)},"
            f"{_encode_string(new) if type(new) is str else json_scalar(new)}]")


def _moment_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _hash_text(prev_hash: str, at_text: str, actor: str, action: str, entity: str,
               entity_id: str, old: str | None, new: str | None) -> str:
    payload = _encode_hashed([prev_hash, at_text, actor, action, entity, entity_id, old, new])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
    return _hash_text(prev_hash, _moment_text(at), actor, action, entity, entity_id, old, new)


# --- the desk's key and the anchored head --------------------------------------------------


def key_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".audit-key")


def head_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".audit-head")


def _db_path(session: Session) -> Path | None:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def read_key(db_path: Path) -> bytes | None:
    try:
        text = key_path(db_path).read_text(encoding="ascii").strip()
        return bytes.fromhex(text) if len(text) == 64 else None
    except (OSError, ValueError):
        return None


def desk_key(db_path: Path) -> bytes:
    """The desk's audit key, created (0600, atomically: two processes agree) on first use."""
    found = read_key(db_path)
    if found is not None:
        return found
    target = key_path(db_path)
    fd, tmp = tempfile.mkstemp(prefix=".audit-key-", dir=target.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, target)  # never replaces a key another process made meanwhile
    finally:
        Path(tmp).unlink(missing_ok=True)
    key = read_key(db_path)
    if key is None:
        raise OSError(f"the audit key {target} cannot be read")
    return key


def entry_mac(key: bytes, digest: str) -> str:
    return hmac.digest(key, digest.encode("ascii"), "sha256").hex()  # one C call


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    keyed_from: int  # the first entry with a keyed hash (0: none yet)


def _head_mac(key: bytes, head: Head) -> str:
    return entry_mac(key, f"head:{head.seq}:{head.hash}:{head.keyed_from}")


def read_head(db_path: Path, key: bytes | None) -> Head | None | str:
    """The anchored head; None if there is none; a reason (str) if it was tampered with."""
    try:
        raw = json.loads(head_path(db_path).read_text(encoding="utf-8"))
        head = Head(int(raw["seq"]), str(raw["hash"]), int(raw["keyed_from"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return "the anchored head cannot be read"
    if key is None or not hmac.compare_digest(_head_mac(key, head), str(raw.get("mac", ""))):
        return "the anchored head does not carry this desk's keyed hash"
    return head


def write_head(db_path: Path, key: bytes, head: Head, *, force: bool = False) -> None:
    """Move the head forward (never back: a slower process's older head is ignored), or,
    with ``force``, put it where ``head`` says (after a restore)."""
    current = read_head(db_path, key)
    if not force and isinstance(current, Head) and current.seq >= head.seq:
        return
    target = head_path(db_path)
    fd, tmp = tempfile.mkstemp(prefix=".audit-head-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"seq": head.seq, "hash": head.hash, "keyed_from": head.keyed_from,
                       "mac": _head_mac(key, head)}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def reanchor(db_path: Path) -> Head | None:
    """Anchor the head at the database's last entry, as it is now: after a deliberate restore
    (the entries it drops stay in the kept copy and, once pushed, at central, where verify
    still sees them). Nothing if the desk has no key yet."""
    key = read_key(db_path)
    if key is None:
        return None
    uri = f"{db_path.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        keyed = conn.execute("SELECT min(seq) FROM audit_log WHERE mac IS NOT NULL").fetchone()
    if last is None:
        head_path(db_path).unlink(missing_ok=True)
        return None
    head = Head(int(last[0]), str(last[1]), int(keyed[0] or last[0]))
    write_head(db_path, key, head, force=True)
    return head


_INSERT = ("INSERT INTO audit_log (at, actor, action, entity, entity_id, old, new, prev_hash, "
           "hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _stored(dialect: Dialect, column: str) -> Callable[[Any], Any]:
    """How the audit table's column type writes a value on this dialect (as an ORM insert)."""
    kind = AuditEntry.__table__.c[column].type.dialect_impl(dialect)
    return kind.bind_processor(dialect) or (lambda value: value)


class AuditLog:
    """Appends entries within the caller's transaction (the caller holds the write lock).

    Each entry gets its keyed hash; once the transaction commits, the head is anchored."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._last: str | None = None
        self._db = _db_path(session)
        self._key = desk_key(self._db) if self._db is not None else None
        self._head: Head | None = None
        self._listening = False

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
        self, items: list[tuple[str, str, str, str, Any, Any]], at: dt.datetime | None = None,
        *, encoded: bool = False,
    ) -> None:
        """Append entries in one ``executemany`` (no per-row ORM work: a pull writes one
        entry per changed request, thousands at a time). ``encoded``: each item's old and
        new are already their canonical JSON text (or None), as ``_canonical`` makes it."""
        if not items:
            return
        when = at or dt.datetime.now(dt.UTC)
        when_text = _moment_text(when)
        conn = self.session.connection()
        stored_at = _stored(conn.dialect, "at")(when)  # as the column type stores it
        # The keyed hash's key schedule made once for the batch (entry_mac redoes it per call).
        keyed = hmac.new(self._key, digestmod=hashlib.sha256) if self._key is not None else None
        prev = self._last_hash()
        rows = []
        sha256 = hashlib.sha256
        middles: dict[tuple[str, str, str], str] = {}  # a batch has one or a few
        for actor, action, entity, entity_id, old, new in items:
            old_s, new_s = (old, new) if encoded else (_canonical(old), _canonical(new))
            middle = middles.get((actor, action, entity))
            if middle is None:
                middle = middles[actor, action, entity] = _hashed_middle(when_text, actor,
                                                                         action, entity)
            digest = sha256(_hashed_payload(prev, middle, entity_id, old_s, new_s
                                            ).encode("utf-8")).hexdigest()
            mac = None
            if keyed is not None:
                one = keyed.copy()
                one.update(digest.encode("ascii"))
                mac = one.hexdigest()
            rows.append((stored_at, actor, action, entity, entity_id, old_s, new_s, prev, digest,
                         mac))
            prev = digest
        conn.exec_driver_sql(driver_sql(conn.dialect, _INSERT), rows)
        self._last = prev
        self._remember_head(prev)

    def _remember_head(self, last_hash: str) -> None:
        if self._db is None or self._key is None:
            return
        seq = self.session.execute(select(func.max(AuditEntry.seq))).scalar_one()
        current = read_head(self._db, self._key)
        if isinstance(current, Head) and current.keyed_from:
            keyed_from = current.keyed_from
        else:  # the first keyed entry of this desk (a scan, once: later the head says)
            keyed_from = self.session.execute(
                select(func.min(AuditEntry.seq)).where(AuditEntry.mac.is_not(None))
            ).scalar_one() or seq
        self._head = Head(int(seq), last_hash, int(keyed_from))
        if not self._listening:
            self._listening = True
            # once: a listener cannot remove itself while SQLAlchemy iterates them.
            event.listen(self.session, "after_commit", self._anchor, once=True)
            event.listen(self.session, "after_rollback", self._forget, once=True)

    def _anchor(self, _session: Session) -> None:
        self._listening = False
        if self._head is not None and self._db is not None and self._key is not None:
            # If it cannot be written the head lags; verify still checks every keyed hash.
            with contextlib.suppress(OSError):
                write_head(self._db, self._key, self._head)

    def _forget(self, _session: Session) -> None:
        self._listening = False
        self._head = None


@dataclass(frozen=True)
class HistoryLine:
    """One step in the life of a record, as the audit log tells it, with the status, reason
    or assignee the step set (read from the entry's new values, when it has them)."""

    at: dt.datetime
    actor: str
    action: str  # the audit action, e.g. request.reject
    status: str | None = None  # the status it left, when it changed one
    reason: str | None = None
    assignee: str | None = None  # for request.assign


def history_for(session: Session, entity: str, entity_id: str) -> list[HistoryLine]:
    """What happened to one record (``entity`` such as "request", and its id), oldest first:
    the one reader of a record's history (the enquiry view, the supervisor's pane)."""
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.new)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.seq)
    ).all()
    out = []
    for at, actor, action, new in rows:
        try:
            data = json.loads(new) if new else {}
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        out.append(HistoryLine(at, actor, action, data.get("status"), data.get("reason"),
                               data.get("assignee")))
    return out


@dataclass(frozen=True)
class AuditBreak:
    seq: int
    reason: str


@dataclass
class AuditCheck:
    """What verify found: entries walked, breaks, and how much the anchors covered."""

    entries: int = 0
    breaks: list[AuditBreak] = field(default_factory=list)
    unkeyed: int = 0  # entries from before keyed hashes (0006): checked by the chain only
    head: Head | None = None
    central_compared: int | None = None  # entries compared with central; None: not compared
    central_note: str = ""


def verify_chain(session: Session, batch: int = 5000) -> tuple[int, list[AuditBreak]]:
    """Walk the whole log; return (entries checked, breaks found)."""
    check = check_log(session, batch)
    return check.entries, check.breaks


def check_log(session: Session, batch: int = 5000) -> AuditCheck:
    """The chain, every keyed hash, and the anchored head (see the module's docstring)."""
    db = _db_path(session)
    key = read_key(db) if db is not None else None
    anchored = read_head(db, key) if db is not None else None
    check = AuditCheck()
    breaks = check.breaks
    if isinstance(anchored, str):
        breaks.append(AuditBreak(0, anchored))
        anchored = None
    check.head = anchored
    keyed_from = anchored.keyed_from if anchored is not None else None
    prev = GENESIS
    expected_seq: int | None = None
    hash_at_head: str | None = None
    last_seq = 0
    no_key_reported = False
    for entry in _iter_entries(session, batch):
        check.entries += 1
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
        if entry.mac is None:
            if keyed_from is not None and entry.seq >= keyed_from:
                breaks.append(AuditBreak(entry.seq, "its keyed hash was removed"))
            else:
                check.unkeyed += 1
        else:
            if keyed_from is None:
                keyed_from = entry.seq
            if key is None:
                if not no_key_reported:
                    breaks.append(AuditBreak(entry.seq, "this desk's audit key is missing, so "
                                             "the keyed hashes cannot be checked"))
                    no_key_reported = True
            elif not hmac.compare_digest(entry.mac, entry_mac(key, entry.hash)):
                breaks.append(AuditBreak(entry.seq, "its keyed hash does not match: written "
                                         "or rewritten without this desk's key"))
        if anchored is not None and entry.seq == anchored.seq:
            hash_at_head = entry.hash
        prev = entry.hash
        expected_seq = entry.seq + 1
        last_seq = entry.seq
    if anchored is not None:
        if last_seq < anchored.seq:
            breaks.append(AuditBreak(last_seq + 1, f"entries {last_seq + 1}..{anchored.seq} "
                                     "were deleted (the anchored head is further on)"))
        elif hash_at_head != anchored.hash:
            breaks.append(AuditBreak(anchored.seq, "differs from the anchored head"))
    elif keyed_from is not None and db is not None:
        breaks.append(AuditBreak(0, "the anchored head is missing"))
    return check


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
