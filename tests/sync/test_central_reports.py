"""The dashboard, exports and daily summary over the central PostgreSQL give what the same
code gives on a desk's SQLite store holding the same requests (one counter, everything
synced both ways), and nothing of another centre."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from synchelp import CLERK, CentralDb, submit_many, supervisor_store, wait_for_desk_feed

from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.receipts.daily_summary import write_daily_summary
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.queue import QueueFilter, QueueQuery, QueueSort, SortKey
from tawasul_desktop.storage.reports import (
    dashboard_figures,
    export_csv,
    export_headers,
    export_xlsx,
)
from tawasul_desktop.storage.supervision import assign_many, decide_many
from tawasul_desktop.storage.users import Actor

AMAL = Actor("amal", "supervisor", "Amal")


def _days_ago(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


def _settled(desk: Any, boss: Any) -> None:
    """One pass once the feed hands out every change written so far (only once every older
    transaction on the server has finished): the desk then holds central's state."""
    wait_for_desk_feed(desk)
    desk.sync()
    here = {r.number: (r.status, r.assignee) for r in
            QueueQuery(desk.store, AMAL, QueueFilter()).rows()}
    there = {r.number: (r.status, r.assignee) for r in
             QueueQuery(boss, AMAL, QueueFilter()).rows()}
    assert here == there, "the desk did not catch up with central"


@pytest.fixture
def world(desks: Any, central: CentralDb, valid_request: Any) -> Any:
    desk = desks("101", 1)
    numbers: list[str] = []
    for days, count in ((20, 4), (9, 4), (5, 3), (0, 3)):  # overdue, due soon, fresh, today
        numbers += submit_many(desk.store, CLERK, [valid_request() for _ in range(count)],
                               now=_days_ago(days))
    for number in numbers[4:9]:  # follow-ups where three days have passed
        ops.record_follow_up(desk.store, CLERK, number, "متى؟")
    ops.record_follow_up(desk.store, CLERK, numbers[4], "مرة أخرى")
    other = desks("102", 1)  # another centre: in neither figure
    submit_many(other.store, CLERK, [valid_request() for _ in range(5)])
    desk.sync()
    other.sync()
    boss = supervisor_store(central, desk.store)
    # Decisions and assignments made centrally, then pulled down to the desk.
    assert decide_many(boss, AMAL, [(numbers[0], "submitted"), (numbers[9], "submitted")],
                       Action.ACCEPT).refused == []
    assert decide_many(boss, AMAL, [(numbers[1], "submitted")], Action.REJECT,
                       reason="المستندات ناقصة").refused == []
    assert decide_many(boss, AMAL, [(numbers[5], "submitted")], Action.RETURN,
                       reason="صورة الجواز غير واضحة").refused == []
    assert assign_many(boss, AMAL, [(numbers[2], None), (numbers[6], None)], "amal").refused == []
    _settled(desk, boss)
    yield desk, boss, numbers
    boss.close()


def test_the_dashboard_over_central_matches_the_desk(world: Any) -> None:
    desk, boss, numbers = world
    now = dt.datetime.now(dt.UTC)
    here = dashboard_figures(desk.store, AMAL, now=now)
    there = dashboard_figures(boss, AMAL, now=now)
    assert there.counts == here.counts
    assert sum(there.counts.values()) == len(numbers) == 14  # none of centre 102's five
    assert there.by_status() == {"submitted": 10, "accepted": 2, "rejected": 1, "returned": 1}
    assert there.intake_today == here.intake_today and sum(there.intake_today.values()) >= 3
    assert there.sla_by_service == here.sla_by_service
    assert there.sla_by_week == here.sla_by_week
    assert [r.number for r in there.overdue] == [r.number for r in here.overdue]
    assert there.overdue_total == here.overdue_total > 0
    assert [r.number for r in there.due_soon] == [r.number for r in here.due_soon]
    assert there.due_soon_total == here.due_soon_total
    assert there.workload == here.workload
    assert [(w.assignee, w.running, w.returned) for w in there.workload if w.assignee] == \
        [("amal", 2, 0)]
    assert (there.followed_up, there.period_requests) == (here.followed_up,
                                                          here.period_requests) == (5, 14)
    assert there.deadlines == here.deadlines


def test_exports_over_central_match_the_desk(world: Any, tmp_path: Path) -> None:
    desk, boss, numbers = world
    catalogue = desk.store.catalogue
    now = dt.datetime.now(dt.UTC)
    for flt in (QueueFilter(), QueueFilter(statuses=("submitted",)), QueueFilter(overdue=True)):
        sort = QueueSort(SortKey.FOLLOW_UPS, descending=True)
        mine = QueueQuery(desk.store, AMAL, flt, sort, now=now)
        theirs = QueueQuery(boss, AMAL, flt, sort, now=now)
        written = [export_csv(q, tmp_path / f"{n}.csv", catalogue) for n, q in
                   (("desk", mine), ("central", theirs))]
        assert written[0] == written[1] == mine.count() > 0
        assert (tmp_path / "central.csv").read_bytes() == (tmp_path / "desk.csv").read_bytes()
    with (tmp_path / "central.csv").open(encoding="utf-8-sig") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == export_headers("ar")
    assert len(rows) == written[1] and {r[0] for r in rows} <= {
        ops.display_number(n) for n in numbers}
    assert export_xlsx(QueueQuery(boss, AMAL, QueueFilter(), now=now), tmp_path / "all.xlsx",
                       catalogue) == len(numbers)


def test_the_daily_summary_prints_from_central(world: Any, tmp_path: Path) -> None:
    desk, boss, _ = world
    now = dt.datetime.now(dt.UTC)
    pdfs = {}
    for name, store in (("desk", desk.store), ("central", boss)):
        pdfs[name] = tmp_path / f"{name}.pdf"
        write_daily_summary(store, dashboard_figures(store, AMAL, now=now), pdfs[name])
    texts = {name: subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                                  capture_output=True, text=True).stdout
             for name, path in pdfs.items()}
    assert texts["central"] == texts["desk"]
    assert "14" in texts["central"]
