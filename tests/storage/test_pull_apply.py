"""What a pull writes into the desk: the bulk path (driver SQL, one executemany) stores
values exactly as the ORM stores them, and its audit entries verify."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
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


def set_raw(store: Store, request_id: str, **columns: object) -> None:
    with contextlib.closing(sqlite3.connect(store.settings.db_path)) as conn, conn:
        conn.execute(f"UPDATE requests SET {', '.join(c + ' = ?' for c in columns)} "
                     "WHERE id = ?", (*columns.values(), request_id))


def central_state(request_id: str, **changes: object) -> dict:
    return {"id": request_id, "status": "under_review", "due_date": "2026-04-01",
            "paused_working_days": 0, "paused_since": None, "decision_reason": None,
            "decided_by": None, "decided_at": "2026-03-04T08:09:10+03:00", **changes}


def audit_of(store: Store, request_id: str) -> list[tuple[str, dict, dict]]:
    with contextlib.closing(sqlite3.connect(store.settings.db_path)) as conn:
        rows = conn.execute("SELECT action, old, new FROM audit_log WHERE entity_id = ? "
                            "ORDER BY seq", (request_id,)).fetchall()
    return [(a, json.loads(o or "{}"), json.loads(n or "{}")) for a, o, n in rows]


def test_the_same_value_stored_in_another_form_is_no_change(store, clerk, valid_request):
    """Only the columns whose stored text differs are read back: a time stored without its
    microseconds (an older writer) is the same value, so nothing changes and nothing is
    audited; once something else changes, the row is written whole in the ORM's form."""
    req = ops.submit_request(store, clerk, valid_request())
    rid, now = str(req.id), dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
    set_raw(store, req.id.hex, status="under_review", due_date="2026-04-01",
            decided_at="2026-03-04 05:09:10")  # 08:09:10+03:00, stored without microseconds
    entries = len(audit_of(store, rid))
    with store.write() as session:
        assert local.apply_changes(session, [Change(1, "5", "request", rid,
                                                    central_state(rid))], now).requests == 0
    assert raw_row(store, req.id.hex)[6] == "2026-03-04 05:09:10"
    assert len(audit_of(store, rid)) == entries

    with store.write() as session:  # now the due date moves: one change, both columns written
        assert local.apply_changes(session, [Change(2, "6", "request", rid, central_state(
            rid, due_date="2026-04-08"))], now).requests == 1
    row = raw_row(store, req.id.hex)
    assert (row[0], row[1], row[6]) == ("under_review", "2026-04-08",
                                        "2026-03-04 05:09:10.000000")
    action, old, new = audit_of(store, rid)[-1]
    assert (action, old, new) == ("sync.request_changed",
                                  {"status": "under_review", "due_date": "2026-04-01"},
                                  {"status": "under_review", "due_date": "2026-04-08",
                                   "reason": None, "by": None})


def test_a_batch_with_shared_dates_stores_each_row_its_own(store, clerk, valid_request):
    """Encoded dates are remembered per value within a batch: rows sharing a due date and
    rows with their own, and NULLs among them, each end with exactly central's values."""
    reqs = [ops.submit_request(store, clerk, valid_request()) for _ in range(6)]
    days = ["2026-04-01", "2026-04-01", "2026-04-02", "2026-04-01", None, "2026-04-02"]
    changes = [Change(i + 1, str(10 + i), "request", str(r.id), central_state(
        str(r.id), due_date=f"2026-05-{i + 1:02d}", paused_since=day,
        paused_working_days=i)) for i, (r, day) in enumerate(zip(reqs, days, strict=True))]
    with store.write() as session:
        assert local.apply_changes(session, changes,
                                   dt.datetime(2026, 3, 5, tzinfo=dt.UTC)).requests == 6
    for i, (r, day) in enumerate(zip(reqs, days, strict=True)):
        row = raw_row(store, r.id.hex)
        assert (row[1], row[2], row[3]) == (f"2026-05-{i + 1:02d}", i, day)
    with store.read() as session:
        assert check_log(session).breaks == []
