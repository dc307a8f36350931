"""The supervisor queue over the central PostgreSQL (sync.central_queue): the same queue code
pages, sorts, filters and searches central rows as a desk's SQLite store does; decisions and
assignments made through it go through sync.central and flow down to the counter."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from synchelp import CLERK, CentralDb, submit_many, supervisor_store, wait_for_desk_feed

from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.queue import queue_on_central
from tawasul_desktop.domain.bidi import plain
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.assignment import list_supervisors
from tawasul_desktop.storage.demo import _tiny_png
from tawasul_desktop.storage.queue import (
    PagePlan,
    QueueFilter,
    QueueQuery,
    QueueSort,
    QueueWindow,
    SortKey,
)
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.supervision import assign_many, decide_many, saved_filters
from tawasul_desktop.storage.users import Actor

AMAL = Actor("amal", "supervisor", "Amal")
NAMES = ("أحمد محمد القحطاني", "سارة علي الزهراني", "خالد عبدالله العتيبي", "منى سعد الغامدي")


@pytest.fixture
def world(desks: Any, central: CentralDb, valid_request: Any) -> Any:
    desk = desks("101", 1)
    numbers = submit_many(desk.store, CLERK,
                          [valid_request(name=NAMES[i % len(NAMES)]) for i in range(14)])
    other = desks("102", 1)  # another centre: never in 101's queue
    submit_many(other.store, CLERK, [valid_request() for _ in range(3)])
    desk.sync()
    other.sync()
    boss = supervisor_store(central, desk.store)
    yield desk, boss, numbers
    boss.close()


def all_by_pages(query: QueueQuery, page_size: int = 4) -> list[str]:
    window = QueueWindow(query, query.count(), page_size=page_size, max_pages=3)
    return [r.number for p in range(window.page_count) for r in window.load(p)]


def test_configuration_chooses_central_for_supervisors(world: Any) -> None:
    desk, boss, _ = world
    assert queue_on_central(desk.store.settings, AMAL)
    assert not queue_on_central(desk.store.settings, CLERK)
    assert boss.engine.dialect.name == "postgresql" and boss.central is not None
    assert saved_filters(boss, "amal") == []  # kept centrally for the role, none yet
    assert [s.username for s in list_supervisors(boss)] == ["amal"]


def test_detail_over_central_reads_attachments_another_desk_does_not_hold(
        world: Any, desks: Any, central: CentralDb) -> None:
    """A supervisor at a desk that never saw the request's files gets them from central."""
    from tawasul_desktop.central.detail import read_attachment
    from tawasul_desktop.domain.messages import TawasulError
    from tawasul_desktop.gui.supervisor.detail import load_detail, viewer_copy

    desk, boss, numbers = world
    here = ops.get_request(desk.store, numbers[2])
    elsewhere = supervisor_store(central, desks("101", 2).store, "huda")
    try:
        detail = load_detail(elsewhere, numbers[2])
        shown = detail.request.attachments
        assert [(a.position, a.document, a.display_name, a.media_type, a.size, a.sha256)
                for a in shown] == [
            (a.position, a.document, a.display_name, a.media_type, a.size, a.sha256)
            for a in here.attachments]
        assert detail.request.number == numbers[2] and detail.request.follow_ups == []
        for a in here.attachments:
            assert not elsewhere.blobs.exists(a.sha256)  # only central has it
            content = desk.store.blobs.read(a.sha256)
            assert read_attachment(elsewhere, a.sha256) == content
            assert viewer_copy(elsewhere, a.sha256, a.media_type).read_bytes() == content
            assert not elsewhere.blobs.exists(a.sha256)  # nothing left at this desk

        # The desk that holds a file reads its own copy: gone centrally, still readable there.
        pdf = here.attachments[0].sha256
        with central.admin() as conn:
            conn.execute("DELETE FROM blobs WHERE sha256 = %s", (pdf,))
        assert read_attachment(boss, pdf) == desk.store.blobs.read(pdf)
        with pytest.raises(TawasulError) as missing:
            read_attachment(elsewhere, pdf)
        assert missing.value.problems[0].code == "attachment.pending_upload"
        # A local copy that no longer matches its digest is not trusted: central's is read.
        photo = here.attachments[1].sha256
        good = desk.store.blobs.read(photo)
        desk.store.blobs.path_for(photo).write_bytes(b"\x89PNG damaged")
        assert read_attachment(boss, photo) == good
    finally:
        elsewhere.close()


