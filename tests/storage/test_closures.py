"""Closure days announced after the fact move the due dates of open requests."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.models import AuditEntry, Closure
from tawasul_desktop.storage.store import Store

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = dt.datetime(2026, 11, 1, 10, 0, tzinfo=RIYADH)  # Sunday; due Tuesday 10 November
LATER = dt.datetime(2026, 11, 2, 12, 0, tzinfo=RIYADH)


def _moves(store):
    with store.read() as session:
        return [
            (e.entity_id, json.loads(e.old), json.loads(e.new))
            for e in session.execute(
                select(AuditEntry)
                .where(AuditEntry.action == "request.due_moved")
                .order_by(AuditEntry.seq)
            ).scalars()
        ]


def test_a_closure_inside_the_window_moves_the_due_date_by_one_working_day(
    store, valid_request, supervisor
):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    assert summary.due_date == dt.date(2026, 11, 10)
    assert ops.add_closure(store, supervisor, dt.date(2026, 11, 4), "تعطل الأنظمة", now=LATER) == 1
    req = ops.get_request(store, summary.number)
    assert req.due_date == dt.date(2026, 11, 11)
    assert _moves(store) == [
        (
            str(req.id),
            {"due_date": "2026-11-10"},
            {"due_date": "2026-11-11", "closure": "2026-11-04"},
        )
    ]
    with store.read() as session:
        closure = session.get(Closure, dt.date(2026, 11, 4))
        assert (closure.reason, closure.added_by) == ("تعطل الأنظمة", supervisor.username)
        assert verify_chain(session)[1] == []


def test_a_closure_on_the_due_date_itself_moves_it(store, valid_request, supervisor):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    assert ops.add_closure(store, supervisor, summary.due_date, "", now=LATER) == 1
    assert ops.get_request(store, summary.number).due_date == dt.date(2026, 11, 11)


def test_decided_and_unaffected_requests_do_not_move(store, valid_request, supervisor):
    accepted = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    ops.transition(store, supervisor, accepted.number, Action.ACCEPT, now=NOW)
    withdrawn = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    ops.transition(store, supervisor, withdrawn.number, Action.WITHDRAW, now=NOW)
    # Due 10 Nov; a closure on 12 Nov is after its window.
    before = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    # Submitted after the closure day: its window starts later.
    after = ops.submit_request(
        store, supervisor, valid_request(), now=dt.datetime(2026, 11, 15, 9, 0, tzinfo=RIYADH)
    )
    moving = ops.submit_request(
        store, supervisor, valid_request(), now=dt.datetime(2026, 11, 8, 9, 0, tzinfo=RIYADH)
    )
    ops.transition(store, supervisor, moving.number, Action.START_REVIEW, now=NOW)
    due = {
        s.number: ops.get_request(store, s.number).due_date
        for s in (accepted, withdrawn, before, after, moving)
    }

    assert ops.add_closure(store, supervisor, dt.date(2026, 11, 12), "closure", now=LATER) == 1
    for s in (accepted, withdrawn, before, after):
        assert ops.get_request(store, s.number).due_date == due[s.number], s.number
    assert ops.get_request(store, moving.number).due_date == store.calendar().add_working_days(
        due[moving.number], 1
    )
    assert len(_moves(store)) == 1


def test_adding_the_same_closure_twice_moves_nothing_more(store, valid_request, supervisor):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    assert ops.add_closure(store, supervisor, dt.date(2026, 11, 4), "a", now=LATER) == 1
    assert ops.add_closure(store, supervisor, dt.date(2026, 11, 4), "b", now=LATER) == 0
    assert ops.get_request(store, summary.number).due_date == dt.date(2026, 11, 11)
    assert len(_moves(store)) == 1


def test_a_closure_on_a_weekend_moves_nothing(store, valid_request, supervisor):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    assert ops.add_closure(store, supervisor, dt.date(2026, 11, 6), "Friday", now=LATER) == 0
    assert ops.get_request(store, summary.number).due_date == summary.due_date


def test_new_requests_count_with_the_closure(store, valid_request, supervisor):
    ops.add_closure(store, supervisor, dt.date(2026, 11, 4), "closure", now=LATER)
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    assert summary.due_date == dt.date(2026, 11, 11)


def test_a_closure_added_by_another_program_is_honoured(settings, store, valid_request, supervisor):
    """The desktop keeps its store open all day; the `tawasul` command adds a closure meanwhile."""
    ops.submit_request(store, supervisor, valid_request(), now=NOW)  # the calendar is now cached
    with Store.open(settings) as other:
        assert ops.add_closure(other, supervisor, dt.date(2026, 11, 4), "closure", now=LATER) == 1
    later = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    assert later.due_date == dt.date(2026, 11, 11)


def test_a_returned_request_answered_after_a_closure(store, valid_request, supervisor):
    summary = ops.submit_request(store, supervisor, valid_request(), now=NOW)
    ops.transition(
        store,
        supervisor,
        summary.number,
        Action.RETURN,
        reason="سبب",
        now=dt.datetime(2026, 11, 2, 9, 0, tzinfo=RIYADH),
    )
    ops.add_closure(store, supervisor, dt.date(2026, 11, 3), "closure", now=LATER)
    # Returned Monday 2, answered Wednesday 4: Tuesday 3 was closed, so one paused day.
    ops.transition(
        store,
        supervisor,
        summary.number,
        Action.ANSWER,
        now=dt.datetime(2026, 11, 4, 9, 0, tzinfo=RIYADH),
    )
    req = ops.get_request(store, summary.number)
    assert req.paused_working_days == 1
    # 7 working days from Sunday 1 skipping Tue 3, plus one paused day.
    assert req.due_date == dt.date(2026, 11, 12)
