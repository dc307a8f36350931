"""Fault tests on the real PostgreSQL with real processes. Each ends with every request present
exactly once centrally and every central decision present on its counter."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import signal
import subprocess
import threading
import time
import uuid

import pytest
from sqlalchemy import insert, select
from synchelp import CLERK, POLICY, PYTHON, REPO, Desk, python_env, submit_many, wait_for_feed
from timing_data import follow_up_open_after_now

from tawasul_desktop.central import admin
from tawasul_desktop.central import operations as hub
from tawasul_desktop.domain.bidi import plain
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage import outbox
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.models import OutboxEntry, Request
from tawasul_desktop.wire.protocol import KIND_EVENT, PENDING, REJECTED, dumps

pytestmark = pytest.mark.slow


def assert_converged(central, *desks: Desk) -> None:
    """Exactly once centrally; central's lifecycle state on every desk; nothing pending.
    Every desk syncs first; central is read after the last pass, never before it."""
    wait_for_feed(central)
    for desk in desks:
        report = desk.sync()
        assert report.pending_after == 0
    local_rows: dict[uuid.UUID, tuple] = {}
    for desk in desks:
        with desk.store.read() as session:
            for r in session.execute(select(Request)).scalars():
                assert r.id not in local_rows
                local_rows[r.id] = (r.number, r.status, r.due_date, r.decision_reason)
    with central.admin() as conn:
        rows = conn.execute("SELECT id, number, status, due_date, decision_reason "
                            "FROM requests").fetchall()
        assert conn.execute("SELECT count(*) FROM ops WHERE kind = 'request.submit'"
                            ).fetchone()[0] == len(rows)
    central_rows = {r[0]: r[1:] for r in rows}
    assert local_rows == central_rows


def drain(desk: Desk, *, stuck_after: int = 200) -> int:
    """Run passes until nothing is pending; the number of passes it took. Bounded by
    progress, not by a clock: ``stuck_after`` passes in a row that leave as much pending
    fail the test with what was left."""
    pending = desk.engine.status().pending
    passes = stuck = 0
    while pending:
        passes += 1
        report = desk.engine.run_once()
        now = desk.engine.status().pending
        stuck = 0 if now < pending else stuck + 1
        assert stuck < stuck_after, (f"no progress in {stuck} passes: {now} pending, "
                                     f"last error: {report.error}")
        pending = now
    return passes


def decide_some(central, numbers: list[str], every: int = 3) -> None:
    with central.admin() as conn:
        for n in numbers[::every]:
            hub.decide(conn, n, Action.REJECT, actor="amal", reason="ناقص", policy=POLICY)


def test_connection_killed_mid_batch(desks, central, valid_request):
    killed = []

    def kill_before_commit(point, conn):
        if point == "push.before_commit" and not killed:
            killed.append(conn.info.backend_pid)
            with central.admin() as admin_conn:
                admin_conn.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))

    desk = desks(fault_hook=kill_before_commit, batch_size=50)
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(120)])
    report = desk.engine.run_once()
    assert killed and not report.ok and not report.online
    assert central.scalar("SELECT count(*) FROM requests") == 0  # the batch rolled back whole
    desk.sync()
    assert central.scalar("SELECT count(*) FROM requests") == 120
    decide_some(central, numbers)
    assert_converged(central, desk)


DROP_POINTS = ("push.before_commit", "push.after_commit", "pull.after_batch")


def test_connections_killed_again_and_again_while_syncing(desks, central, valid_request):
    """The link drops at every other step of the sync (a batch's commit, just before or just
    after it; a pulled batch): every pass is cut, and each keeps what it achieved. Drops are
    tied to the work done, not to a clock, so the outcome never depends on the machine's speed
    (bench/bench_sync.py measures the passes it takes with a drop every 40 ms)."""
    desk = desks(batch_size=40, pull_batch=25)
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(300)])
    steps = itertools.count()
    kills = 0

    def drop(point: str, conn) -> None:
        nonlocal kills
        if point in DROP_POINTS and next(steps) % 2 == 0:
            with central.admin() as admin_conn:  # waits until the backend is gone
                admin_conn.execute("SELECT pg_terminate_backend(%s, 10000)",
                                   (conn.info.backend_pid,))
            kills += 1

    desk.engine.fault_hook = drop
    passes = drain(desk)
    assert central.scalar("SELECT count(*) FROM requests") == 300
    decide_some(central, numbers)  # 100 decisions: four pulled batches, every other one cut
    wait_for_feed(central)
    received = stuck = 0
    while True:  # bounded by progress: passes that receive nothing, in a row
        report = desk.engine.run_once()
        received += report.pulled
        passes += 1
        if report.ok:
            break
        stuck = 0 if report.pulled else stuck + 1
        assert stuck < 200, (f"no progress in {stuck} passes: {received} of 100 decisions "
                             f"received, last error: {report.error}")
    desk.engine.fault_hook = None  # the link heals
    assert received == 100 and kills >= passes - 1 > 0
    assert_converged(central, desk)


def test_a_link_that_drops_under_a_big_batch_still_drains(desks, central, valid_request):
    """A poor link that carries only so much per connection: a batch above that never
    commits. Cut batches shrink the next pass's first batch, so the outbox drains."""
    desk = desks(batch_size=200)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(120)])
    carried: dict[int, int] = {}

    def drop(point: str, conn) -> None:
        if point != "push.before_commit":
            return
        pid = conn.info.backend_pid
        carried[pid] = carried.get(pid, 0) + conn.execute(  # this transaction's operations
            "SELECT count(*) FROM ops WHERE arrived_xid = pg_current_xact_id()").fetchone()[0]
        if carried[pid] > 25:
            with central.admin() as admin_conn:
                admin_conn.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))

    desk.engine.fault_hook = drop
    passes = drain(desk, stuck_after=20)
    desk.engine.fault_hook = None
    assert passes > 1 and central.scalar("SELECT count(*) FROM requests") == 120
    assert_converged(central, desk)