def test_a_file_still_uploading_or_of_another_centre_is_explained(
        world: Any, desks: Any, central: CentralDb, valid_request: Any) -> None:
    import hashlib
    import os

    from tawasul_desktop.central.detail import read_attachment
    from tawasul_desktop.domain.messages import TawasulError
    from tawasul_desktop.gui.supervisor.detail import load_detail

    class Stop(Exception):
        pass

    def stop_at_first_chunk(point: str, _conn: Any) -> None:
        if point in ("upload.chunk", "upload.before_commit"):  # a chunk, or a batch of files
            raise Stop

    _, boss, _ = world
    slow = desks("101", 3, fault_hook=stop_at_first_chunk)
    photo = _tiny_png(os.urandom(2000))
    (number,) = submit_many(slow.store, CLERK, [valid_request(photo=photo)])
    with pytest.raises(Stop):
        slow.engine.run_once()  # the request is up, its new photo is not
    assert central.scalar("SELECT attachments_pending FROM requests WHERE number = %s", number)
    detail = load_detail(boss, number)
    pdf, png = detail.request.attachments
    assert png.sha256 == hashlib.sha256(photo).hexdigest()
    read_attachment(boss, pdf.sha256)  # shared content, uploaded before: readable
    with pytest.raises(TawasulError) as pending:
        read_attachment(boss, png.sha256)
    problem = pending.value.problems[0]
    assert problem.code == "attachment.pending_upload"
    assert "3" in problem.message_ar and "counter 3" in plain(problem.message_en)
    slow.engine.fault_hook = None
    slow.sync()
    assert read_attachment(boss, png.sha256) == photo

    # Another centre's file exists centrally, but row security keeps it from centre 101.
    far = desks("102", 2)
    secret = _tiny_png(os.urandom(2000))
    submit_many(far.store, CLERK, [valid_request(photo=secret)])
    far.sync()
    assert central.scalar("SELECT count(*) FROM blobs WHERE sha256 = %s",
                          hashlib.sha256(secret).hexdigest()) == 1
    for digest in (hashlib.sha256(secret).hexdigest(), "0" * 64):
        with pytest.raises(TawasulError) as hidden:
            read_attachment(boss, digest)
        assert hidden.value.problems[0].code == "attachment.not_available"


def sync_until_status(desk: Any, number: str, status: str) -> None:
    """One pass once the feed hands out every change written so far (only once every older
    transaction has finished, on a shared server possibly another test's)."""
    wait_for_desk_feed(desk)
    desk.sync()
    assert ops.get_request(desk.store, number).status == status


def test_timeline_over_central_shows_each_event_once_in_time_order(
        world: Any, central: CentralDb) -> None:
    from tawasul_desktop.gui.supervisor.detail import load_detail

    desk, boss, numbers = world
    number = numbers[8]
    assert assign_many(boss, AMAL, [(number, None)], "amal").done == [number]
    desk.sync()  # a desk whose feed names assignees re-logs the assignment as central's
    assert decide_many(boss, AMAL, [(number, "submitted")], Action.RETURN,
                       reason="صورة الهوية غير واضحة").done == [number]
    sync_until_status(desk, number, "returned")  # the counter re-logs it as central's...
    desk.sync()  # ...and pushes those entries up with its audit log
    ops.transition(desk.store, CLERK, number, Action.ANSWER)  # the applicant brought it
    desk.sync()
    desk.sync()
    request_id = str(ops.get_request(desk.store, number).id)
    assert central.scalar("SELECT count(*) FROM audit_entries WHERE entity_id = %s AND "
                          "action = 'sync.request_changed'", request_id) >= 1

    timeline = load_detail(boss, number).timeline
    assert [(t.actor, t.action) for t in timeline] == [
        ("desk.clerk", "request.submit"), ("amal", "request.assign"),
        ("amal", "request.return"), ("desk.clerk", "request.answer")]
    assert timeline[1].assignee == "amal"
    assert timeline[2].reason == "صورة الهوية غير واضحة" and timeline[2].status == "returned"
    assert timeline[3].status == "under_review"
    assert all(t.at.utcoffset() == dt.timedelta(0) for t in timeline)  # aware UTC
    assert [t.at for t in timeline] == sorted(t.at for t in timeline)
    assert timeline[0].at == ops.get_request(desk.store, number).submitted_at


