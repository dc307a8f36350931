"""Central's follow-up count (c0005): kept by a trigger as counters push follow-ups, not
writable by counters, and silent in the change feed."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from synchelp import CLERK, CentralDb, submit_many, supervisor_store
from timing_data import submitted_with_follow_up_open

from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.queue import QueueFilter, QueueQuery, QueueSort, SortKey
from tawasul_desktop.storage.users import Actor

AMAL = Actor("amal", "supervisor", "Amal")


def test_pushed_follow_ups_are_counted_centrally(desks: Any, central: CentralDb,
                                                 valid_request: Any) -> None:
    desk = desks("101", 1)
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(4)],
                          now=submitted_with_follow_up_open(days=5))
    for number, times in ((numbers[1], 3), (numbers[3], 1)):
        for _ in range(times):
            ops.record_follow_up(desk.store, CLERK, number)
    feed_before = central.scalar("SELECT count(*) FROM changes")
    desk.sync()
    desk.sync()  # a batch sent again inserts nothing twice, so counts nothing twice
    counted = {n: central.scalar("SELECT follow_up_count FROM requests WHERE number = %s", n)
               for n in numbers}
    assert counted == {numbers[0]: 0, numbers[1]: 3, numbers[2]: 0, numbers[3]: 1}
    assert central.scalar("SELECT count(*) FROM changes") == feed_before  # nothing to pull

    boss = supervisor_store(central, desk.store)
    try:
        query = QueueQuery(boss, AMAL, QueueFilter(), QueueSort(SortKey.FOLLOW_UPS, True))
        assert [(r.number, r.follow_ups) for r in query.rows()][:2] == [(numbers[1], 3),
                                                                         (numbers[3], 1)]
    finally:
        boss.close()

    with psycopg.connect(central.dsn(desk.role), autocommit=True) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE requests SET follow_up_count = 99 WHERE number = %s",
                     (numbers[0],))
