"""Each request's follow-up count (migration 0005): kept by a trigger whoever writes the
follow-ups, filled in for follow-ups made before the upgrade, and what the queue shows and
sorts by."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from alembic import command
from queue_data import insert_requests, request_row
from sqlalchemy import MetaData, Table, delete, insert, select
from timing_data import submitted_with_follow_up_open

from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.engine import alembic_config, make_engine
from tawasul_desktop.storage.models import FollowUp, Request
from tawasul_desktop.storage.queue import QueueFilter, QueueQuery, QueueSort, SortKey
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

CLERK = Actor("noura", "clerk", "Noura")
BOSS = Actor("sara", "supervisor", "Sara")


def counts(store: Store) -> dict[str, int]:
    with store.read() as session:
        return dict(session.execute(select(Request.number, Request.follow_up_count)).all())


def truth(store: Store) -> dict[str, int]:
    with store.read() as session:
        numbers = dict(session.execute(select(Request.id, Request.number)).all())
        found = dict.fromkeys(numbers.values(), 0)
        for request_id in session.execute(select(FollowUp.request_id)).scalars():
            found[numbers[request_id]] += 1
    return found


def test_the_count_follows_every_writer(store: Store, valid_request) -> None:
    submitted = submitted_with_follow_up_open(days=5)
    first, second = (ops.submit_request(store, CLERK, valid_request(), now=submitted)
                     .number.replace("-", "") for _ in range(2))
    for _ in range(2):
        ops.record_follow_up(store, CLERK, first, "متى؟")  # the counter
    rows = [request_row(store, counter=9) for _ in range(3)]  # numbers apart from the counter's
    insert_requests(store, rows, {0: 3, 2: 1})  # rows written straight into the tables
    assert counts(store) == truth(store)
    assert counts(store)[first] == 2 and counts(store)[second] == 0
    assert counts(store)[rows[0]["number"]] == 3

    with store.write() as session:  # deleting follow-ups counts down
        victim = session.execute(select(FollowUp.id).where(
            FollowUp.request_id == rows[0]["id"]).limit(1)).scalar_one()
        session.execute(delete(FollowUp).where(FollowUp.id == victim))
    assert counts(store)[rows[0]["number"]] == 2 == truth(store)[rows[0]["number"]]


def test_the_queue_shows_and_sorts_by_the_count(store: Store) -> None:
    rows = [request_row(store) for _ in range(6)]
    insert_requests(store, rows, {1: 2, 3: 5, 4: 2})
    query = QueueQuery(store, BOSS, QueueFilter(), QueueSort(SortKey.FOLLOW_UPS, True))
    shown = [(r.number, r.follow_ups) for r in query.rows()]
    assert [n for _, n in shown] == [5, 2, 2, 0, 0, 0]
    assert shown[0][0] == rows[3]["number"]
    # Ties by number, descending as the sort.
    assert shown[1][0] > shown[2][0] and shown[3][0] > shown[4][0] > shown[5][0]


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
def test_the_upgrade_counts_follow_ups_made_before_it(settings) -> None:
    engine = make_engine(settings.db_path)
    command.upgrade(alembic_config(engine), "0004")
    ids = [uuid.uuid4() for _ in range(3)]
    now = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        # The tables as they were at 0005 (the models already have the new column).
        old = MetaData()
        requests_then = Table("requests", old, autoload_with=conn)
        assert "follow_up_count" not in requests_then.c
        shape = SimpleNamespace(settings=settings)  # all request_row needs of a store
        for request_id in ids:
            row = request_row(shape, id=request_id)
            conn.execute(insert(requests_then).values(
                {**row, "id": request_id.hex, "submitted_at": now.replace(tzinfo=None),
                 "updated_at": now.replace(tzinfo=None)}))
        conn.execute(insert(FollowUp.__table__), [
            {"id": uuid.uuid4(), "request_id": ids[0], "at": now, "by": "noura", "note": ""},
            {"id": uuid.uuid4(), "request_id": ids[0], "at": now, "by": "noura", "note": ""},
            {"id": uuid.uuid4(), "request_id": ids[2], "at": now, "by": "noura", "note": ""},
        ])
    engine.dispose()

    with Store.open(settings) as store:
        assert sorted(counts(store).values()) == [0, 1, 2]
        assert counts(store) == truth(store)