def test_timeline_orders_a_fast_desk_clock_by_central_time(
        desks: Any, central: CentralDb, valid_request: Any) -> None:
    from tawasul_desktop.gui.supervisor.detail import load_detail

    ahead = dt.timedelta(minutes=10)

    def fast() -> dt.datetime:
        return dt.datetime.now(dt.UTC) + ahead

    desk = desks("101", 4, clock=fast)
    (number,) = submit_many(desk.store, CLERK, [valid_request()], now=fast())
    desk.sync()
    boss = supervisor_store(central, desk.store)
    try:
        assert decide_many(boss, AMAL, [(number, "submitted")], Action.ACCEPT).done
        sync_until_status(desk, number, "accepted")
        desk.sync()
        timeline = load_detail(boss, number).timeline
        # By the desk's clock it was submitted after central accepted it; the order is causal.
        assert [t.action for t in timeline] == ["request.submit", "request.accept"]
        submitted, accepted = timeline
        assert accepted.at < submitted.at < accepted.at + ahead + dt.timedelta(minutes=1)
    finally:
        boss.close()


def test_paging_sorting_filtering_and_search_match_the_desk(world: Any) -> None:
    desk, boss, numbers = world
    # Some decisions centrally, pulled down, so both sides hold the same varied rows.
    outcome = decide_many(boss, AMAL, [(numbers[0], "submitted"), (numbers[5], "submitted")],
                          Action.REJECT, reason="ناقص")
    assert outcome.done == [numbers[0], numbers[5]]
    assert decide_many(boss, AMAL, [(numbers[3], "submitted")], Action.ACCEPT).done
    desk.sync()
    identity = ops.get_request(desk.store, numbers[2]).applicant_id
    filters = [QueueFilter(), QueueFilter(statuses=("submitted",)), QueueFilter(counter=1),
               QueueFilter(counter=2), QueueFilter(text="سارة"), QueueFilter(text=identity),
               QueueFilter(text=numbers[7]), QueueFilter(service="passport"),
               QueueFilter(statuses=("rejected", "accepted")),
               QueueFilter(since=dt.date.today() - dt.timedelta(days=2)),
               QueueFilter(text="محمد", statuses=("submitted",))]
    for flt in filters:
        for key in (SortKey.NUMBER, SortKey.DUE, SortKey.SUBMITTED, SortKey.STATUS,
                    SortKey.APPLICANT, SortKey.COUNTER, SortKey.SERVICE):
            for descending in (False, True):
                sort = QueueSort(key, descending)
                there = QueueQuery(boss, AMAL, flt, sort)
                here = QueueQuery(desk.store, AMAL, flt, sort)
                expected = [r.number for r in here.rows()]
                assert there.count() == len(expected), (flt, sort)
                assert all_by_pages(there) == expected, (flt, sort)
                assert [r.number for r in there.stream()] == expected
    # A jump into the middle (skipping from the end) and backwards paging agree too.
    query = QueueQuery(boss, AMAL, QueueFilter(), QueueSort(SortKey.APPLICANT))
    everything = [r.number for r in query.rows()]
    assert len(everything) == 14  # centre 102's requests are not visible
    middle = query.page(PagePlan(from_end=True, offset=3, limit=4))
    assert [r.number for r in middle] == everything[-7:-3]
    before = query.page(PagePlan(before=query.key_of(middle[0]), limit=2))
    assert [r.number for r in before] == everything[-9:-7]
    assert "*" in query.page(PagePlan(limit=1))[0].applicant_id_masked


