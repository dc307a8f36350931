"""A pull's bulk write: rows updated in the table's own order, ids taken as central's
canonical text, the audit entries' JSON written directly. Every stored byte (rows, audit
chain, keyed hashes) is what the previous path wrote: that path is kept here, as the oracle."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import random
import shutil
import sqlite3
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import AuditLog, _canonical, check_log, head_path, key_path
from tawasul_desktop.storage.raw_sql import driver_sql
from tawasul_desktop.storage.store import Store
from tawasul_desktop.sync import local
from tawasul_desktop.wire.protocol import CENTRAL_ACTOR, ECHO_ACTION, Change


def _old_apply_request_states(session: Any, states: Iterable[dict[str, Any]],
                              now: dt.datetime) -> int:
    """sync.local.apply_request_states as it was before rows were written in rowid order and
    the audit JSON built directly (commit 09b8b5c): the reference for every byte."""
    STATE, ASSIGNEE, CHUNK = local._STATE, local._ASSIGNEE, local._CHUNK
    COLUMNS = (*STATE, ASSIGNEE)
    LAST = len(COLUMNS) - 1

    def same(value: Any) -> Any:
        return value

    def text(value: dt.date | None) -> str | None:
        return None if value is None else str(value)

    conn = session.connection()
    dialect = conn.dialect
    (write_id, *writes), (_, *reads) = local._codecs(dialect, ("id", *COLUMNS))
    store_id = write_id or same
    latest: dict[Any, dict[str, Any]] = {}
    keys: dict[Any, uuid.UUID] = {}
    for raw in states:
        key = uuid.UUID(str(raw["id"]))
        stored_id = store_id(key)
        state = local._parse_state(raw)
        prior = latest.get(stored_id)
        latest[stored_id] = state if prior is None else {**prior, **state}
        keys[stored_id] = key
    if not latest:
        return 0
    encoders = [(i, functools.lru_cache(maxsize=4096)(w))
                for i, w in enumerate(writes[:LAST]) if w is not None]
    keeps_none = all(w(None) is None for _, w in encoders)
    write_assignee = writes[LAST] or same
    decode = [r or same for r in reads]
    write_now = (local._codecs(dialect, ("updated_at",))[0][0] or same)(now)
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    audits = []
    ids = list(latest)
    places = range(len(COLUMNS))
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            cursor.execute(driver_sql(
                dialect, f"SELECT id, {', '.join(COLUMNS)} FROM requests "
                         f"WHERE id IN ({', '.join('?' * len(chunk))})"), tuple(chunk))
            for stored_id, *stored in cursor.fetchall():
                wanted = latest[stored_id]
                new_row = [wanted[c] for c in STATE]
                for i, write in encoders:
                    if new_row[i] is not None or not keeps_none:
                        new_row[i] = write(new_row[i])
                new_row.append(write_assignee(wanted[ASSIGNEE]) if ASSIGNEE in wanted
                               else stored[LAST])
                if new_row == stored:
                    continue
                changed = tuple([i for i in places if new_row[i] != stored[i]])
                old = {COLUMNS[i]: decode[i](stored[i]) for i in changed}
                if all([old[c] == wanted[c] for c in old]):
                    continue
                updates.setdefault(changed, []).append(
                    (*[new_row[i] for i in changed], write_now, stored_id))
                due = text(wanted["due_date"])
                before = {"status": old.get("status", wanted["status"]),
                          "due_date": text(old["due_date"]) if "due_date" in old else due}
                after = {"status": wanted["status"], "due_date": due,
                         "reason": wanted["decision_reason"], "by": wanted["decided_by"]}
                if ASSIGNEE in old and old[ASSIGNEE] != wanted[ASSIGNEE]:
                    before[ASSIGNEE], after[ASSIGNEE] = old[ASSIGNEE], wanted[ASSIGNEE]
                audits.append((CENTRAL_ACTOR, ECHO_ACTION, "request", str(keys[stored_id]),
                               before, after))
    finally:
        cursor.close()
    for changed, rows_of in updates.items():
        columns = [COLUMNS[i] for i in changed]
        conn.exec_driver_sql(driver_sql(dialect, "UPDATE requests SET " + ", ".join(
            f"{c} = ?" for c in (*columns, "updated_at")) + " WHERE id = ?"), rows_of)
    if audits:
        AuditLog(session).record_many(audits, at=now)
    return len(audits)


def old_apply_changes(session: Any, changes: list[Change], now: dt.datetime) -> None:
    """The old apply_changes: the requests' states first, then the rest in feed order."""
    _old_apply_request_states(session, [c.payload for c in changes if c.kind == "request"], now)
    local.apply_changes(session, [c for c in changes if c.kind != "request"], now)


