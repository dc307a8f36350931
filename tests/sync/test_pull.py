"""Down: decisions, due dates, closures, users and the catalogue; a pull cursor that never skips."""

from __future__ import annotations

import datetime as dt
import json
import random
import threading

from argon2 import PasswordHasher
from sqlalchemy import select
from synchelp import CLERK, POLICY, submit_many, wait_for_feed

from tawasul_desktop.assets import resource
from tawasul_desktop.central import operations as hub
from tawasul_desktop.domain.catalogue import load_catalogue
from tawasul_desktop.domain.lifecycle import Action, Status
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.models import AuditEntry, Closure, Request
from tawasul_desktop.storage.queue import request_timeline
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import authenticate, find_user
from tawasul_desktop.sync.local import apply_changes
from tawasul_desktop.wire.protocol import Change


def local_states(store: Store) -> dict[str, tuple]:
    with store.read() as session:
        return {r.number: (r.status, r.due_date, r.decision_reason)
                for r in session.execute(select(Request)).scalars()}


def central_states(central) -> dict[str, tuple]:
    with central.admin() as conn:
        rows = conn.execute("SELECT number, status, due_date, decision_reason FROM requests")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_decisions_come_down_with_their_reasons(desks, central, valid_request):
    desk = desks()
    accepted, rejected, returned = submit_many(desk.store, CLERK,
                                               [valid_request() for _ in range(3)])
    desk.sync()
    with central.admin() as conn:
        assert isinstance(hub.decide(conn, accepted, Action.ACCEPT, actor="amal", policy=POLICY),
                          hub.LifecycleState)
        hub.decide(conn, rejected, Action.REJECT, actor="amal", reason="المستندات ناقصة",
                   policy=POLICY)
        hub.decide(conn, returned, Action.RETURN, actor="amal", reason="أرفق صورة الإقامة",
                   policy=POLICY)
    wait_for_feed(central)
    report = desk.sync()
    assert report.pulled == 3 and report.requests_changed == 3
    assert local_states(desk.store) == central_states(central)
    req = ops.get_request(desk.store, rejected)
    assert (req.status, req.decision_reason, req.decided_by) == ("rejected", "المستندات ناقصة",
                                                                 "amal")
    with desk.store.read() as session:
        changed = session.execute(select(AuditEntry).where(
            AuditEntry.action == "sync.request_changed")).scalars().all()
    assert len(changed) == 3 and {e.actor for e in changed} == {"central"}

    # The applicant answers at the counter: the clock resumes on both sides alike.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    ops.transition(desk.store, CLERK, returned, Action.ANSWER, now=later)
    desk.sync()
    # Central's version of the answer comes down; a transaction open elsewhere on the server
    # may hold it back from the pass that pushed it: wait for the horizon, pass again.
    wait_for_feed(central)
    desk.sync()
    assert local_states(desk.store) == central_states(central)
    assert central_states(central)[returned][0] == "under_review"


def test_closures_move_due_dates_down(desks, central, valid_request):
    desk = desks()
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    due = ops.get_request(desk.store, number).due_date
    with central.admin() as conn:
        moved = hub.add_closure(conn, due, "إجازة طارئة", added_by="directorate", policy=POLICY)
    assert moved == 1
    wait_for_feed(central)
    desk.sync()
    assert ops.get_request(desk.store, number).due_date > due
    assert local_states(desk.store) == central_states(central)
    with desk.store.read() as session:
        assert session.get(Closure, due) is not None
    assert due in desk.store.calendar().closures


def test_users_come_down_and_log_in_offline(desks, central):
    desk = desks("101", 1)
    hashed = PasswordHasher().hash("kalimat-sirr-1")
    with central.admin() as conn:
        hub.put_user(conn, "amal", "supervisor", hashed, display_name="أمل", centre="101")
        hub.put_user(conn, "other", "clerk", hashed, centre="202")  # another centre's
    wait_for_feed(central)
    desk.sync()
    with desk.store.write() as session:
        actor = authenticate(session, "amal", "kalimat-sirr-1", POLICY.security)
        assert (actor.username, actor.role) == ("amal", "supervisor")
    with central.admin() as conn:
        hub.put_user(conn, "amal", "supervisor", hashed, centre="101", active=False)
    wait_for_feed(central)
    desk.sync()
    with desk.store.read() as session:
        assert find_user(session, "amal").active is False
        assert find_user(session, "other") is None


