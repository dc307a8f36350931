"""Up: the transactional outbox and idempotent upload of requests, events, follow-ups, audit."""

from __future__ import annotations

import dataclasses
import datetime as dt

import psycopg
import pytest
from psycopg import pq
from sqlalchemy import func, select
from synchelp import CLERK, POLICY, SUPERVISOR, libpq_trace, round_trips, submit_many
from timing_data import submitted_with_follow_up_open

from tawasul_desktop.central import operations as hub
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.models import AuditEntry, OutboxEntry
from tawasul_desktop.sync import local
from tawasul_desktop.wire.protocol import KIND_BLOB, KIND_EVENT, KIND_FOLLOW_UP, KIND_SUBMIT


def outbox_kinds(store) -> list[str]:
    with store.read() as session:
        return list(session.execute(select(OutboxEntry.kind).order_by(OutboxEntry.seq)).scalars())


def test_a_submit_and_its_outbox_entries_commit_together(desks, valid_request):
    desk = desks()
    ops.submit_request(desk.store, CLERK, valid_request())
    # One operation for the request, then one upload per distinct file (the PDF and the photo).
    assert outbox_kinds(desk.store) == [KIND_SUBMIT, KIND_BLOB, KIND_BLOB]

    first = valid_request()
    ops.submit_request(desk.store, CLERK, first)
    before = outbox_kinds(desk.store)
    with pytest.raises(TawasulError):  # an open duplicate is refused: nothing is queued
        ops.submit_request(desk.store, CLERK, valid_request(id_number=first.beneficiary.id_number))
    assert outbox_kinds(desk.store) == before


def test_a_refused_transition_queues_nothing(desks, valid_request):
    desk = desks()
    summary = ops.submit_request(desk.store, CLERK, valid_request())
    before = outbox_kinds(desk.store)
    with pytest.raises(TawasulError):
        ops.transition(desk.store, CLERK, summary.number, Action.ANSWER)  # not returned
    assert outbox_kinds(desk.store) == before
    ops.transition(desk.store, CLERK, summary.number, Action.WITHDRAW)
    assert outbox_kinds(desk.store) == [*before, KIND_EVENT]


def test_push_sends_every_request_once_and_empties_the_outbox(desks, central, valid_request):
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(30)])
    report = desk.sync()
    assert report.pushed == 30 and report.pending_after == 0 and not report.refused
    assert outbox_kinds(desk.store) == []
    with central.admin() as conn:
        rows = conn.execute("SELECT number, status, counter, received_at IS NOT NULL, "
                            "attachments_pending FROM requests ORDER BY number").fetchall()
    assert [r[0] for r in rows] == sorted(numbers)
    assert all(r[1] == "submitted" and r[2] == 1 and r[3] and not r[4] for r in rows)
    # A second pass has nothing to send and changes nothing.
    again = desk.sync()
    assert again.pushed == 0 and central.scalar("SELECT count(*) FROM requests") == 30


def test_a_batch_sent_twice_changes_nothing(desks, central, valid_request):
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request() for _ in range(10)])
    summary = ops.submit_request(desk.store, CLERK, valid_request())
    ops.transition(desk.store, CLERK, summary.number, Action.WITHDRAW)
    with desk.store.read() as session:
        batch = local.pending_ops(session, 0, 1000)
    now = dt.datetime.now(dt.UTC)
    with central.target(desk.role).connect(autocommit=True) as conn:
        first = hub.push_ops(conn, batch, sent_at=now, policy=POLICY)
        second = hub.push_ops(conn, batch, sent_at=now, policy=POLICY)
    assert {o.outcome for o in first.outcomes} == {hub.APPLIED}
    assert {o.outcome for o in second.outcomes} == {hub.DUPLICATE}
    assert central.scalar("SELECT count(*) FROM requests") == 11
    assert central.scalar("SELECT count(*) FROM ops") == 12
    assert central.scalar("SELECT status FROM requests WHERE id = %s",
                          summary.id) == "withdrawn"


def test_crash_after_central_commit_before_local_mark_sent(desks, central, valid_request):
    """Central committed, the desk died before deleting its outbox rows: the re-sent batch is
    recognised operation by operation."""
    class Crash(Exception):
        pass

    def crash_after_commit(point, conn):
        if point == "push.after_commit":
            raise Crash

    desk = desks(fault_hook=crash_after_commit)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(25)])
    with pytest.raises(Crash):
        desk.engine.run_once()
    assert central.scalar("SELECT count(*) FROM requests") == 25
    assert outbox_kinds(desk.store).count(KIND_SUBMIT) == 25  # still pending locally

    desk.engine.fault_hook = None
    report = desk.sync()
    assert report.pushed == 0 and report.already_there == 25 and report.pending_after == 0
    assert central.scalar("SELECT count(*) FROM requests") == 25


