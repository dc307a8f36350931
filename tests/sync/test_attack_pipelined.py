"""Attacks on the hand-sent BEGIN/COMMIT of operations._pipelined_transaction with a real
central: a statement refused in the transaction's last round trip, decisions racing on the
row lock, a bulk action's shared connection refused or cut between its requests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import pq
from synchelp import CLERK, POLICY, submit_many, supervisor_role, supervisor_store

from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.queue import stop_at_central_failure
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage.supervision import decide_many
from tawasul_desktop.storage.users import Actor
from tawasul_desktop.sync import local

AMAL = Actor("amal", "supervisor", "Amal")


def wait_until(check: Callable[[], bool], what: str) -> None:
    """Poll central's own views until ``check`` holds (a bound, not a measure)."""
    for _ in range(2000):
        if check():
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"never: {what}")


def lock_waiters(central, role: str) -> int:
    return central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s "
                          "AND wait_event_type = 'Lock'", role)


def open_transactions(central, role: str) -> int:
    return central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s "
                          "AND state LIKE 'idle in transaction%%'", role)


def test_a_push_refused_in_its_last_round_trip_commits_nothing_and_is_sent_again_once(
        desks, central, valid_request):
    """The files' rows go with the COMMIT, in the push's second wait: refused there (a
    trigger standing in for any refusal), nothing of the batch is central's, the connection
    is idle, and once the refusal is gone the next pass leaves one copy of everything."""
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request(), valid_request()])
    with central.admin() as conn:
        conn.execute("CREATE FUNCTION attack_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$BEGIN RAISE EXCEPTION 'attack: refused'; END$$")
        conn.execute("CREATE TRIGGER attack_refuse BEFORE INSERT ON request_attachments "
                     "FOR EACH ROW EXECUTE FUNCTION attack_refuse()")
    try:
        with desk.store.read() as session:
            outgoing = local.pending_ops(session, 0, 100)
        with central.target(desk.role).connect(autocommit=True) as conn:
            with pytest.raises(psycopg.errors.RaiseException, match="attack: refused"):
                hub.push_ops(conn, outgoing, sent_at=outgoing[0].counter_time, policy=POLICY)
            assert conn.info.transaction_status == pq.TransactionStatus.IDLE
            assert open_transactions(central, desk.role) == 0
            assert conn.execute("SELECT 1").fetchone() == (1,)  # usable as it is
        for table in ("requests", "ops", "request_attachments", "changes"):
            assert central.scalar(f"SELECT count(*) FROM {table}") == 0, table
        report = desk.engine.run_once()
        assert not report.ok and "attack: refused" in (report.error or "")
        assert open_transactions(central, desk.role) == 0
        assert central.scalar("SELECT count(*) FROM requests") == 0
    finally:
        with central.admin() as conn:
            conn.execute("DROP TRIGGER attack_refuse ON request_attachments")
            conn.execute("DROP FUNCTION attack_refuse()")
    report = desk.sync()
    assert report.ok and report.pushed == 2 and report.pending_after == 0
    assert central.scalar("SELECT count(*) FROM requests") == 2
    assert central.scalar("SELECT count(DISTINCT number) FROM requests WHERE number = ANY(%s)",
                          numbers) == 2
    assert central.scalar("SELECT count(*) FROM ops") == 2
    assert central.scalar("SELECT count(*) FROM request_attachments") == 4
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0


def test_a_batch_of_files_cut_before_its_commit_leaves_none_and_is_sent_again_once(
        desks, central, valid_request):
    """The server process ended (an administrator, a restart) after the batch of small files
    went out and before its COMMIT: none of them is central's, the pass says central was not
    reached, and the next pass sends each file once and clears "attachments pending"."""
    killed: list[int] = []

    def kill_before_commit(point: str, conn: psycopg.Connection[Any]) -> None:
        if point == "upload.before_commit" and not killed:
            killed.append(conn.info.backend_pid)
            with central.admin() as admin:
                admin.execute("SELECT pg_terminate_backend(%s, 10000)", (killed[0],))

    desk = desks(fault_hook=kill_before_commit)
    submit_many(desk.store, CLERK, [valid_request(), valid_request()])
    with desk.store.read() as session:
        files = len(local.pending_blobs(session))
    assert files == 2  # both requests hold the same two files
    report = desk.engine.run_once()
    assert killed and not report.ok and not report.online
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 2
    assert central.scalar("SELECT count(*) FROM blobs") == 0
    report = desk.sync()
    assert report.files_uploaded == files and report.pending_after == 0
    assert central.scalar("SELECT count(*) FROM blobs") == files
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0
    assert open_transactions(central, desk.role) == 0


@pytest.fixture
def two_on_central(desks, central, valid_request):
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request(), valid_request()])
    assert desk.sync().pushed == 2
    return desk, numbers


def test_a_decision_waiting_on_the_lock_is_timed_after_it(two_on_central, central):
    """Guard: the clock is read by a statement queued after the locking one, so a decision
    that waited for another transaction's lock is dated after that one let go, not when the
    click left the desk."""
    _desk, (number, _) = two_on_central
    role = supervisor_role(central, "amal")
    result: list[Any] = []
    with central.admin() as holder, central.target(role).connect(autocommit=True) as conn:
        hub.decide(conn, number, Action.START_REVIEW, actor="amal", policy=POLICY)
        holder.autocommit = False
        holder.execute("SELECT 1 FROM requests WHERE number = %s FOR UPDATE", (number,))
        worker = threading.Thread(target=lambda: result.append(hub.decide(
            conn, number, Action.ACCEPT, actor="amal", policy=POLICY,
            expected_status="under_review")))
        worker.start()
        try:
            wait_until(lambda: lock_waiters(central, role) == 1, "the decision waits")
            released = holder.execute("SELECT clock_timestamp()").fetchone()[0]
        finally:
            holder.commit()
            worker.join(60)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    (outcome,) = result
    assert outcome.status == "accepted"
    decided_at = central.scalar("SELECT decided_at FROM requests WHERE number = %s", number)
    assert decided_at > released