def test_after_a_drop_the_first_batch_is_one_operation_then_it_doubles(desks, central,
                                                                       valid_request):
    """A dropped connection makes the next pass start with a single operation, so a pass on
    a link whose fresh connections live only a moment still commits something; batches that
    commit double it back up to the batch size."""
    desk = desks(batch_size=40)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(100)])
    sizes: list[int] = []
    kill = True

    def watch(point: str, conn) -> None:
        nonlocal kill
        if point != "push.before_commit":
            return
        sizes.append(conn.execute(  # this transaction's operations
            "SELECT count(*) FROM ops WHERE arrived_xid = pg_current_xact_id()").fetchone()[0])
        if kill:
            kill = False
            with central.admin() as admin_conn:
                admin_conn.execute("SELECT pg_terminate_backend(%s, 10000)",
                                   (conn.info.backend_pid,))

    desk.engine.fault_hook = watch
    report = desk.engine.run_once()
    assert not report.ok and report.pushed == 0 and sizes == [40]
    sizes.clear()
    report = desk.engine.run_once()
    assert report.ok and report.pushed == 100
    assert sizes == [1, 2, 4, 8, 16, 32, 37]
    desk.engine.fault_hook = None
    assert_converged(central, desk)


CRASH_SCRIPT = r"""
import dataclasses, json, os, signal, sys
from pathlib import Path
from tawasul_desktop.config import load_settings
from tawasul_desktop.storage.store import Store
from tawasul_desktop.central.connection import target_from_settings
from tawasul_desktop.sync.engine import SyncEngine

a = json.loads(sys.argv[1])
settings = dataclasses.replace(
    load_settings(Path(a["config"]), db=a["db"], data_dir=a["data_dir"]),
    centre_code=a["centre"], counter=a["counter"], central_dsn=a["dsn"])
store = Store.open(settings)

def die(point, conn):
    if point == a["point"]:
        os.kill(os.getpid(), signal.SIGKILL)

SyncEngine(store, target_from_settings(settings), batch_size=a["batch"], fault_hook=die).run_once()
"""


def run_desk_process(desk: Desk, central, point: str, batch: int = 1000) -> int:
    settings = desk.store.settings
    arg = {"config": str(settings.config_file), "db": str(settings.db_path),
           "data_dir": str(settings.data_dir), "centre": settings.centre_code,
           "counter": settings.counter, "dsn": settings.central_dsn, "point": point,
           "batch": batch}
    done = subprocess.run([PYTHON, "-c", CRASH_SCRIPT, json.dumps(arg)], env=python_env(),
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    return done.returncode


def test_process_killed_between_central_commit_and_local_delete(desks, central, valid_request):
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(200)])
    for n in numbers[:20]:
        ops.transition(desk.store, CLERK, n, Action.WITHDRAW)
    desk.engine.close()
    assert run_desk_process(desk, central, "push.after_commit", batch=150) == -signal.SIGKILL
    assert central.scalar("SELECT count(*) FROM requests") == 150  # first batch committed
    with desk.store.read() as session:
        assert len(session.execute(select(OutboxEntry.seq).where(
            OutboxEntry.kind == "request.submit")).all()) == 200  # none marked sent
    report = desk.sync()
    assert report.already_there == 150 and report.pushed == 70
    assert central.scalar("SELECT count(*) FROM requests WHERE status = 'withdrawn'") == 20
    decide_some(central, numbers[20:])
    assert_converged(central, desk)