def test_events_follow_ups_and_audit_go_up(desks, central, valid_request):
    desk = desks()
    then = submitted_with_follow_up_open()
    kept = ops.submit_request(desk.store, CLERK, valid_request(), now=then)
    gone = ops.submit_request(desk.store, CLERK, valid_request(), now=then)
    ops.record_follow_up(desk.store, CLERK, kept.number, "اتصل مقدم الطلب")
    ops.transition(desk.store, CLERK, gone.number, Action.WITHDRAW, reason="بطلب المستفيد")
    desk.sync()
    assert central.scalar("SELECT status FROM requests WHERE id = %s", gone.id) == "withdrawn"
    assert central.scalar("SELECT note FROM follow_ups WHERE request_id = %s",
                          kept.id) == "اتصل مقدم الطلب"
    kinds = central.scalar("SELECT array_agg(kind ORDER BY seq) FROM ops")
    assert kinds == [KIND_SUBMIT, KIND_SUBMIT, KIND_FOLLOW_UP, KIND_EVENT]
    with desk.store.read() as session:
        local_audit = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert central.scalar("SELECT count(*) FROM audit_entries") == local_audit
    desk.sync()  # nothing twice
    with desk.store.read() as session:
        local_audit = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert central.scalar("SELECT count(*) FROM audit_entries") == local_audit
    distinct = central.scalar("SELECT count(DISTINCT (store_id, seq)) FROM audit_entries")
    assert distinct == local_audit


def test_a_supervisor_decision_on_a_single_desk_goes_up_only_where_allowed(
        desks, central, valid_request):
    plain = desks("101", 1)
    single = desks("102", 1, may_decide=True)
    for desk in (plain, single):
        summary = ops.submit_request(desk.store, CLERK, valid_request())
        ops.transition(desk.store, SUPERVISOR, summary.number, Action.ACCEPT)
        report = desk.sync()
        status = central.scalar("SELECT status FROM requests WHERE id = %s", summary.id)
        if desk is single:
            assert status == "accepted" and not report.refused
        else:
            # Central wins: a counter's role may not decide; the refusal stays visible.
            assert status == "submitted"
            assert [r.code for r in report.refused] == ["request.not_permitted"]
            assert desk.engine.status().refused == 1
            assert ops.get_request(desk.store, summary.number).status == "submitted"


def test_pending_operations_block_a_downgrade(store, valid_request):
    from alembic import command

    from tawasul_desktop.storage.engine import alembic_config, current_revision, head_revision

    ops.submit_request(store, CLERK, valid_request())
    before = outbox_kinds(store)
    with pytest.raises(RuntimeError, match="outbox"):
        command.downgrade(alembic_config(store.engine), "0002")
    assert outbox_kinds(store) == before and current_revision(store.engine) == head_revision()


def pending_submits(store) -> int:
    with store.read() as session:
        return len(session.execute(select(OutboxEntry.seq).where(
            OutboxEntry.kind == KIND_SUBMIT, OutboxEntry.state == "pending")).all())


def test_a_pass_cut_after_a_batch_keeps_that_batch_settled_and_the_next_pending(
        desks, central, valid_request):
    """The desk settles a batch while central works on the next (engine._push): a pass the
    link cuts in the second batch still settles the first before it returns, and the cut
    batch, rolled back centrally, stays pending."""
    desk = desks(batch_size=3)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(7)])
    commits = []

    def cut_second_batch(point: str, conn) -> None:
        if point == "push.after_commit":
            commits.append(point)
        elif point == "push.before_commit" and commits:
            with central.admin() as admin_conn:
                admin_conn.execute("SELECT pg_terminate_backend(%s, 10000)",
                                   (conn.info.backend_pid,))

    desk.engine.fault_hook = cut_second_batch
    report = desk.engine.run_once()
    assert not report.ok and report.pushed == 3
    assert central.scalar("SELECT count(*) FROM requests") == 3
    assert pending_submits(desk.store) == 4
    desk.engine.fault_hook = None
    report = desk.sync()
    assert report.pushed == 4 and report.already_there == 0 and report.pending_after == 0
    assert central.scalar("SELECT count(*) FROM requests") == 7


