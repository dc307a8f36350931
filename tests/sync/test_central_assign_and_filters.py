"""Assignments made centrally flow down to the counter that holds the request (the change
feed names the assignee since central schema c0004), and supervisors' saved queue filters
are kept centrally, per login role, when the queue reads the central PostgreSQL."""

from __future__ import annotations

import json
import os
import secrets
import uuid
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psycopg  # noqa: E402
import pytest  # noqa: E402
from alembic import command  # noqa: E402
from sqlalchemy import select  # noqa: E402
from synchelp import (  # noqa: E402
    CLERK,
    PG_DSN,
    CentralDb,
    Desk,
    drop_central_db,
    server_or_skip,
    submit_many,
    supervisor_role,
    wait_for_desk_feed,
)

from tawasul_desktop.central import admin  # noqa: E402
from tawasul_desktop.central.queue import open_central_store  # noqa: E402
from tawasul_desktop.domain.lifecycle import Action  # noqa: E402
from tawasul_desktop.domain.messages import TawasulError  # noqa: E402
from tawasul_desktop.storage import requests as ops  # noqa: E402
from tawasul_desktop.storage.models import AuditEntry, Request  # noqa: E402
from tawasul_desktop.storage.queue import QueueFilter, request_timeline  # noqa: E402
from tawasul_desktop.storage.store import Store  # noqa: E402
from tawasul_desktop.storage.supervision import (  # noqa: E402
    assign_many,
    decide_many,
    delete_filter,
    save_filter,
    saved_filters,
)
from tawasul_desktop.storage.users import Actor  # noqa: E402
from tawasul_desktop.sync.local import reset_cursor  # noqa: E402

AMAL = Actor("amal", "supervisor", "Amal")
HUDA = Actor("huda", "supervisor", "Huda")


def sync_until(desk: Desk, rows: int) -> tuple[int, int]:
    """One pass once the feed hands out every row written so far (rows wait while an older
    transaction anywhere on the server is open); answer (pulled, requests changed), which
    the callers compare with the ``rows`` they expect."""
    wait_for_desk_feed(desk)
    report = desk.sync()
    return report.pulled, report.requests_changed


@pytest.fixture
def world(desks: Any, central: CentralDb, valid_request: Any) -> Any:
    desk = desks("101", 1)
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(4)])
    with central.admin() as conn:  # not among the fixture's data tables
        conn.execute("TRUNCATE saved_filters")
    boss = open_central_store(desk.store.settings, local=desk.store,
                              target=central.target(supervisor_role(central, "amal")))
    assert sync_until(desk, 1) == (1, 0)  # the requests up, the supervisor's user down
    yield desk, boss, numbers
    boss.close()


def audit_of(store: Store, number: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    request_id = str(ops.get_request(store, number).id)
    with store.read() as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.old, AuditEntry.new)
                               .where(AuditEntry.entity_id == request_id)
                               .order_by(AuditEntry.seq)).all()
    return [(a, json.loads(old or "{}"), json.loads(new or "{}")) for a, old, new in rows]


def timeline_of(store: Store, number: str) -> list[Any]:
    request_id = str(ops.get_request(store, number).id)
    with store.read() as session:
        return request_timeline(session, request_id)


# --- assignments flow down ------------------------------------------------------------------


def test_a_central_assignment_and_its_release_reach_the_counter(world: Any,
                                                                central: CentralDb) -> None:
    desk, boss, numbers = world
    number = numbers[0]
    assert assign_many(boss, AMAL, [(number, None)], "amal").done == [number]
    assert ops.get_request(desk.store, number).assignee is None  # not before the next sync
    assert sync_until(desk, 1) == (1, 1)
    assert ops.get_request(desk.store, number).assignee == "amal"
    action, old, new = audit_of(desk.store, number)[-1]
    assert action == "sync.request_changed"
    assert (old["assignee"], new["assignee"], new["status"]) == (None, "amal", "submitted")
    last = timeline_of(desk.store, number)[-1]
    assert (last.actor, last.action, last.assignee) == ("central", "sync.request_changed", "amal")

    # Released centrally: the counter lets go too.
    assert assign_many(boss, AMAL, [(number, "amal")], None).done == [number]
    assert sync_until(desk, 1) == (1, 1)
    assert ops.get_request(desk.store, number).assignee is None
    _, old, new = audit_of(desk.store, number)[-1]
    assert (old["assignee"], new["assignee"]) == ("amal", None)
    # Pulled again from the start: the same end state, nothing new recorded.
    with desk.store.write() as session:
        reset_cursor(session)
    entries = len(audit_of(desk.store, number))
    assert desk.sync().requests_changed == 0  # all of it is old enough to be read at once
    assert ops.get_request(desk.store, number).assignee is None
    assert len(audit_of(desk.store, number)) == entries