def test_the_catalogue_comes_down_and_stays(desks, central, tmp_path):
    desk = desks()
    source = load_catalogue()  # the packaged one, renamed slightly
    text = resource("catalogue", "services.toml").read_text(encoding="utf-8")
    passport = source.get("passport")
    assert passport is not None
    changed = text.replace(f'name_en = "{passport.name_en}"', 'name_en = "Passport (new form)"', 1)
    assert changed != text
    with central.admin() as conn:
        version = hub.publish_catalogue(conn, changed)
    wait_for_feed(central)
    desk.sync()
    assert desk.store.catalogue.get("passport").name_en == "Passport (new form)"
    reopened = Store.open(desk.store.settings)
    try:
        assert reopened.catalogue.get("passport").name_en == "Passport (new form)"
    finally:
        reopened.close()
    assert version == 1


def test_a_transaction_committing_late_is_not_skipped(desks, central, valid_request):
    """T1 takes its xid first, T2 second; T2 commits first. A cursor over ids or commit
    order of visible rows would pass T1's row by; the xmin horizon holds the pull back."""
    desk = desks()
    first, second = submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
    desk.sync()
    with central.admin() as t1, central.admin() as t2:
        with t1.transaction():
            hub.decide(t1, first, Action.ACCEPT, actor="t1", policy=POLICY)
            with t2.transaction():
                hub.decide(t2, second, Action.ACCEPT, actor="t2", policy=POLICY)
            # T2 is committed and its row visible; a naive "newest id seen" cursor reads it...
            with central.admin() as look:
                visible = look.execute("SELECT entity_id FROM changes ORDER BY id").fetchall()
            assert len(visible) == 1
            # ...but the feed holds back everything from T1's xid on.
            report = desk.sync(wait=False)
            assert report.pulled == 0
            assert ops.get_request(desk.store, second).status == "submitted"
        wait_for_feed(central)  # T1 has ended; other sessions on a shared server may not yet
        report = desk.sync()
    assert report.pulled == 2
    assert {ops.get_request(desk.store, n).status for n in (first, second)} == {"accepted"}


def test_pull_while_writers_commit_out_of_order(desks, central, valid_request):
    desk = desks(pull_batch=7)  # small batches: many cursor moves during the writes
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(60)])
    desk.sync()
    steps = [Action.START_REVIEW, Action.RETURN, Action.ANSWER, Action.ACCEPT, Action.CLOSE]
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        mine = numbers[seed::4]
        try:
            with central.admin() as conn:
                for step in steps:
                    for number in mine:
                        with conn.transaction():
                            hub.decide(conn, number, step, actor=f"w{seed}",
                                       reason="سبب" if step is Action.RETURN else None,
                                       policy=POLICY)
                            # Hold the transaction open a random while: commits interleave.
                            conn.execute("SELECT pg_sleep(%s)", (rng.random() * 0.004,))
        except BaseException as exc:
            errors.append(exc)

    pulled = 0

    def puller() -> None:
        nonlocal pulled
        while not stop.is_set():
            pulled += desk.sync(wait=False).pulled

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    pull_thread = threading.Thread(target=puller)
    pull_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    pull_thread.join()
    assert not errors, errors
    wait_for_feed(central)  # every writer's transaction below the horizon: one pass gets all
    pulled += desk.sync().pulled
    total = central.scalar("SELECT count(*) FROM changes")
    assert total == 60 * len(steps)
    assert pulled == total  # every change read exactly once: none skipped, none twice
    assert local_states(desk.store) == central_states(central)
    assert set(s for s, _, _ in local_states(desk.store).values()) == {Status.CLOSED.value}