def test_two_supervisors_deciding_one_request_at_once_one_wins(two_on_central, central):
    """Guard: both wait on a third transaction's lock, both having seen 'submitted'; when it
    lets go one decision is applied and the other answers changed_meanwhile, with one
    operation written and both connections idle."""
    _desk, (number, _) = two_on_central
    roles = [supervisor_role(central, "amal"), supervisor_role(central, "sara")]
    results: list[Any] = []
    conns = [central.target(r).connect(autocommit=True) for r in roles]
    try:
        with central.admin() as holder:
            holder.autocommit = False
            holder.execute("SELECT 1 FROM requests WHERE number = %s FOR UPDATE", (number,))
            workers = [threading.Thread(target=lambda c=c, a=a: results.append(hub.decide(
                c, number, Action.START_REVIEW, actor=a, policy=POLICY,
                expected_status="submitted"))) for c, a in zip(conns, ("amal", "sara"),
                                                                strict=True)]
            for w in workers:
                w.start()
            try:
                wait_until(lambda: sum(lock_waiters(central, r) for r in roles) == 2,
                           "both decisions wait")
            finally:
                holder.commit()
                for w in workers:
                    w.join(60)
        assert all(c.info.transaction_status == pq.TransactionStatus.IDLE for c in conns)
    finally:
        for c in conns:
            c.close()
    codes = sorted(getattr(r, "code", "applied") for r in results)
    assert codes == ["applied", "request.changed_meanwhile"]
    assert central.scalar("SELECT count(*) FROM ops WHERE kind = %s", hub.CENTRAL_DECISION) == 1
    assert central.scalar("SELECT status FROM requests WHERE number = %s", number) \
        == "under_review"


def bulk_backends(central, role: str) -> int:
    return central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", role)


def start_review_of(boss, numbers: list[str], before: int, meddle: Callable[[], None]):
    """The workspace's bulk "start review" over ``numbers``; ``meddle`` runs on central just
    before the ``before``-th request is decided."""
    calls = 0

    def run(some):
        nonlocal calls
        calls += 1
        if calls == before:
            meddle()
        return decide_many(boss, AMAL, some, Action.START_REVIEW)

    return stop_at_central_failure([(n, "submitted") for n in numbers], run, boss)


def test_a_bulk_action_refused_midway_writes_nothing_of_it_and_lets_go(
        desks, central, valid_request):
    """UPDATE on requests taken from the supervisors between the bulk action's first and
    second requests: the first stays decided, the second is refused whole (no operation of
    it), the rest are not attempted, and the shared connection is gone from central."""
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(4)])
    assert desk.sync().pushed == 4
    boss = supervisor_store(central, desk.store)
    role = supervisor_role(central, "amal")
    group = f"{central.prefix}_supervisor"
    with central.admin() as conn:
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.column_privileges "
            "WHERE table_name = 'requests' AND grantee = %s AND privilege_type = 'UPDATE'",
            (group,))]
    def revoke() -> None:
        with central.admin() as conn:
            conn.execute(f'REVOKE UPDATE ON requests FROM "{group}"')

    try:
        outcome = start_review_of(boss, numbers, 2, revoke)
    finally:
        with central.admin() as conn:
            conn.execute(f'GRANT UPDATE ({", ".join(columns)}) ON requests TO "{group}"')
        boss.close()
    assert outcome.done == numbers[:1]
    assert [(n, p.code) for n, p in outcome.refused] == [
        (numbers[1], "queue.central_refused"), (numbers[2], "queue.not_attempted"),
        (numbers[3], "queue.not_attempted")]
    assert central.scalar("SELECT count(*) FROM ops WHERE kind = %s", hub.CENTRAL_DECISION) == 1
    assert central.scalar("SELECT array_agg(number ORDER BY number) FROM requests "
                          "WHERE status = 'under_review'") == numbers[:1]
    # A closed connection's server process ends a moment later; a held one never does.
    wait_until(lambda: bulk_backends(central, role) == 0, "the shared connection ends")


def test_a_bulk_actions_connection_cut_between_requests(desks, central, valid_request):
    """The shared connection's server process ended between the second and third requests
    (an administrator, a restart): the third is told central could not be reached, the rest
    are not attempted, nothing is half written, no backend is left, and the next action
    connects afresh and works."""
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(4)])
    assert desk.sync().pushed == 4
    boss = supervisor_store(central, desk.store)
    role = supervisor_role(central, "amal")
    def cut() -> None:
        with central.admin() as conn:
            (pid,) = conn.execute("SELECT pid FROM pg_stat_activity WHERE usename = %s",
                                  (role,)).fetchone()
            conn.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))

    try:
        outcome = start_review_of(boss, numbers, 3, cut)
        assert outcome.done == numbers[:2]
        assert [(n, p.code) for n, p in outcome.refused] == [
            (numbers[2], "queue.central_unreachable"), (numbers[3], "queue.not_attempted")]
        wait_until(lambda: bulk_backends(central, role) == 0, "the shared connection ends")
        again = start_review_of(boss, numbers[2:], 0, lambda: None)
        assert sorted(again.done) == sorted(numbers[2:]) and not again.refused
    finally:
        boss.close()
    assert central.scalar("SELECT count(*) FROM ops WHERE kind = %s", hub.CENTRAL_DECISION) == 4
    # A closed connection's server process ends a moment later; a held one never does.
    wait_until(lambda: bulk_backends(central, role) == 0, "the shared connection ends")