def cli_sync(desk: Desk, *extra: str) -> subprocess.Popen:
    settings = desk.store.settings
    settings.config_file.touch(exist_ok=True)  # a named configuration file must exist
    env = python_env() | {"TAWASUL_CENTRE": settings.centre_code,
                          "TAWASUL_COUNTER": str(settings.counter),
                          "TAWASUL_CENTRAL_DSN": settings.central_dsn or ""}
    return subprocess.Popen(
        [PYTHON, "-m", "tawasul_desktop.cli.main", "sync", "--once", "--json",
         "--config", str(settings.config_file), "--db", str(settings.db_path),
         "--data-dir", str(settings.data_dir), *extra],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_together(desks_: list[Desk]) -> list[dict]:
    for desk in desks_:
        desk.engine.close()
    procs = [cli_sync(d, "--batch", "50") for d in desks_]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (out[-3000:], err)
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_two_then_four_counters_push_at_once(desks, central, valid_request):
    counters = [desks("101", n) for n in (1, 2, 3, 4)]
    made: dict[int, list[str]] = {}
    for i, desk in enumerate(counters):
        made[i] = submit_many(desk.store, CLERK, [valid_request() for _ in range(150)])
        ops.record_follow_up(desk.store, CLERK, made[i][0], "متابعة",
                             now=follow_up_open_after_now())
        ops.transition(desk.store, CLERK, made[i][1], Action.WITHDRAW)
    first = run_together(counters[:2])
    assert [r["sent"] for r in first] == [152, 152]
    assert central.scalar("SELECT count(*) FROM requests") == 300
    for i, desk in enumerate(counters[:2]):
        made[i] += submit_many(desk.store, CLERK, [valid_request() for _ in range(100)])
    second = run_together(counters)
    assert sorted(r["sent"] for r in second) == [100, 100, 152, 152]
    assert central.scalar("SELECT count(*) FROM requests") == 800
    assert central.scalar("SELECT count(*) FROM follow_ups") == 4
    assert central.scalar("SELECT count(DISTINCT counter) FROM requests") == 4
    decide_some(central, [n for ns in made.values() for n in ns[2:]], every=7)
    assert_converged(central, *counters)


class Cut(Exception):
    pass


def cut_at_upload(point: str, conn) -> None:
    if point == "upload.before_commit":  # the requests are central's, their file is not
        raise Cut


def two_desks_holding_one_file(desks, central, valid_request) -> tuple[Desk, Desk, list[str]]:
    """Counter 2's two requests and counter 1's one hold the same photo (one file, stored once
    centrally); all are central's, marked "attachments pending". Counter 2's numbers, in the
    order of the requests' ids."""
    mine = desks("101", 2, fault_hook=cut_at_upload)
    other = desks("101", 1, fault_hook=cut_at_upload)
    numbers = submit_many(mine.store, CLERK, [valid_request() for _ in range(2)])
    submit_many(other.store, CLERK, [valid_request()])
    for desk in (mine, other):
        with pytest.raises(Cut):
            desk.engine.run_once()
    return mine, other, by_id(central, numbers)


def by_id(central, numbers: list[str]) -> list[str]:
    """The requests in the order of their ids (random: not the order they were made in)."""
    with central.admin() as conn:
        return [r[0] for r in conn.execute(
            "SELECT number FROM requests WHERE number = ANY(%s) ORDER BY id", (numbers,))]


def later_by_four_days() -> dt.datetime:
    return follow_up_open_after_now()  # a follow-up comes 72 hours on, in working time


def wait_until_waiting(central, desk: Desk, thread: threading.Thread) -> None:
    """Until the desk's central session waits for a lock (or its pass ended)."""
    name = f"tawasul-desk {desk.store.settings.centre_code}-{desk.store.settings.counter:02d}"
    stop = time.monotonic() + 30
    with central.admin() as conn:
        while thread.is_alive() and not conn.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = %s "
                "AND wait_event_type = 'Lock')", (name,)).fetchone()[0]:
            assert time.monotonic() < stop, f"{name} never waited"
            time.sleep(0.01)