def twin(store: Store, name: str) -> Store:
    """A second desk that is this one byte for byte, with the same audit key and head."""
    copy = store.settings.db_path.with_name(f"{name}.sqlite3")
    with contextlib.closing(sqlite3.connect(store.settings.db_path)) as src, \
            contextlib.closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    shutil.copy(key_path(store.settings.db_path), key_path(copy))
    shutil.copy(head_path(store.settings.db_path), head_path(copy))
    return Store.open(dataclasses.replace(store.settings, db_path=copy,
                                          data_dir=copy.with_name(f"{name}-data")))


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with contextlib.closing(sqlite3.connect(store.settings.db_path)) as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                for table in ("requests", "audit_log", "closures", "users")}


def state(request_id: str, **changes: Any) -> dict[str, Any]:
    return {"id": request_id, "status": "under_review", "due_date": "2026-04-01",
            "paused_working_days": 0, "paused_since": None, "decision_reason": None,
            "decided_by": None, "decided_at": None, **changes}


def test_a_mixed_batch_writes_the_bytes_the_old_path_wrote(store, clerk, valid_request):
    reqs = [ops.submit_request(store, clerk, valid_request()) for _ in range(9)]
    ids = [str(r.id) for r in reqs]
    now = dt.datetime(2026, 3, 5, 6, 7, 8, 123456, tzinfo=dt.UTC)
    with store.write() as session:  # a user and an assignee the batch then changes
        local.apply_changes(session, [
            Change(1, "3", "user", "amal", {"username": "amal", "display_name": "أمل",
                                            "role": "supervisor", "password_hash": "x",
                                            "active": True}),
            Change(2, "3", "request", ids[3], state(ids[3], status="submitted",
                                                    due_date=str(reqs[3].due_date),
                                                    assignee="amal")),
            Change(3, "3", "request", ids[4], state(ids[4]))], now)
    other = twin(store, "oracle")
    try:
        reason = 'صورة الهوية "غير" واضحة\\\n\t\x00\x1f\u2028 ✓ end'
        changes = [
            Change(10, "7", "request", ids[0], state(ids[0])),  # status and due date
            Change(11, "7", "request", ids[1], state(ids[1], status="returned",
                                                    decision_reason=reason,
                                                    decided_by="أمل",
                                                    decided_at="2026-03-04T08:09:10+03:00",
                                                    paused_since="2026-03-04",
                                                    paused_working_days=2)),
            Change(12, "7", "request", ids[2], state(ids[2], status="submitted",
                                                    due_date=str(reqs[2].due_date),
                                                    assignee="sara")),  # assignee only
            Change(13, "7", "request", ids[3], state(ids[3], assignee=None)),  # unassigned
            Change(14, "7", "request", ids[4], state(ids[4])),  # as stored: no entry
            Change(15, "7", "closure", "2026-04-02", {"day": "2026-04-02", "reason": "عيد",
                                                      "added_by": "amal"}),
            Change(16, "8", "request", ids[5], state(ids[5], assignee="amal")),
            Change(17, "8", "request", ids[5], state(ids[5], status="accepted",
                                                    decided_by="amal")),  # merged with 16
            Change(18, "8", "user", "amal", {"username": "amal", "display_name": "أمل ع",
                                             "role": "supervisor", "password_hash": "y",
                                             "active": False}),
            # Not canonical text (upper case, no dashes): read as the id it names, as before.
            Change(19, "8", "request", ids[6], state(ids[6].upper())),
            Change(20, "8", "request", ids[7], state(reqs[7].id.hex, decision_reason=1.5,
                                                    decided_by=7)),
            Change(21, "9", "catalogue", "1", {"version": 1, "content": "not toml ["}),
            Change(22, "9", "request", ids[8], state(ids[8], status="rejected",
                                                    decision_reason="لا\r\n")),
        ]
        with store.write() as session:
            local.apply_changes(session, changes, now)
        with other.write() as session:
            old_apply_changes(session, changes, now)
        new_rows, old_rows = dump(store), dump(other)
        assert len(new_rows["audit_log"]) > len(reqs) + 9  # the batch wrote its entries
        for table in new_rows:
            assert new_rows[table] == old_rows[table], table
        with store.read() as session:
            assert check_log(session).breaks == []
    finally:
        other.close()


