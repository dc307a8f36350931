"""Supervisor decisions through the core: assignment, bulk actions, two deciders at once."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tawasul_desktop.domain.decision_reasons import compose_reason, reasons_for, standard_reasons
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.assignment import assign, list_supervisors
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.models import AuditEntry
from tawasul_desktop.storage.supervision import assign_many, decide_many
from tawasul_desktop.storage.users import Actor, add_user

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=RIYADH)
SARA = Actor("sara", "supervisor", "Sara")
OMAR = Actor("omar", "supervisor", "Omar")


@pytest.fixture
def people(store):
    with store.write() as session:
        setup = Actor("setup", "admin")
        for name, role in (("sara", "supervisor"), ("omar", "supervisor"), ("amal", "clerk"),
                           ("root", "admin")):
            add_user(session, setup, name, role, "long password 1", store.policy.security)
    return store


def submitted(store, valid_request, count=1):
    return [ops.submit_request(store, Actor("amal", "clerk"), valid_request(), now=NOW).number
            for _ in range(count)]


def actions(store, request_id) -> list[str]:
    with store.read() as session:
        return list(session.execute(select(AuditEntry.action).where(
            AuditEntry.entity_id == str(request_id)).order_by(AuditEntry.seq)).scalars())


def test_claim_and_reassign_are_audited(people, valid_request):
    store = people
    [number] = submitted(store, valid_request)
    assert assign(store, SARA, number, "sara", expected_assignee=None, now=NOW) == "sara"
    assert assign(store, SARA, number, "omar", expected_assignee="sara", now=NOW) == "omar"
    assert assign(store, OMAR, number, None, expected_assignee="omar", now=NOW) is None
    req = ops.get_request(store, number)
    assert req.assignee is None
    assert actions(store, req.id) == ["request.submit"] + ["request.assign"] * 3
    with store.read() as session:
        assert verify_chain(session)[1] == []
    assert [s.username for s in list_supervisors(store)] == ["omar", "root", "sara"]


def test_assignment_conflict_is_told_not_overwritten(people, valid_request):
    store = people
    [number] = submitted(store, valid_request)
    assign(store, OMAR, number, "omar", expected_assignee=None, now=NOW)
    with pytest.raises(TawasulError) as caught:  # Sara's screen still showed nobody
        assign(store, SARA, number, "sara", expected_assignee=None, now=NOW)
    assert caught.value.problems[0].code == "request.assigned_meanwhile"
    assert "omar" in caught.value.problems[0].message_en
    assert ops.get_request(store, number).assignee == "omar"


@pytest.mark.parametrize(
    ("actor", "assignee", "code"),
    [
        (Actor("amal", "clerk"), "sara", "request.not_permitted"),
        (SARA, "amal", "request.assignee_invalid"),  # a clerk cannot hold a request
        (SARA, "ghost", "request.assignee_invalid"),
    ],
)
def test_assignment_rules(people, valid_request, actor, assignee, code):
    [number] = submitted(people, valid_request)
    with pytest.raises(TawasulError) as caught:
        assign(people, actor, number, assignee, now=NOW)
    assert caught.value.problems[0].code == code
    assert ops.get_request(people, number).assignee is None


def test_a_decided_request_cannot_be_assigned(people, valid_request):
    [number] = submitted(people, valid_request)
    ops.transition(people, SARA, number, Action.ACCEPT, now=NOW)
    with pytest.raises(TawasulError) as caught:
        assign(people, SARA, number, "sara", now=NOW)
    assert caught.value.problems[0].code == "request.not_assignable"


def test_two_supervisors_decide_at_once_one_wins(people, valid_request):
    """Both screens showed "submitted"; both decide at the same moment from two threads."""
    store = people
    [number] = submitted(store, valid_request)
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def decide(actor: Actor, action: Action, reason: str | None) -> None:
        start.wait()
        try:
            results[actor.username] = ops.transition(store, actor, number, action, reason=reason,
                                                     now=NOW, expected_status="submitted").status
        except TawasulError as exc:
            results[actor.username] = exc.problems[0]

    threads = [threading.Thread(target=decide, args=(SARA, Action.ACCEPT, None)),
               threading.Thread(target=decide, args=(OMAR, Action.REJECT, "سبب الرفض"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(results.values(), key=lambda v: isinstance(v, str))
    loser, winner_status = outcomes
    assert loser.code == "request.changed_meanwhile"  # type: ignore[union-attr]
    assert winner_status in ("accepted", "rejected")
    req = ops.get_request(store, number)
    assert req.status == winner_status  # the loser overwrote nothing
    decisions = [a for a in actions(store, req.id) if a in ("request.accept", "request.reject")]
    assert len(decisions) == 1


def test_bulk_decisions_report_each_refusal(people, valid_request):
    store = people
    numbers = submitted(store, valid_request, 3)
    ops.transition(store, OMAR, numbers[1], Action.START_REVIEW, now=NOW)  # changed meanwhile
    outcome = decide_many(store, SARA, [(n, "submitted") for n in numbers], Action.REJECT,
                          reason=compose_reason([reasons_for("reject")[0].ar], "نص"), now=NOW)
    assert outcome.done == [numbers[0], numbers[2]]
    [(refused, problem)] = outcome.refused
    assert refused == numbers[1] and problem.code == "request.changed_meanwhile"
    assert ops.get_request(store, numbers[0]).decision_reason == (
        "المستندات المرفقة غير واضحة؛ نص")
    assert ops.get_request(store, numbers[1]).status == "under_review"

    clerk = decide_many(store, Actor("amal", "clerk"), [(numbers[1], "under_review")],
                        Action.ACCEPT, now=NOW)
    assert clerk.done == [] and clerk.refused[0][1].code == "request.not_permitted"


def test_bulk_assign(people, valid_request):
    store = people
    numbers = submitted(store, valid_request, 3)
    assign(store, OMAR, numbers[2], "omar", now=NOW)
    outcome = assign_many(store, SARA, [(n, None) for n in numbers], "sara", now=NOW)
    assert outcome.done == numbers[:2]
    assert outcome.refused[0][1].code == "request.assigned_meanwhile"


def test_reject_and_return_need_a_reason(people, valid_request):
    [number] = submitted(people, valid_request)
    for action in (Action.REJECT, Action.RETURN):
        with pytest.raises(TawasulError) as caught:
            ops.transition(people, SARA, number, action, reason="  ", now=NOW,
                           expected_status="submitted")
        assert caught.value.problems[0].code == "request.reason_required"


def test_standard_reasons_are_bilingual():
    reasons = standard_reasons()
    assert {r.kind for r in reasons} == {"reject", "return"}
    assert all(r.ar and r.en and r.ar != r.en for r in reasons)
    assert compose_reason([], "  ") == ""