def test_a_batch_the_desk_failed_to_settle_is_answered_as_already_there(
        desks, central, valid_request, monkeypatch):
    """Settling runs on the desk's thread: its failure stops the pass as before (the error
    is raised, not lost in the thread), and the batch, committed centrally but still
    pending at the desk, is recognised when sent again."""
    desk = desks(batch_size=3)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(7)])
    settled = []
    real_settle = local.settle

    def settle_fails_once(session, sent, outcomes, now):
        settled.append(len(sent))
        if len(settled) == 2:
            raise OSError("disk full")
        real_settle(session, sent, outcomes, now)

    monkeypatch.setattr(local, "settle", settle_fails_once)
    with pytest.raises(OSError, match="disk full"):
        desk.engine.run_once()
    # The third batch went while the second was being settled: central has all seven.
    assert central.scalar("SELECT count(*) FROM requests") == 7
    assert pending_submits(desk.store) == 4  # the first batch settled, not the others
    monkeypatch.setattr(local, "settle", real_settle)
    report = desk.sync()
    assert report.ok and report.pushed == 0 and report.already_there == 4
    assert report.pending_after == 0


def _traced_push(desk, central, path):
    with desk.store.read() as session:
        batch = [o for o in local.pending_ops(session, 0, 1000) if o.kind == KIND_SUBMIT]
    with central.target(desk.role).connect(autocommit=True) as conn:
        me = hub.whoami(conn)
        with libpq_trace(conn, path):
            result = hub.push_ops(conn, batch, sent_at=dt.datetime.now(dt.UTC), policy=POLICY,
                                  identity=me)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    return result, path.read_text()


def test_a_push_with_files_waits_on_central_twice_begin_and_commit_included(
        desks, central, valid_request, tmp_path):
    """The operations and the requests go in one statement, with BEGIN; the files' rows, the
    desk's last seen time and COMMIT in the second round trip. Before: three statement
    round trips, then five waits in all (psycopg's transaction waited on its BEGIN, its
    COMMIT and the pipeline's closing sync each): 150 ms a batch at a 30 ms round trip to
    central instead of 60 ms."""
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request() for _ in range(5)])
    result, trace = _traced_push(desk, central, tmp_path / "libpq.trace")
    assert {o.outcome for o in result.outcomes} == {hub.APPLIED}
    assert central.scalar("SELECT count(*) FROM requests") == 5
    assert central.scalar("SELECT count(*) FROM request_attachments") == 10
    assert round_trips(trace) == 2
    assert trace.count('Parse\t "" "BEGIN"') == 1 and trace.count('Parse\t "" "COMMIT"') == 1


def test_a_push_that_fails_before_its_commit_leaves_nothing_and_the_connection_usable(
        desks, central, valid_request):
    """Guard for the BEGIN and COMMIT sent by hand: a failure inside the transaction (here
    the fault hook raising where the commit would go) rolls it back, and the connection is
    idle for the next batch."""
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request() for _ in range(3)])
    with desk.store.read() as session:
        batch = local.pending_ops(session, 0, 1000)

    def fail(point, conn):
        if point == "push.before_commit":
            raise RuntimeError("cut before the commit")

    with central.target(desk.role).connect(autocommit=True) as conn:
        with pytest.raises(RuntimeError):
            hub.push_ops(conn, batch, sent_at=dt.datetime.now(dt.UTC), policy=POLICY,
                         fault_hook=fail)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        assert central.scalar("SELECT count(*) FROM ops") == 0
        assert central.scalar("SELECT count(*) FROM requests") == 0
        result = hub.push_ops(conn, batch, sent_at=dt.datetime.now(dt.UTC), policy=POLICY)
    assert {o.outcome for o in result.outcomes} == {hub.APPLIED}
    assert central.scalar("SELECT count(*) FROM requests") == 3


def test_a_push_refused_by_central_mid_batch_rolls_back_whole(desks, central, valid_request):
    """Guard: an error from central in the middle of the pipelined batch (a row its CHECK
    refuses) leaves no operation of the batch behind and the connection idle."""
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
    with desk.store.read() as session:
        batch = local.pending_ops(session, 0, 1000)
    bad = dataclasses.replace(batch[-1], payload=batch[-1].payload.replace(
        '"status":"', '"status":"no-such-status', 1))
    with central.target(desk.role).connect(autocommit=True) as conn:
        with pytest.raises(psycopg.Error):
            hub.push_ops(conn, [*batch[:-1], bad], sent_at=dt.datetime.now(dt.UTC),
                         policy=POLICY)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert central.scalar("SELECT count(*) FROM ops") == 0
    assert central.scalar("SELECT count(*) FROM requests") == 0