def test_pulled_rows_are_updated_in_the_tables_order(store, clerk, valid_request):
    """The rows of a batch are written in rowid order whatever the feed's order (SQLite
    then walks the table's and indexes' pages in order); an SQLite trigger records it."""
    reqs = [ops.submit_request(store, clerk, valid_request()) for _ in range(24)]
    with contextlib.closing(sqlite3.connect(store.settings.db_path)) as conn, conn:
        conn.execute("CREATE TABLE touched (seq INTEGER PRIMARY KEY, row INTEGER)")
        conn.execute("CREATE TRIGGER record_touch AFTER UPDATE ON requests "
                     "BEGIN INSERT INTO touched (row) VALUES (new.rowid); END")
    shuffled = list(reqs)
    random.Random(7).shuffle(shuffled)
    changes = [Change(i, "5", "request", str(r.id), state(str(r.id)))
               for i, r in enumerate(shuffled)]
    with store.write() as session:
        assert local.apply_changes(session, changes,
                                   dt.datetime(2026, 3, 5, tzinfo=dt.UTC)).requests == 24
    with contextlib.closing(sqlite3.connect(store.settings.db_path)) as conn:
        order = [r for (r,) in conn.execute("SELECT row FROM touched ORDER BY seq")]
    assert len(order) == 24 and order == sorted(order)


@pytest.mark.parametrize("bad", ["not-a-uuid", "1234", "g" * 32,
                                 "0b1e3c1a-1111-2222-3333-44445555666", ""])
def test_a_malformed_id_is_refused(store, bad):
    with store.write() as session, pytest.raises(ValueError):
        local.apply_changes(session, [Change(1, "5", "request", bad, state(bad))],
                            dt.datetime(2026, 3, 5, tzinfo=dt.UTC))


texts = st.none() | st.text() | st.text(alphabet="ابتث\"\\\n\x00\x1f\u2028")
dates = st.none() | st.dates()


@settings(max_examples=500, deadline=None)
@given(status=st.text(), due=dates, reason=texts | st.integers() | st.floats(),
       by=texts, assignee=texts, old_status=st.none() | st.text(), old_due=st.none() | dates,
       old_assignee=st.none() | st.tuples(texts))
def test_an_entrys_json_is_the_canonical_json_of_its_dicts(status, due, reason, by, assignee,
                                                           old_status, old_due, old_assignee):
    """local._state_texts against _canonical of the dicts the old path built (keys missing
    from ``old`` where a value is None here: the column did not change)."""
    wanted = {"status": status, "due_date": due, "decision_reason": reason, "decided_by": by,
              "assignee": assignee}
    old: dict[str, Any] = {}
    if old_status is not None:
        old["status"] = old_status
    if old_due is not None:
        old["due_date"] = old_due
    if old_assignee is not None:  # (value,): the assignee changed, from that value
        old["assignee"] = old_assignee[0]
    def text(day: Any) -> str | None:
        return None if day is None else str(day)

    due_text = text(due)
    before = {"status": old.get("status", status),
              "due_date": text(old["due_date"]) if "due_date" in old else due_text}
    after = {"status": status, "due_date": due_text, "reason": reason, "by": by}
    if "assignee" in old and old["assignee"] != assignee:
        before["assignee"], after["assignee"] = old["assignee"], assignee
    assert local._state_texts(wanted, old) == (_canonical(before), _canonical(after))
