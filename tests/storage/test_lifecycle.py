"""Moving requests through the lifecycle with ops.transition, follow-ups, concurrent deciders."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tawasul_desktop.domain.lifecycle import Action, Status
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.models import AuditEntry, FollowUp

RIYADH = ZoneInfo("Asia/Riyadh")
REPO = Path(__file__).resolve().parents[2]
S, A = Status, Action


def at(day: int, hh: int = 10, mm: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hh, mm, tzinfo=RIYADH)


NOW = at(1)  # Sunday 1 November 2026

# How to bring a fresh request into each state (as a supervisor).
PATHS = {
    S.SUBMITTED: [],
    S.UNDER_REVIEW: [A.START_REVIEW],
    S.RETURNED: [A.START_REVIEW, A.RETURN],
    S.ACCEPTED: [A.START_REVIEW, A.ACCEPT],
    S.REJECTED: [A.START_REVIEW, A.REJECT],
    S.CLOSED: [A.START_REVIEW, A.ACCEPT, A.CLOSE],
    S.WITHDRAWN: [A.WITHDRAW],
}

# Written out by hand from the lifecycle the service centre described; not read from RULES.
LEGAL = {
    (S.SUBMITTED, A.START_REVIEW): S.UNDER_REVIEW,
    (S.SUBMITTED, A.RETURN): S.RETURNED,
    (S.UNDER_REVIEW, A.RETURN): S.RETURNED,
    (S.RETURNED, A.ANSWER): S.UNDER_REVIEW,
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.UNDER_REVIEW, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.REJECT): S.REJECTED,
    (S.UNDER_REVIEW, A.REJECT): S.REJECTED,
    (S.ACCEPTED, A.CLOSE): S.CLOSED,
    (S.REJECTED, A.CLOSE): S.CLOSED,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.UNDER_REVIEW, A.WITHDRAW): S.WITHDRAWN,
    (S.RETURNED, A.WITHDRAW): S.WITHDRAWN,
}


def _audit_actions(store, request_id=None):
    with store.read() as session:
        query = select(AuditEntry.action).order_by(AuditEntry.seq)
        if request_id is not None:
            query = query.where(AuditEntry.entity_id == str(request_id))
        return list(session.execute(query).scalars())


def _bring_to(store, actor, valid, state):
    summary = ops.submit_request(store, actor, valid, now=NOW)
    for action in PATHS[state]:
        summary = ops.transition(
            store, actor, summary.number, action, reason="سبب الإجراء", now=NOW
        )
    assert summary.status == state
    return summary


@pytest.mark.parametrize("state", list(Status))
def test_every_action_from_every_state(store, valid_request, supervisor, state):
    for action in Action:
        summary = _bring_to(store, supervisor, valid_request(), state)
        before = _audit_actions(store, summary.id)
        if (state, action) in LEGAL:
            after = ops.transition(store, supervisor, summary.number, action, reason="سبب", now=NOW)
            assert after.status == LEGAL[(state, action)]
            assert ops.get_request(store, summary.number).status == LEGAL[(state, action)]
            assert _audit_actions(store, summary.id) == [*before, f"request.{action.value}"]
        else:
            with pytest.raises(TawasulError) as caught:
                ops.transition(store, supervisor, summary.number, action, reason="سبب", now=NOW)
            assert caught.value.problems[0].code == "request.illegal_transition"
            assert ops.get_request(store, summary.number).status == state
            assert _audit_actions(store, summary.id) == before
    with store.read() as session:
        assert verify_chain(session)[1] == []


@pytest.mark.parametrize("action", [A.REJECT, A.RETURN])
@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_reject_and_return_need_a_reason(store, valid_request, supervisor, action, reason):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    with pytest.raises(TawasulError) as caught:
        ops.transition(store, supervisor, summary.number, action, reason=reason, now=NOW)
    assert caught.value.problems[0].code == "request.reason_required"
    assert caught.value.invalid_input
    assert ops.get_request(store, summary.number).status == S.SUBMITTED


def test_the_reason_is_kept_with_the_decision(store, valid_request, supervisor):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    decided = ops.transition(
        store, supervisor, summary.number, A.REJECT, reason="  المستندات غير واضحة ", now=at(2)
    )
    assert decided.decision_reason == "المستندات غير واضحة"
    req = ops.get_request(store, summary.number)
    assert (req.decided_by, req.decided_at) == (supervisor.username, at(2))


@pytest.mark.parametrize("action", [A.START_REVIEW, A.RETURN, A.ACCEPT, A.REJECT])
def test_clerks_may_not_decide(store, valid_request, supervisor, clerk, action):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    with pytest.raises(TawasulError) as caught:
        ops.transition(store, clerk, summary.number, action, reason="سبب", now=NOW)
    assert caught.value.problems[0].code == "request.not_permitted"
    assert not caught.value.invalid_input  # the CLI answers 1, not 2
    assert ops.get_request(store, summary.number).status == S.SUBMITTED


def test_clerks_may_not_close(store, valid_request, supervisor, clerk):
    summary = _bring_to(store, supervisor, valid_request(), S.ACCEPTED)
    with pytest.raises(TawasulError) as caught:
        ops.transition(store, clerk, summary.number, A.CLOSE, now=NOW)
    assert caught.value.problems[0].code == "request.not_permitted"


def test_clerks_may_record_an_answer_and_a_withdrawal(store, valid_request, supervisor, clerk):
    returned = _bring_to(store, supervisor, valid_request(), S.RETURNED)
    assert ops.transition(store, clerk, returned.number, A.ANSWER, now=NOW).status == S.UNDER_REVIEW
    fresh = ops.submit_request(store, clerk, valid_request(), now=NOW)
    assert ops.transition(store, clerk, fresh.number, A.WITHDRAW, now=NOW).status == S.WITHDRAWN


def test_a_return_pauses_the_clock(store, valid_request, supervisor):
    calendar = store.calendar()
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    assert summary.due_date == dt.date(2026, 11, 10)
    ops.transition(store, supervisor, summary.number, A.START_REVIEW, now=at(2))
    ops.transition(store, supervisor, summary.number, A.RETURN, reason="صورة أوضح", now=at(3))
    req = ops.get_request(store, summary.number)
    assert (req.status, req.paused_since, req.paused_working_days) == (
        S.RETURNED,
        dt.date(2026, 11, 3),
        0,
    )

    # Answered on Sunday 8 Nov: Wed 4, Thu 5 and Sun 8 were spent with the applicant.
    answered = ops.transition(store, supervisor, summary.number, A.ANSWER, now=at(8, 9))
    req = ops.get_request(store, summary.number)
    assert req.paused_working_days == 3
    assert req.paused_since is None
    assert calendar.working_days_between(dt.date(2026, 11, 3), dt.date(2026, 11, 8)) == 3
    assert answered.due_date == req.due_date == calendar.add_working_days(dt.date(2026, 11, 10), 3)
    assert req.due_date == dt.date(2026, 11, 15)

    # A second return adds to the pause.
    ops.transition(store, supervisor, summary.number, A.RETURN, reason="توقيع", now=at(9))
    ops.transition(store, supervisor, summary.number, A.ANSWER, now=at(10))
    req = ops.get_request(store, summary.number)
    assert req.paused_working_days == 4
    assert req.due_date == dt.date(2026, 11, 16)


def test_a_return_answered_the_same_day_costs_nothing(store, valid_request, supervisor):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    ops.transition(store, supervisor, summary.number, A.RETURN, reason="سبب", now=at(2, 9))
    answered = ops.transition(store, supervisor, summary.number, A.ANSWER, now=at(2, 13))
    assert answered.due_date == summary.due_date
    assert ops.get_request(store, summary.number).paused_working_days == 0


def test_a_stale_screen_cannot_overwrite_a_decision(store, valid_request, supervisor):
    summary = _bring_to(store, supervisor, valid_request(), S.UNDER_REVIEW)
    ops.transition(
        store, supervisor, summary.number, A.ACCEPT, now=NOW, expected_status=S.UNDER_REVIEW
    )
    with pytest.raises(TawasulError) as caught:
        ops.transition(
            store,
            supervisor,
            summary.number,
            A.REJECT,
            reason="سبب",
            now=NOW,
            expected_status=S.UNDER_REVIEW,
        )
    assert caught.value.problems[0].code == "request.changed_meanwhile"
    assert not caught.value.invalid_input
    assert ops.get_request(store, summary.number).status == S.ACCEPTED


def test_an_unknown_number_is_not_found(store, supervisor):
    from tawasul_desktop.domain.numbers import make_number

    with pytest.raises(TawasulError) as caught:
        ops.transition(
            store, supervisor, make_number("101", 1, 26, 4242).display, A.ACCEPT, now=NOW
        )
    assert caught.value.problems[0].code == "request.not_found"
    assert not caught.value.invalid_input


def _decision_entries(store, request_id):
    return [
        a for a in _audit_actions(store, request_id) if a in ("request.accept", "request.reject")
    ]


def test_two_threads_deciding_at_once_one_wins(store, valid_request, supervisor):
    for _ in range(3):
        summary = _bring_to(store, supervisor, valid_request(), S.UNDER_REVIEW)
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def decide(action, reason, summary=summary, barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                outcomes[action] = ops.transition(
                    store,
                    supervisor,
                    summary.number,
                    action,
                    reason=reason,
                    now=NOW,
                    expected_status=S.UNDER_REVIEW,
                ).status
            except TawasulError as err:
                outcomes[action] = err.problems[0].code

        threads = [
            threading.Thread(target=decide, args=(A.ACCEPT, None)),
            threading.Thread(target=decide, args=(A.REJECT, "سبب")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)  # only stops a hang; a finished join is checked, not assumed
            assert not t.is_alive(), "a decision never finished (a lock never released?)"
        results = sorted(str(v) for v in outcomes.values())
        assert len(results) == 2
        winners = [r for r in results if r in (S.ACCEPTED, S.REJECTED)]
        assert len(winners) == 1, results
        assert set(results) - set(winners) <= {"request.changed_meanwhile"}
        assert ops.get_request(store, summary.number).status == winners[0]
        assert len(_decision_entries(store, summary.id)) == 1


_DECIDER = r"""
import json, sys, time, datetime as dt
from pathlib import Path
from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

