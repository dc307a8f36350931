"""What a desk or a supervisor far from central pays in round trips: the times the client
waits on central, counted in libpq's own trace (each wait is one network round trip: at 30 ms
from central, ten waits are 300 ms of a pass, or of a click)."""

from __future__ import annotations

import dataclasses
import os

import pytest
from psycopg import pq
from synchelp import (
    CLERK,
    POLICY,
    libpq_trace,
    round_trips,
    submit_many,
    supervisor_role,
    supervisor_store,
)

from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.connection import CentralTarget
from tawasul_desktop.domain.intake_types import Attachment
from tawasul_desktop.domain.lifecycle import Action


@pytest.fixture
def traced(monkeypatch, tmp_path):
    """Every central connection the desk opens is traced; the traces' paths, in order."""
    paths: list = []
    tracing: list = []  # held: a collected generator would stop its trace at once
    real = CentralTarget.connect

    def connect(self, **kwargs):
        conn = real(self, **kwargs)
        path = tmp_path / f"conn{len(paths)}.trace"
        tracing.append(libpq_trace(conn, path))
        tracing[-1].__enter__()
        paths.append(path)
        return conn

    monkeypatch.setattr(CentralTarget, "connect", connect)
    return paths


def waits(paths) -> int:
    return sum(round_trips(p.read_text()) for p in paths)


def test_a_pass_sending_a_request_with_new_files_waits_on_central_seven_times(
        desks, central, valid_request, traced):
    """After the first pass (which checks who the desk is and binds it), a pass that sends
    one request with two new small files waits on central seven times: the schema check,
    the push (its statement, then the files' rows with the commit), the audit entries, the
    pull, which files central has, and the files. Before, the push's and the files' BEGIN,
    COMMIT and closing syncs took six waits more (thirteen)."""
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request()])
    assert desk.sync().pushed == 1
    files = tuple(Attachment("national_id_copy", f"{i}.pdf", "application/pdf",
                             os.urandom(3000)) for i in range(2))
    submit_many(desk.store, CLERK, [dataclasses.replace(valid_request(), attachments=files)])
    traced.clear()
    report = desk.engine.run_once()  # the pass alone (Desk.sync also waits for the feed)
    assert report.ok and report.pushed == 1 and report.files_uploaded == 2
    assert waits(traced) == 7


@pytest.fixture
def on_central(desks, central, valid_request):
    """Two requests of centre 101 at central, and a supervisor's connection to it."""
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request(), valid_request()])
    assert desk.sync().pushed == 2
    role = supervisor_role(central, "amal")
    supervisor_role(central, "sara")
    with central.target(role).connect(autocommit=True) as conn:
        yield conn, numbers


def test_a_supervisors_decision_waits_on_central_twice(on_central, central, tmp_path):
    """The row locked with central's clock and the centre's closures in one wait; the new
    state, the operation that carries it down and the COMMIT in the other. Before: BEGIN, the
    request, its lock, the clock, the closures, the update, the operation and the COMMIT each
    waited (eight), 240 ms a click at 30 ms from central."""
    conn, (number, _) = on_central
    with libpq_trace(conn, tmp_path / "decide.trace") as path:
        outcome = hub.decide(conn, number, Action.START_REVIEW, actor="amal", policy=POLICY,
                             expected_status="submitted")
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert outcome.status == "under_review"
    assert round_trips(path.read_text()) == 2
    assert central.scalar("SELECT status FROM requests WHERE number = %s", number) \
        == "under_review"
    assert central.scalar("SELECT count(*) FROM ops WHERE kind = %s", hub.CENTRAL_DECISION) == 1


def test_an_assignment_waits_on_central_twice(on_central, central, tmp_path):
    """The row locked and the assignee looked up in one wait; the change, its operation and
    the COMMIT in the other (before: six)."""
    conn, (number, _) = on_central
    with libpq_trace(conn, tmp_path / "assign.trace") as path:
        assert hub.assign(conn, number, "sara", actor="amal", role="supervisor",
                          expected_assignee=None) == "sara"
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert round_trips(path.read_text()) == 2
    assert central.scalar("SELECT assignee FROM requests WHERE number = %s", number) == "sara"


