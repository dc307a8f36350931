"""When a desk and central disagree, central wins; the refused event is a conflict both see."""

from __future__ import annotations

import threading

from sqlalchemy import select
from synchelp import CLERK, POLICY, submit_many, wait_for_feed

from tawasul_desktop.central import operations as hub
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.models import OutboxEntry
from tawasul_desktop.wire.protocol import CONFLICT


def test_withdrawal_after_a_central_decision_is_a_conflict(desks, central, valid_request):
    desk = desks()
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    with central.admin() as conn:
        hub.decide(conn, number, Action.ACCEPT, actor="amal", policy=POLICY)
    # The desk has not heard yet: the applicant withdraws at the counter.
    ops.transition(desk.store, CLERK, number, Action.WITHDRAW, reason="لم يعد بحاجة")
    report = desk.sync()
    assert [(r.state, r.code) for r in report.refused] == [(CONFLICT,
                                                           "request.illegal_transition")]
    # Central's state won, here and there; the desk keeps the refused event to show.
    assert central.scalar("SELECT status FROM requests WHERE number = %s", number) == "accepted"
    assert ops.get_request(desk.store, number).status == "accepted"
    shown = desk.engine.refused()
    assert len(shown) == 1 and shown[0].request_number == number
    assert shown[0].state == CONFLICT and "withdrawn" in shown[0].message_en.lower()
    assert desk.engine.status().refused == 1 and desk.engine.status().pending == 0
    with central.admin() as conn:
        row = conn.execute("SELECT action, central_status, problem->>'code' FROM conflicts"
                           ).fetchone()
    assert row == ("withdraw", "accepted", "request.illegal_transition")
    # Sent again (e.g. by mistake), the answer is the same and nothing is recorded twice.
    assert desk.engine.requeue([shown[0].op_id]) == 1
    again = desk.sync()
    assert [r.state for r in again.refused] == [CONFLICT] and again.already_there == 0
    assert central.scalar("SELECT count(*) FROM conflicts") == 1


def test_a_decision_after_the_withdrawal_arrived_is_refused_centrally(desks, central,
                                                                     valid_request):
    desk = desks()
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    ops.transition(desk.store, CLERK, number, Action.WITHDRAW)
    desk.sync()
    with central.admin() as conn:
        outcome = hub.decide(conn, number, Action.ACCEPT, actor="amal", policy=POLICY)
    assert isinstance(outcome, Problem) and outcome.code == "request.illegal_transition"
    assert central.scalar("SELECT status FROM requests WHERE number = %s", number) == "withdrawn"


def test_decisions_racing_withdrawals(desks, central, valid_request):
    """Supervisors decide while the desk pushes withdrawals of the same requests: each request
    ends either accepted (its withdrawal a conflict) or withdrawn (the decision refused)."""
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(40)])
    desk.sync()
    for number in numbers:
        ops.transition(desk.store, CLERK, number, Action.WITHDRAW)
    refused_decisions: list[str] = []
    start = threading.Barrier(2)

    def supervisor() -> None:
        with central.admin() as conn:
            start.wait()
            for number in numbers:
                if isinstance(hub.decide(conn, number, Action.ACCEPT, actor="amal",
                                         policy=POLICY), Problem):
                    refused_decisions.append(number)

    thread = threading.Thread(target=supervisor)
    thread.start()
    start.wait()
    desk.engine.batch_size = 5  # several commits, interleaving with the decisions
    first = desk.sync()
    thread.join()
    wait_for_feed(central)  # every decision below the horizon: the last pass receives them
    desk.sync()

    with central.admin() as conn:
        final = dict(conn.execute("SELECT number, status FROM requests").fetchall())
        conflicted = {r[0] for r in conn.execute(
            "SELECT q.number FROM conflicts c JOIN requests q ON q.id = c.request_id")}
    accepted = {n for n, s in final.items() if s == "accepted"}
    withdrawn = {n for n, s in final.items() if s == "withdrawn"}
    assert accepted | withdrawn == set(numbers) and not accepted & withdrawn
    assert conflicted == accepted
    assert set(refused_decisions) == withdrawn
    assert len(first.refused) == len(accepted)
    assert {n: ops.get_request(desk.store, n).status for n in numbers} == final
    with desk.store.read() as session:
        kept = session.execute(select(OutboxEntry.state)).scalars().all()
    assert kept == [CONFLICT] * len(accepted)