def test_an_unreachable_central_is_reported_not_raised(desks, central, valid_request):
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request()])
    desk.engine.target = type(desk.engine.target)("host=127.0.0.1 port=1 dbname=x user=x",
                                                  connect_timeout=2)
    report = desk.engine.run_once()  # refused at once (port 1); connect_timeout bounds the rest
    assert not report.ok and not report.online
    status = desk.engine.status()
    assert status.online is False and status.pending == 3 and status.last_error


# --- the assignee, as central names it (schema c0004 on) ----------------------------------


def feed_row(req: Request, seq: int, **changed) -> Change:
    """A request change as central's feed carries it (JSON types), with ``changed`` applied."""
    payload = {"id": str(req.id), "status": req.status, "due_date": req.due_date.isoformat(),
               "paused_working_days": req.paused_working_days, "paused_since": None,
               "decision_reason": None, "decided_by": None, "decided_at": None,
               "updated_at": "2026-11-30T08:00:00+00:00", "version": seq + 1, **changed}
    return Change(seq, str(1000 + seq), "request", str(req.id), payload)


def request_audit(store: Store, req: Request) -> list[tuple[str, dict, dict]]:
    with store.read() as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.old, AuditEntry.new).where(
            AuditEntry.entity_id == str(req.id)).order_by(AuditEntry.seq)).all()
    return [(a, json.loads(o or "{}"), json.loads(n or "{}")) for a, o, n in rows]


def apply(store: Store, *changes: Change) -> int:
    with store.write() as session:
        return apply_changes(session, list(changes), dt.datetime.now(dt.UTC)).requests


def test_the_assignee_comes_down_only_when_central_names_it(desks, central, valid_request):
    desk = desks()
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    req = ops.get_request(desk.store, number)
    with desk.store.write() as session:  # held at this desk only (as a local assign does)
        session.get(Request, req.id).assignee = "sara"

    # A feed from a central schema before c0004 never names one: the desk's is kept.
    assert apply(desk.store, feed_row(req, 1, status="under_review")) == 1
    mine = ops.get_request(desk.store, number)
    assert (mine.status, mine.assignee) == ("under_review", "sara")
    assert "assignee" not in request_audit(desk.store, req)[-1][2]

    # Named, and only it changed: still a change, audited old and new, on the timeline.
    assert apply(desk.store, feed_row(req, 2, status="under_review", assignee="amal")) == 1
    assert ops.get_request(desk.store, number).assignee == "amal"
    action, old, new = request_audit(desk.store, req)[-1]
    assert action == "sync.request_changed"
    assert (old["assignee"], new["assignee"], new["status"]) == ("sara", "amal", "under_review")
    with desk.store.read() as session:
        assert request_timeline(session, str(req.id))[-1].assignee == "amal"
    # The same again changes nothing and records nothing.
    entries = len(request_audit(desk.store, req))
    assert apply(desk.store, feed_row(req, 3, status="under_review", assignee="amal")) == 0
    assert len(request_audit(desk.store, req)) == entries


def test_one_batch_takes_the_newest_state_and_the_newest_assignee(desks, central,
                                                                  valid_request):
    desk = desks()
    first, second = submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
    a, b = ops.get_request(desk.store, first), ops.get_request(desk.store, second)
    # a: assigned, then decided (the decision's change does not name the assignee).
    # b: assigned and released again within the batch: nothing to do.
    changed = apply(desk.store, feed_row(a, 1, assignee="amal"),
                    feed_row(b, 2, assignee="amal"), feed_row(b, 3, assignee=None),
                    feed_row(a, 4, status="rejected", decision_reason="ناقص", decided_by="amal"))
    assert changed == 1
    mine = ops.get_request(desk.store, first)
    assert (mine.status, mine.assignee, mine.decision_reason) == ("rejected", "amal", "ناقص")
    action, old, new = request_audit(desk.store, a)[-1]
    assert (action, old["assignee"], new["assignee"], new["status"]) == (
        "sync.request_changed", None, "amal", "rejected")
    assert ops.get_request(desk.store, second).assignee is None
    assert request_audit(desk.store, b)[-1][0] != "sync.request_changed"