def test_the_feed_names_the_assignee_only_when_it_changed(world: Any,
                                                          central: CentralDb) -> None:
    desk, boss, numbers = world
    first, second = numbers[1], numbers[2]
    assign_many(boss, AMAL, [(first, None)], "amal")
    # A decision leaves the assignee alone: its change does not name one.
    assert decide_many(boss, AMAL, [(first, "submitted")], Action.START_REVIEW).done == [first]
    with central.admin() as conn:
        payloads = [row[0] for row in conn.execute(
            "SELECT payload FROM changes WHERE kind = 'request' ORDER BY id").fetchall()]
    assert [p.get("assignee", "-") for p in payloads] == ["amal", "-"]
    assert payloads[1]["status"] == "under_review"
    sync_until(desk, 2)
    mine = ops.get_request(desk.store, first)
    assert (mine.status, mine.assignee) == ("under_review", "amal")
    # What the desk holds and central never set is not undone by a later central change.
    with desk.store.write() as session:
        other = session.get(Request, ops.get_request(desk.store, second).id)
        assert other is not None
        other.assignee = "desk.supervisor"
    decide_many(boss, AMAL, [(second, "submitted")], Action.START_REVIEW)
    assert sync_until(desk, 1) == (1, 1)
    kept = ops.get_request(desk.store, second)
    assert (kept.status, kept.assignee) == ("under_review", "desk.supervisor")


def test_another_counter_does_not_hear_of_it(world: Any, desks: Any, central: CentralDb,
                                             valid_request: Any) -> None:
    desk, boss, numbers = world
    neighbour = desks("101", 2)
    submit_many(neighbour.store, CLERK, [valid_request()])
    assert sync_until(neighbour, 1) == (1, 0)  # amal's user
    assign_many(boss, AMAL, [(numbers[3], None)], "amal")
    assert sync_until(desk, 1) == (1, 1)
    assert neighbour.sync().pulled == 0  # past the horizon, and still not for this counter


# --- the migration ----------------------------------------------------------------------------


def test_upgrade_announces_earlier_assignments_and_adds_saved_filters() -> None:
    """A central schema at c0003 with an assigned request: ``tawasul central upgrade``
    brings it to c0004, and the assignment is in the feed for the counter to pull."""
    server_or_skip()
    token = secrets.token_hex(4)
    db = CentralDb(f"tawasul_t_{token}", f"t{token}")
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db.name}"')
    try:
        engine = admin._engine(db.target())
        try:
            command.upgrade(admin._config(engine, role_prefix=db.prefix), "c0003")
        finally:
            engine.dispose()
        request_id = uuid.uuid4()
        with db.admin() as conn:
            conn.execute(
                """INSERT INTO requests (id, number, centre, counter, service, status,
                       applicant_name, applicant_id, applicant_id_kind, applicant_mobile,
                       beneficiary_name, beneficiary_id, beneficiary_id_kind, relation,
                       search_names, description, submitted_at, effective_day, due_date,
                       created_by, updated_at, assignee)
                   VALUES (%s, '10101260000001', '101', 1, 'passport', 'submitted', 'x',
                       '1000000001', 'national', '0500000000', 'x', '1000000001', 'national',
                       'self', 'x', 'x', now(), current_date, current_date + 10, 'clerk',
                       now(), 'amal')""", (request_id,))
        assert db.scalar("SELECT count(*) FROM changes") == 0
        assert admin.upgrade_central(db.target()) == ("c0003", admin.central_head())
        assert admin.central_head() >= "c0004"
        payload = db.scalar("SELECT payload FROM changes WHERE kind = 'request'")
        assert (payload["id"], payload["assignee"], payload["status"]) == (
            str(request_id), "amal", "submitted")
        with db.admin() as conn:
            conn.execute("UPDATE requests SET assignee = NULL")
            conn.execute("UPDATE requests SET status = 'under_review'")
            feed = [r[0] for r in conn.execute(
                "SELECT payload FROM changes ORDER BY id OFFSET 1").fetchall()]
        assert [p.get("assignee", "-") for p in feed] == [None, "-"]
        assert db.scalar("SELECT relrowsecurity FROM pg_class WHERE relname = 'saved_filters'")
        assert db.scalar("SELECT has_table_privilege(%s, 'saved_filters', 'SELECT')",
                         f"{db.prefix}_supervisor")
        assert not db.scalar("SELECT has_table_privilege(%s, 'saved_filters', 'SELECT')",
                             f"{db.prefix}_counter")
    finally:
        drop_central_db(db)


# --- saved filters per supervisor -------------------------------------------------------------


