"""The hash-chained audit log: intact on a busy database, broken by any edit or deletion."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import GENESIS, verify_chain

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = dt.datetime(2026, 11, 1, 10, 0, tzinfo=RIYADH)


@pytest.fixture
def busy_store(store, valid_request, supervisor, clerk):
    """Submits, decisions, follow-ups, a closure: a dozen kinds of entries."""
    for i in range(6):
        summary = ops.submit_request(
            store, clerk, valid_request(), now=NOW + dt.timedelta(minutes=i)
        )
        ops.transition(store, supervisor, summary.number, Action.START_REVIEW, now=NOW)
        if i % 2:
            ops.transition(store, supervisor, summary.number, Action.RETURN, reason="سبب", now=NOW)
            ops.transition(store, clerk, summary.number, Action.ANSWER, now=NOW)
        ops.record_follow_up(store, clerk, summary.number, "متابعة", now=NOW + dt.timedelta(days=4))
    ops.add_closure(store, supervisor, dt.date(2026, 11, 4), "closure", now=NOW)
    return store


def _sql(store, statement, *params):
    with contextlib.closing(sqlite3.connect(store.db_path)) as conn:
        conn.execute(statement, params)
        conn.commit()


def _verify(store):
    with store.read() as session:
        return verify_chain(session, batch=7)  # small batches: the walk crosses batch borders


def test_a_busy_log_is_intact(busy_store):
    count, breaks = _verify(busy_store)
    assert breaks == []
    assert count >= 6 * 4 + 1


def test_an_empty_log_is_intact(store):
    assert _verify(store) == (0, [])


def test_the_chain_starts_at_genesis(busy_store):
    with contextlib.closing(sqlite3.connect(busy_store.db_path)) as conn:
        first = conn.execute("SELECT prev_hash FROM audit_log ORDER BY seq LIMIT 1").fetchone()[0]
        links = conn.execute(
            "SELECT a.prev_hash = b.hash FROM audit_log a JOIN audit_log b ON b.seq = a.seq - 1"
        ).fetchall()
    assert first == GENESIS
    assert links and all(ok for (ok,) in links)


def test_an_edited_entry_is_named(busy_store):
    _sql(busy_store, """UPDATE audit_log SET new = '{"status":"accepted"}' WHERE seq = 5""")
    _count, breaks = _verify(busy_store)
    assert [(b.seq, b.reason) for b in breaks] == [(5, "content was changed after it was written")]


def test_an_edited_actor_or_time_is_named(busy_store):
    _sql(busy_store, "UPDATE audit_log SET actor = 'someone.else' WHERE seq = 3")
    _sql(busy_store, "UPDATE audit_log SET at = datetime(at, '+1 second') WHERE seq = 9")
    assert [b.seq for b in _verify(busy_store)[1]] == [3, 9]


def test_a_deleted_middle_entry_is_named(busy_store):
    _sql(busy_store, "DELETE FROM audit_log WHERE seq = 6")
    _count, breaks = _verify(busy_store)
    assert breaks[0].seq == 6
    assert "missing" in breaks[0].reason
    assert {b.seq for b in breaks} <= {6, 7}


def test_a_changed_link_is_named(busy_store):
    _sql(busy_store, "UPDATE audit_log SET prev_hash = ? WHERE seq = 4", "f" * 64)
    breaks = _verify(busy_store)[1]
    assert {b.seq for b in breaks} == {4}
    assert any(b.reason == "does not follow the previous entry" for b in breaks)


def test_a_rewritten_entry_with_a_fresh_hash_still_breaks_the_next_link(busy_store):
    """Recomputing the edited entry's own hash does not help: the next one points to the old."""
    from tawasul_desktop.storage.audit import entry_hash
    from tawasul_desktop.storage.models import AuditEntry

    with busy_store.write() as session:
        entry = session.get(AuditEntry, 5)
        entry.new = '{"forged":true}'
        entry.hash = entry_hash(
            entry.prev_hash,
            entry.at,
            entry.actor,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.old,
            entry.new,
        )
    breaks = _verify(busy_store)[1]
    # Its keyed hash no longer matches (storage/audit.py), and the next one points to the old.
    assert [b.seq for b in breaks] == [5, 6]


def test_history_for_one_request_in_order(store, valid_request, supervisor, clerk):
    from tawasul_desktop.storage.audit import history_for

    first = ops.submit_request(store, clerk, valid_request(), now=NOW)
    other = ops.submit_request(store, clerk, valid_request(), now=NOW)
    ops.transition(store, supervisor, first.number, Action.START_REVIEW, now=NOW)
    ops.transition(store, supervisor, other.number, Action.START_REVIEW, now=NOW)
    ops.transition(store, supervisor, first.number, Action.ACCEPT, now=NOW)
    with store.read() as session:
        req = ops.get_request(store, first.number)
        history = history_for(session, "request", str(req.id))
    assert [(h.actor, h.action) for h in history] == [
        (clerk.username, "request.submit"),
        (supervisor.username, "request.start_review"),
        (supervisor.username, "request.accept"),
    ]
    with store.read() as session:
        assert history_for(session, "request", "no-such-id") == []