def test_refused_decisions_and_assignments_change_nothing(on_central, central):
    """Guard: a request not found, changed meanwhile, a step the rules refuse, an unknown
    assignee: each answers its problem, writes nothing and leaves the connection idle."""
    conn, (number, other) = on_central
    before = central.scalar("SELECT count(*) FROM ops")
    problems = [
        hub.decide(conn, "101-01-26-999999-9", Action.ACCEPT, actor="amal", policy=POLICY),
        hub.decide(conn, number, Action.ACCEPT, actor="amal", policy=POLICY,
                   expected_status="under_review"),
        hub.decide(conn, number, Action.ANSWER, actor="amal", policy=POLICY),
        hub.assign(conn, other, "nobody", actor="amal", role="supervisor"),
        hub.assign(conn, other, "sara", actor="amal", role="supervisor",
                   expected_assignee="sara"),
    ]
    assert [p.code for p in problems] == [
        "request.not_found", "request.changed_meanwhile", problems[2].code,
        problems[3].code, "request.assigned_meanwhile"]
    assert all(p.code.startswith(("request.", "assignment.")) for p in problems)
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert central.scalar("SELECT count(*) FROM ops") == before
    assert central.scalar("SELECT count(*) FROM requests WHERE status <> 'submitted' "
                          "OR assignee IS NOT NULL") == 0


def test_a_decision_inside_the_callers_transaction_commits_with_it_not_before(
        on_central, central):
    """Guard: BEGIN and COMMIT are sent by hand only on an idle connection; inside a
    caller's transaction the decision is a savepoint of it, rolled back with it."""
    conn, (number, _) = on_central

    class Undo(Exception):
        pass

    with pytest.raises(Undo), conn.transaction():
        hub.decide(conn, number, Action.START_REVIEW, actor="amal", policy=POLICY)
        assert central.scalar("SELECT status FROM requests WHERE number = %s",
                              number) == "submitted"  # not committed yet
        raise Undo
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert central.scalar("SELECT status FROM requests WHERE number = %s", number) == "submitted"
    assert central.scalar("SELECT count(*) FROM ops WHERE kind = %s", hub.CENTRAL_DECISION) == 0


def test_a_bulk_decision_connects_to_central_once(desks, central, valid_request, tmp_path,
                                                   monkeypatch):
    """Accepting many requests at once, as the workspace does it (stop_at_central_failure
    over decide_many, one request at a time): one connection for the lot, closed after it.
    Before, each request connected anew: at 30 ms from central a connection costs two to
    five round trips (TCP, the startup, SCRAM, TLS), for each of fifty requests."""
    from tawasul_desktop.central.queue import stop_at_central_failure
    from tawasul_desktop.storage.supervision import assign_many, decide_many
    from tawasul_desktop.storage.users import Actor

    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(5)])
    assert desk.sync().pushed == 5
    boss = supervisor_store(central, desk.store)
    amal = Actor("amal", "supervisor", "Amal")
    opened: list = []
    real = CentralTarget.connect

    def counted(self, **kwargs):
        opened.append(real(self, **kwargs))
        return opened[-1]

    monkeypatch.setattr(CentralTarget, "connect", counted)
    try:
        seen = [(n, "submitted") for n in numbers]
        seen[2] = (numbers[2], "accepted")  # the screen was stale for this one: refused
        outcome = stop_at_central_failure(
            seen, lambda some: decide_many(boss, amal, some, Action.START_REVIEW), boss)
        assert sorted(outcome.done) == sorted(numbers[:2] + numbers[3:])
        assert [p.code for _, p in outcome.refused] == ["request.changed_meanwhile"]
        assert len(opened) == 1 and opened[0].closed
        outcome = stop_at_central_failure(
            [(n, None) for n in numbers], lambda some: assign_many(boss, amal, some, "amal"),
            boss)
        assert len(outcome.done) == 5
        assert len(opened) == 2 and opened[1].closed
        # Outside a bulk action each decision connects on its own, as before.
        decide_many(boss, amal, [(numbers[2], "submitted")], Action.START_REVIEW)
        assert len(opened) == 3 and opened[2].closed
    finally:
        boss.close()
    assert central.scalar("SELECT count(*) FROM requests WHERE status = 'under_review' "
                          "AND assignee = 'amal'") == 5