def test_assignee_and_follow_ups_sort_and_filter_centrally(world: Any,
                                                           central: CentralDb) -> None:
    _, boss, numbers = world
    done = assign_many(boss, AMAL, [(numbers[4], None), (numbers[9], None)], "amal")
    assert done.done == [numbers[4], numbers[9]]
    # The screen showed nobody, but amal has it now: refused, not overwritten.
    again = assign_many(boss, AMAL, [(numbers[4], None)], None)
    assert [p.code for _, p in again.refused] == ["request.assigned_meanwhile"]
    mine = QueueQuery(boss, AMAL, QueueFilter(assignee="amal"))
    assert sorted(r.number for r in mine.rows()) == [numbers[4], numbers[9]]
    nobody = QueueQuery(boss, AMAL, QueueFilter(assignee=""))
    assert nobody.count() == 12
    by = QueueQuery(boss, AMAL, QueueFilter(), QueueSort(SortKey.ASSIGNEE, descending=True))
    assert [r.number for r in by.rows()][:2] == [numbers[9], numbers[4]]
    assert all_by_pages(by, 3) == [r.number for r in by.rows()]
    # Follow-ups: central's follow_ups table (as counters push them) is counted and sorted.
    with central.admin() as conn:
        for _ in range(2):
            conn.execute("INSERT INTO follow_ups (id, request_id, at, by) SELECT "
                         "gen_random_uuid(), id, now(), 'clerk' FROM requests WHERE number = %s",
                         (numbers[6],))
    query = QueueQuery(boss, AMAL, QueueFilter(), QueueSort(SortKey.FOLLOW_UPS, True))
    rows = list(query.rows(batch=5))
    assert rows[0].number == numbers[6] and rows[0].follow_ups == 2
    assert all_by_pages(query, 3) == [r.number for r in rows]


def test_a_decision_through_the_queue_flows_down_to_the_counter(world: Any,
                                                                central: CentralDb) -> None:
    desk, boss, numbers = world
    outcome = decide_many(boss, AMAL, [(numbers[1], "submitted")], Action.ACCEPT)
    assert outcome.done == [numbers[1]] and not outcome.refused
    assert central.scalar("SELECT status FROM requests WHERE number = %s", numbers[1]) \
        == "accepted"
    assert central.scalar("SELECT payload->>'actor' FROM ops WHERE kind = %s",
                          hub.CENTRAL_DECISION) == "amal"
    assert ops.get_request(desk.store, numbers[1]).status == "submitted"
    desk.sync()
    mine = ops.get_request(desk.store, numbers[1])
    assert mine.status == "accepted" and mine.decided_by == "amal"
    # The lifecycle's rules hold centrally too: an accepted request cannot be accepted again.
    twice = decide_many(boss, AMAL, [(numbers[1], "accepted")], Action.ACCEPT)
    assert twice.refused and not twice.done


def test_two_supervisors_deciding_at_once_one_wins(world: Any, central: CentralDb) -> None:
    desk, boss, numbers = world
    other = supervisor_store(central, desk.store, "huda")
    huda = Actor("huda", "supervisor", "Huda")
    try:
        for number in numbers[10:14]:
            start = threading.Barrier(2)
            results: dict[str, Any] = {}

            def act(store: Store, actor: Actor, action: Action, n: str = number,
                    start: threading.Barrier = start, results: dict[str, Any] = results) -> None:
                start.wait()
                results[actor.username] = decide_many(store, actor, [(n, "submitted")], action,
                                                      reason="سبب")

            threads = [threading.Thread(target=act, args=(boss, AMAL, Action.ACCEPT)),
                       threading.Thread(target=act, args=(other, huda, Action.REJECT))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            done = [name for name, o in results.items() if o.done]
            refused = [o.refused[0][1].code for o in results.values() if o.refused]
            assert len(done) == 1 and refused == ["request.changed_meanwhile"], results
            status = central.scalar("SELECT status FROM requests WHERE number = %s", number)
            assert status == ("accepted" if done == ["amal"] else "rejected")
        assert central.scalar("SELECT count(*) FROM ops WHERE kind = %s",
                              hub.CENTRAL_DECISION) == 4
    finally:
        other.close()