db, data, number, action, go, expected = sys.argv[1:7]
store = Store.open(load_settings(Path(data) / "none.toml", db=db, data_dir=data), sweep=False)
actor = Actor("proc." + action, "supervisor")
Path(go + "." + action).touch()
while not Path(go).exists():
    time.sleep(0.001)
try:
    status = ops.transition(store, actor, number, Action(action), reason="سبب",
                            expected_status=expected or None).status
    print(json.dumps({"ok": str(status)}))
except TawasulError as err:
    print(json.dumps({"error": err.problems[0].code}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("expected", ["under_review", ""])
def test_two_processes_deciding_at_once_one_wins(
    tmp_path, settings, store, valid_request, supervisor, expected
):
    summary = _bring_to(store, supervisor, valid_request(), S.UNDER_REVIEW)
    go = tmp_path / "go"
    env = os.environ | {"PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _DECIDER,
                str(settings.db_path),
                str(settings.data_dir),
                summary.number,
                action,
                str(go),
                expected,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for action in ("accept", "reject")
    ]
    # Release both at once, when both have imported everything and opened the store. Bound
    # by the children being alive; the time bound only stops a hang (imports on a loaded
    # machine take seconds).
    stop = time.monotonic() + 300
    while not all((tmp_path / f"go.{a}").exists() for a in ("accept", "reject")):
        dead = [p.communicate()[1] for p in procs if p.poll() is not None]
        assert not dead, dead
        assert time.monotonic() < stop, "the deciding processes never got ready"
        time.sleep(0.01)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)  # stops a hang only
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    oks = [r["ok"] for r in results if "ok" in r]
    errors = [r["error"] for r in results if "error" in r]
    assert len(oks) == 1 and len(errors) == 1, results
    assert errors[0] == ("request.changed_meanwhile" if expected else "request.illegal_transition")
    assert ops.get_request(store, summary.number).status == oks[0]
    assert len(_decision_entries(store, summary.id)) == 1
    with store.read() as session:
        assert verify_chain(session)[1] == []


# --- follow-ups ---------------------------------------------------------------------------


def test_a_follow_up_before_72_hours_is_refused_with_the_time_it_opens(
    store, valid_request, supervisor
):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    too_early = NOW + dt.timedelta(hours=71, minutes=59)
    with pytest.raises(TawasulError) as caught:
        ops.record_follow_up(store, supervisor, summary.number, "اتصل", now=too_early)
    problem = caught.value.problems[0]
    assert problem.code == "request.follow_up_too_early"
    assert "2026-11-04 10:00" in problem.message_en
    assert "2026-11-04 10:00" in problem.message_ar
    with store.read() as session:
        assert session.execute(select(FollowUp)).first() is None


def test_a_follow_up_from_72_hours_on_is_recorded(store, valid_request, supervisor):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    ops.record_follow_up(
        store, supervisor, summary.number, "  اتصل المراجع ", now=NOW + dt.timedelta(hours=72)
    )
    ops.record_follow_up(store, supervisor, summary.number, now=NOW + dt.timedelta(days=5))
    req = ops.get_request(store, summary.number)
    assert [(f.note, f.by) for f in req.follow_ups] == [
        ("اتصل المراجع", supervisor.username),
        ("", supervisor.username),
    ]
    assert req.follow_ups[0].at == NOW + dt.timedelta(hours=72)
    assert _audit_actions(store, req.id).count("request.follow_up") == 2


def test_no_follow_up_on_a_withdrawn_request(store, valid_request, clerk):
    import datetime as dt

    from tawasul_desktop.domain.lifecycle import Action
    from tawasul_desktop.domain.messages import TawasulError
    from tawasul_desktop.storage import requests as ops

    summary = ops.submit_request(store, clerk, valid_request())
    ops.transition(store, clerk, summary.number, Action.WITHDRAW)
    later = summary.submitted_at + dt.timedelta(hours=100)
    with pytest.raises(TawasulError) as caught:
        ops.record_follow_up(store, clerk, summary.number, now=later)
    assert caught.value.problems[0].code == "request.not_open"


def test_a_returned_request_is_not_overdue_while_its_clock_is_paused(store, valid_request, clerk,
                                                                    supervisor):
    import datetime as dt

    from tawasul_desktop.domain.lifecycle import Action
    from tawasul_desktop.storage import requests as ops

    summary = ops.submit_request(store, clerk, valid_request())
    ops.transition(store, supervisor, summary.number, Action.RETURN, reason="صورة الهوية غير واضحة")
    much_later = summary.submitted_at + dt.timedelta(days=40)
    shown = ops.summarise(store, ops.get_request(store, summary.number), much_later)
    assert shown.status == "returned" and not shown.overdue
    listed = ops.list_requests(store, ops.RequestFilter(overdue=True), now=much_later)
    assert summary.number not in [r.number for r in listed]
    ops.transition(store, clerk, summary.number, Action.ANSWER, now=much_later)
    answered = ops.summarise(store, ops.get_request(store, summary.number), much_later)
    assert not answered.overdue  # the paused days were added to the due date


def test_changed_meanwhile_names_the_status_in_words(store, valid_request, clerk, supervisor):
    from tawasul_desktop.domain.lifecycle import Action
    from tawasul_desktop.domain.messages import TawasulError
    from tawasul_desktop.storage import requests as ops

    summary = ops.submit_request(store, clerk, valid_request())
    ops.transition(store, supervisor, summary.number, Action.ACCEPT)
    with pytest.raises(TawasulError) as caught:
        ops.transition(store, supervisor, summary.number, Action.REJECT, reason="x",
                       expected_status="submitted")
    problem = caught.value.problems[0]
    assert problem.code == "request.changed_meanwhile"
    assert "Accepted" in problem.message_en and "مقبول" in problem.message_ar
    assert "accepted" not in problem.message_en