def push_while_the_other_uploads(central, mine: Desk, other: Desk, key_shared: str) -> dict:
    """Both desks' passes, made to overlap: a reader holds a key-share lock on request
    ``key_shared`` (as a foreign key check does), which the push waits for (it locks the
    requests it changes for update) and the upload does not (it changes no key). The push
    starts first and holds what it locked before that request; the upload comes while it
    waits. The reader lets go once both wait (or the upload ended); each pass's error."""
    for desk in (mine, other):
        desk.engine.fault_hook = None
    reports: dict[str, object] = {}
    threads = {name: threading.Thread(target=lambda n=name, d=desk: reports.__setitem__(
        n, d.engine.run_once())) for name, desk in (("push", mine), ("upload", other))}
    with central.admin() as reader, reader.transaction():
        reader.execute("SELECT 1 FROM requests WHERE number = %s FOR KEY SHARE", (key_shared,))
        threads["push"].start()
        wait_until_waiting(central, mine, threads["push"])
        threads["upload"].start()
        wait_until_waiting(central, other, threads["upload"])
    for thread in threads.values():
        thread.join(60)
    return {n: r.error for n, r in reports.items()}


def test_a_push_locks_the_requests_it_changes_in_order_against_another_desks_upload(
        desks, central, valid_request):
    """Seen as one of four concurrent `sync --once` exiting 1 ("deadlock detected"): a file's
    arrival clears "attachments pending" on every request holding it, whoever's, locking them
    in the order of their ids, while the desk those requests belong to pushes a follow-up (its
    count) and an event on them. The push locked the followed-up request (the second by id)
    first, then waited for the withdrawn one (the first), which the upload held while it
    waited for the second."""
    mine, other, (first, second) = two_desks_holding_one_file(desks, central, valid_request)
    ops.record_follow_up(mine.store, CLERK, second, "متابعة", now=later_by_four_days())
    ops.transition(mine.store, CLERK, first, Action.WITHDRAW)
    errors = push_while_the_other_uploads(central, mine, other, key_shared=first)
    assert errors == {"push": None, "upload": None}
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0
    assert central.scalar("SELECT status FROM requests WHERE number = %s", first) == "withdrawn"
    assert central.scalar("SELECT follow_up_count FROM requests WHERE number = %s", second) == 1


def test_a_files_arrival_locks_the_requests_it_clears_in_order_against_a_push(
        desks, central, valid_request):
    """The other side of the same deadlock: the push locks its requests in the order of their
    ids; the arrival of their file locked them in the order its plan met them (here the
    table's: the first request by id, followed up before, lies after the second), holding the
    second while the push held the first and waited for the second."""
    mine, other, (first, second) = two_desks_holding_one_file(desks, central, valid_request)
    ops.record_follow_up(mine.store, CLERK, first, "متابعة", now=later_by_four_days())
    with pytest.raises(Cut):
        mine.engine.run_once()  # the first request's new version lies after the second
    for number in (first, second):
        ops.transition(mine.store, CLERK, number, Action.WITHDRAW)
    errors = push_while_the_other_uploads(central, mine, other, key_shared=second)
    assert errors == {"push": None, "upload": None}
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0
    assert central.scalar("SELECT count(*) FROM requests WHERE status = 'withdrawn'") == 2


def test_a_day_offline_then_catching_up(desks, central, valid_request):
    desk = desks()
    yesterday = submit_many(desk.store, CLERK, [valid_request() for _ in range(50)])
    desk.sync()
    online_target = desk.engine.target
    desk.engine.target = type(online_target)("host=127.0.0.1 port=1 dbname=x user=x",
                                             connect_timeout=1)
    desk.engine.close()
    opening = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=9)
    day: list[str] = []
    for hour in range(8):  # 250 an hour, a sync attempt (failing) after each
        day += submit_many(desk.store, CLERK, [valid_request() for _ in range(250)],
                           now=opening + dt.timedelta(hours=hour))
        assert not desk.engine.run_once().ok
    for n in day[:30]:
        ops.transition(desk.store, CLERK, n, Action.WITHDRAW)
    decide_some(central, yesterday, every=2)  # supervisors work meanwhile
    assert desk.engine.status().pending >= 2030
    assert desk.engine.status().online is False

    desk.engine.target = online_target
    report = desk.sync()  # how long it takes is bench_sync's to measure, not a test's
    assert report.pushed == 2030 and report.requests_changed == 25
    assert_converged(central, desk)


