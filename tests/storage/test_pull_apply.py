"""What a pull writes into the desk: the bulk path (driver SQL, one executemany) stores
values exactly as the ORM stores them, and its audit entries verify."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3

from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import check_log, history_for
from tawasul_desktop.storage.models import Request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.sync import local
from tawasul_desktop.wire.protocol import Change

COLUMNS = ("status", "due_date", "paused_working_days", "paused_since", "decision_reason",
           "decided_by", "decided_at", "assignee", "updated_at")


def raw_row(store: Store, request_id: str) -> tuple:
    with contextlib.closing(sqlite3.connect(store.settings.db_path)) as conn:
        return conn.execute(f"SELECT {', '.join(COLUMNS)} FROM requests WHERE id = ?",
                            (request_id,)).fetchone()


def test_a_pulled_state_is_stored_as_the_orm_stores_it(store, clerk, valid_request):
    pulled = ops.submit_request(store, clerk, valid_request())
    by_orm = ops.submit_request(store, clerk, valid_request())
    now = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    decided = dt.datetime(2026, 3, 4, 8, 9, 10, 111213, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    state = {"status": "returned", "due_date": "2026-04-01", "paused_working_days": 2,
             "paused_since": "2026-03-04", "decision_reason": "صورة الهوية غير واضحة",
             "decided_by": "amal", "decided_at": decided.isoformat(), "assignee": "amal"}
    with store.write() as session:
        applied = local.apply_changes(session, [Change(1, "5", "request", str(pulled.id),
                                                       {"id": str(pulled.id), **state})], now)
    assert applied.requests == 1
    with store.write() as session:  # the same values through the ORM
        req = session.get(Request, by_orm.id)
        assert req is not None
        req.status, req.decision_reason = "returned", state["decision_reason"]
        req.due_date, req.paused_since = dt.date(2026, 4, 1), dt.date(2026, 3, 4)
        req.paused_working_days, req.decided_by, req.decided_at = 2, "amal", decided
        req.assignee, req.updated_at = "amal", now
    stored = raw_row(store, pulled.id.hex)
    assert stored == raw_row(store, by_orm.id.hex)
    assert stored[-1] == "2026-03-04 05:06:07.891011"  # naive UTC, as every UTC column
    with store.read() as session:
        entries, breaks = check_log(session).entries, check_log(session).breaks
        history = history_for(session, "request", str(pulled.id))
    assert entries > 0 and breaks == []
    assert (history[-1].actor, history[-1].action, history[-1].status, history[-1].assignee) == (
        "central", "sync.request_changed", "returned", "amal")
    assert history[-1].at == now

    with store.write() as session:  # the same state again: nothing changes, nothing audited
        again = local.apply_changes(session, [Change(2, "6", "request", str(pulled.id),
                                                     {"id": str(pulled.id), **state})], now)
    assert again.requests == 0
    with store.read() as session:
        assert len(history_for(session, "request", str(pulled.id))) == len(history)