def test_saved_filters_follow_the_supervisor_to_another_desk(world: Any, desks: Any,
                                                             central: CentralDb) -> None:
    desk, boss, _ = world
    mine = QueueFilter(statuses=("submitted",), assignee="amal", text="أحمد")
    save_filter(boss, AMAL, "  طلباتي   المفتوحة ", mine)
    save_filter(boss, AMAL, "Overdue", QueueFilter(overdue=True))
    assert [n.name for n in saved_filters(boss, "amal")] == ["Overdue", "طلباتي المفتوحة"]
    assert saved_filters(desk.store, "amal") == []  # nothing kept at this desk

    other_desk = desks("101", 3)
    there = open_central_store(other_desk.store.settings, local=other_desk.store,
                               target=central.target(supervisor_role(central, "amal")))
    try:
        found = {n.name: n.filter for n in saved_filters(there, "amal")}
        assert found == {"Overdue": QueueFilter(overdue=True), "طلباتي المفتوحة": mine}
        # The same name again replaces it, from either desk.
        save_filter(there, AMAL, "Overdue", QueueFilter(overdue=True, service="passport"))
        assert [n.filter.service for n in saved_filters(boss, "amal")] == ["passport", None]
        assert central.scalar("SELECT count(*) FROM saved_filters") == 2
        assert delete_filter(there, AMAL, "Overdue") is True
        assert delete_filter(boss, AMAL, "Overdue") is False
        assert [n.name for n in saved_filters(boss, "amal")] == ["طلباتي المفتوحة"]
    finally:
        there.close()
    # The name's rule is the desk's: nothing is written for a blank one.
    with pytest.raises(TawasulError) as refused:
        save_filter(boss, AMAL, "   ", mine)
    assert refused.value.problems[0].code == "queue.saved_filter_name"
    assert central.scalar("SELECT count(*) FROM saved_filters") == 1


def test_another_supervisor_never_sees_or_touches_them(world: Any, central: CentralDb) -> None:
    desk, boss, _ = world
    save_filter(boss, AMAL, "mine", QueueFilter(overdue=True))
    huda_role = supervisor_role(central, "huda")
    huda = open_central_store(desk.store.settings, local=desk.store,
                              target=central.target(huda_role))
    try:
        save_filter(huda, HUDA, "mine", QueueFilter(counter=2))  # the same name: her own
        assert saved_filters(huda, "amal") == []  # asking by amal's name shows nothing either
        assert [n.filter.counter for n in saved_filters(huda, "huda")] == [2]
        assert not delete_filter(huda, AMAL, "mine")
        assert [n.filter.overdue for n in saved_filters(boss, "amal")] == [True]
    finally:
        huda.close()

    amal_role = central.scalar("SELECT role_name FROM saved_filters WHERE owner = 'amal'")
    with central.target(huda_role).connect(autocommit=True) as conn:
        assert conn.execute("SELECT owner FROM saved_filters").fetchall() == [("huda",)]
        assert conn.execute("UPDATE saved_filters SET payload = '{}' "
                            "WHERE owner = 'amal'").rowcount == 0
        assert conn.execute("DELETE FROM saved_filters WHERE owner = 'amal'").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO saved_filters (role_name, owner, name) "
                         "VALUES (%s, 'amal', 'planted')", (amal_role,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # not a granted column
            conn.execute("UPDATE saved_filters SET role_name = %s", (amal_role,))
    with (central.target(desk.role).connect(autocommit=True) as conn,  # a counter's role
          pytest.raises(psycopg.errors.InsufficientPrivilege)):
        conn.execute("SELECT count(*) FROM saved_filters")
    assert central.scalar("SELECT count(*) FROM saved_filters WHERE owner = 'amal' "
                          "AND payload = %s::jsonb", json.dumps(QueueFilter(overdue=True)
                                                                .as_json())) == 1


def test_the_filter_bar_saves_and_lists_them_centrally(qtbot: Any, world: Any, desks: Any,
                                                       central: CentralDb) -> None:
    from tawasul_desktop.gui import workers
    from tawasul_desktop.gui.supervisor.filters import FilterBar

    _, boss, _ = world
    bar = FilterBar(boss, lambda: "ar")
    qtbot.addWidget(bar)
    bar.set_actor(AMAL, [])
    qtbot.waitUntil(lambda: not workers.busy(), timeout=5000)
    bar.deadline.setCurrentIndex(bar.deadline.findData("overdue"))
    # Not "متأخرة": that is the built-in "overdue" preset's Arabic label, found before ours.
    bar.ask_name = lambda *_a: "متأخراتي"
    bar.save_button.click()
    qtbot.waitUntil(lambda: bar.presets.findText("متأخراتي") >= 0, timeout=5000)

    elsewhere = desks("101", 4)
    there = open_central_store(elsewhere.store.settings, local=elsewhere.store,
                               target=central.target(supervisor_role(central, "amal")))
    other_bar = FilterBar(there, lambda: "ar")
    qtbot.addWidget(other_bar)
    try:
        other_bar.set_actor(AMAL, [])
        qtbot.waitUntil(lambda: other_bar.presets.findText("متأخراتي") >= 0, timeout=5000)
        with qtbot.waitSignal(other_bar.changed, timeout=3000) as shown:
            other_bar.choose_preset("متأخراتي")
        assert shown.args[0].overdue is True
    finally:
        qtbot.waitUntil(lambda: not workers.busy(), timeout=5000)
        there.close()