def test_a_desk_clock_two_days_ahead(desks, central, valid_request):
    ahead = dt.timedelta(days=2)
    skewed = desks("101", 1, clock=lambda: dt.datetime.now(dt.UTC) + ahead)
    honest = desks("101", 2)
    early = submit_many(skewed.store, CLERK, [valid_request() for _ in range(5)],
                        now=dt.datetime.now(dt.UTC) + ahead)
    ops.transition(skewed.store, CLERK, early[0], Action.WITHDRAW,
                   now=dt.datetime.now(dt.UTC) + ahead)
    report = skewed.sync()
    assert report.clock_warning
    assert report.clock_skew_seconds == pytest.approx(-ahead.total_seconds(), abs=60)
    assert skewed.engine.status().clock_skew_seconds == pytest.approx(-ahead.total_seconds(),
                                                                      abs=60)
    late = submit_many(honest.store, CLERK, [valid_request() for _ in range(5)])
    assert not honest.sync().clock_warning
    with central.admin() as conn:
        # Central orders by its own clock and arrival, never by the desk's.
        order = [r[0] for r in conn.execute("SELECT number FROM requests ORDER BY received_at")]
        assert order == early + late
        flagged = conn.execute("SELECT count(*) FROM requests WHERE abs(clock_skew_seconds) > 300"
                               ).fetchone()[0]
        assert flagged == 5
        skew = conn.execute("SELECT last_skew_seconds FROM counters WHERE role_name = %s",
                            (skewed.role,)).fetchone()[0]
        assert skew == pytest.approx(-ahead.total_seconds(), abs=60)
    decide_some(central, early[1:] + late, every=2)
    assert_converged(central, skewed, honest)


def test_a_desk_clock_days_off_refuses_intake_until_corrected(desks, central, valid_request):
    """A desk 4 days slow would print due dates 4 days early: once a sync has measured the
    skew (a pass that pushes nothing measures it too), intake is refused with a message
    that says how far off the clock is, until a sync with a corrected clock."""
    slow = dt.timedelta(days=4)
    clock = {"off": slow}
    desk = desks("101", 1, clock=lambda: dt.datetime.now(dt.UTC) - clock["off"])
    report = desk.sync()  # nothing to send: the pull measures the clock
    assert report.clock_warning and "4 days behind central" in plain(report.summary())
    with pytest.raises(TawasulError) as refused:
        ops.submit_request(desk.store, CLERK, valid_request())
    problem = refused.value.problems[0]
    assert problem.code == "intake.clock_wrong"
    assert "4 days behind central" in plain(problem.message_en)
    assert "4" in problem.message_ar and "متأخرة" in problem.message_ar
    with pytest.raises(TawasulError):  # the batch path (import) is refused alike
        submit_many(desk.store, CLERK, [valid_request()])
    with desk.store.read() as session:
        assert session.execute(select(Request)).first() is None
    clock["off"] = dt.timedelta(0)  # corrected
    assert not desk.sync().clock_warning
    ops.submit_request(desk.store, CLERK, valid_request())
    assert desk.sync().pushed >= 1


def test_schema_version_mismatch(desks, central, valid_request, monkeypatch):
    desk = desks()
    (kept,) = submit_many(desk.store, CLERK, [valid_request()])
    with desk.store.write() as session:  # an ancient operation left pending by an old build
        session.execute(insert(OutboxEntry), [{
            "op_id": uuid.uuid4(), "kind": KIND_EVENT, "schema_version": 0,
            "request_id": ops.get_request(desk.store, kept).id,
            "created_at": dt.datetime.now(dt.UTC), "state": PENDING,
            "payload": dumps({"action": "withdraw", "actor": "old", "at": None})}])
    report = desk.sync()
    assert report.pushed == 1 and [r.code for r in report.refused] == ["sync.version_too_old"]
    assert "older Tawasul Desk" in report.refused[0].message_en

    # An operation from the previous version (pending across the upgrade) is still accepted.
    (previous,) = submit_many(desk.store, CLERK, [valid_request()])
    with desk.store.write() as session:
        session.execute(insert(OutboxEntry), [{
            "op_id": uuid.uuid4(), "kind": KIND_EVENT, "schema_version": 1,
            "request_id": ops.get_request(desk.store, previous).id,
            "created_at": dt.datetime.now(dt.UTC), "state": PENDING,
            "payload": dumps({"action": "withdraw", "actor": "clerk1",
                              "at": dt.datetime.now(dt.UTC)})}])
    assert not desk.sync().refused
    assert central.scalar("SELECT status FROM requests WHERE number = %s", previous) == "withdrawn"

    # This desk is newer than central: refused with a clear message, kept, sent after upgrade.
    monkeypatch.setattr(outbox, "OP_SCHEMA_VERSION", 3)
    (newer,) = submit_many(desk.store, CLERK, [valid_request()])
    report = desk.sync()
    assert [r.code for r in report.refused] == ["sync.version_too_new"]
    assert "tawasul central upgrade" in report.refused[0].message_en
    assert central.scalar("SELECT count(*) FROM requests WHERE number = %s", newer) == 0
    assert desk.engine.status().refused == 2
    with central.admin() as conn:
        conn.execute("UPDATE central_settings SET value = '3' WHERE key = 'protocol_version'")
        conn.execute("UPDATE central_settings SET value = '2' WHERE key = 'protocol_oldest'")
    try:
        assert desk.engine.requeue() == 2
        report = desk.sync()
        assert report.pushed == 1 and [r.code for r in report.refused] == ["sync.version_too_old"]
        assert central.scalar("SELECT count(*) FROM requests WHERE number = %s", newer) == 1
    finally:
        with central.admin() as conn:
            conn.execute("UPDATE central_settings SET value = '2' WHERE key = 'protocol_version'")
            conn.execute("UPDATE central_settings SET value = '1' WHERE key = 'protocol_oldest'")
    with desk.store.read() as session:
        assert session.execute(select(OutboxEntry.state)).scalars().all() == [REJECTED]


def test_central_schema_from_another_release(desks, central, valid_request):
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request()])
    with central.admin() as conn:
        conn.execute("UPDATE tawasul_central_version SET version_num = 'c9999'")
        conn.execute("UPDATE central_settings SET value = 'c9998' "  # … serving newer desks
                     "WHERE key = 'serves_desks_from'")
    try:
        report = desk.engine.run_once()
        assert not report.ok and "c9999" in report.error and "update this desk" in report.error
        with pytest.raises(admin.CentralSchemaError, match="newer than this program"):
            admin.upgrade_central(central.target())
        assert desk.engine.status().pending == 3  # nothing lost meanwhile
    finally:
        with central.admin() as conn:
            conn.execute("UPDATE tawasul_central_version SET version_num = %s",
                         (admin.central_head(),))
            conn.execute("UPDATE central_settings SET value = 'c0006' "
                         "WHERE key = 'serves_desks_from'")
    desk.sync()
    assert_converged(central, desk)


def test_a_pass_failing_on_the_desk_lets_go_of_its_central_connection(desks, central,
                                                                      valid_request):
    """An unexpected failure on the desk's side (here: after a pulled batch is written) ends
    the pass with the error, and the pass's connection to central is closed with it: no
    idle server backend is held for the minutes the loop backs off (before, it was kept
    until a later pass reused it)."""
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
    desk.sync()
    with central.admin() as conn:
        for number in numbers:
            hub.decide(conn, number, Action.START_REVIEW, actor="amal", policy=POLICY)
    wait_for_feed(central)

    batches = itertools.count()

    def broken(point, conn):  # the idle statement's batch goes; the pull phase's fails
        if point == "pull.after_batch" and next(batches):
            raise RuntimeError("the desk's disk is full")

    desk.engine.fault_hook = broken
    desk.engine.pull_batch = 1  # past the idle statement's first batch: the pull phase
    with pytest.raises(RuntimeError):
        desk.engine.run_once()
    # The server ends a closed connection's backend a moment later; a held one never ends.
    ends = time.monotonic() + 10
    while central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                         desk.role) and time.monotonic() < ends:
        time.sleep(0.05)
    assert central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                          desk.role) == 0
    desk.engine.fault_hook = None
    report = desk.engine.run_once()
    assert report.ok, report.error
    assert {ops.get_request(desk.store, n).status for n in numbers} == {"under_review"}
