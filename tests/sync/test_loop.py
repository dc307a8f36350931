"""SyncLoop: background passes on an interval and on "sync now", backing off while offline."""

from __future__ import annotations

import threading
import time

from synchelp import CLERK, submit_many

from tawasul_desktop.central.connection import CentralTarget
from tawasul_desktop.sync.engine import SyncLoop


def wait_for(predicate, what: str = "the condition", hang_after: float = 120.0) -> None:
    """Poll until ``predicate()``. The bound only stops a hang: a pass against a busy shared
    server on a loaded 2-core machine can take seconds, and that proves nothing."""
    stop = time.monotonic() + hang_after
    while not predicate():
        assert time.monotonic() < stop, f"still waiting for {what} after {hang_after:.0f} s"
        time.sleep(0.01)


def test_sync_now_and_the_interval(desks, central, valid_request):
    desk = desks()
    reports = []
    seen = threading.Event()

    def on_report(report):
        reports.append(report)
        seen.set()

    progress = []
    loop = SyncLoop(desk.engine, interval=3600, on_report=on_report, on_progress=progress.append)
    loop.start()
    try:
        wait_for(seen.is_set, "the first pass")  # at start
        seen.clear()
        submit_many(desk.store, CLERK, [valid_request() for _ in range(4)])
        assert loop.state.pending == 6  # 4 requests and their 2 distinct files
        loop.sync_now()
        wait_for(seen.is_set, "the pass asked for")
        assert reports[-1].pushed == 4 and loop.state.pending == 0
        assert loop.state.online is True and loop.state.last_success_at is not None
        assert {p.phase for p in progress} >= {"connect", "push", "attachments"}
    finally:
        loop.stop()
    assert central.scalar("SELECT count(*) FROM requests") == 4


def test_backoff_while_central_is_unreachable(desks, central, valid_request):
    desk = desks()
    reachable = desk.engine.target
    desk.engine.target = CentralTarget("host=127.0.0.1 port=1 dbname=x user=x", connect_timeout=1)
    submit_many(desk.store, CLERK, [valid_request()])
    loop = SyncLoop(desk.engine, interval=3600, first_retry=0.05, max_backoff=0.4)
    loop.start()
    try:
        wait_for(lambda: loop.failures >= 4, "four failed passes")
        assert 0.3 <= loop.next_delay() <= 0.5  # capped
        state = loop.state
        assert state.online is False and state.pending == 3 and state.last_error
        desk.engine.target = reachable
        loop.sync_now()
        wait_for(lambda: loop.failures == 0, "a pass that reaches central")
        assert loop.state.online is True and loop.state.pending == 0
        assert loop.next_delay() == 3600
    finally:
        loop.stop()


def test_a_supervisors_desk_is_told_calmly_and_not_retried(desks, central):
    from tawasul_desktop.central import admin
    from tawasul_desktop.sync.engine import SyncEngine

    desk = desks()  # centre 101
    with central.admin() as conn:
        role, _ = admin.add_supervisor(conn, "101", "amal")
        elsewhere, _ = admin.add_supervisor(conn, "102", "amal")
    engine = SyncEngine(desk.store, central.target(role))
    reports = []
    loop = SyncLoop(engine, interval=0.05, first_retry=0.05, on_report=reports.append)
    loop.start()
    try:
        wait_for(lambda: reports, "the first report")
        report = reports[0]
        assert report.ok and report.supervisor_desk and report.online
        assert report.summary().startswith("this desk is a supervisor's")
        state = loop.state
        assert state.supervisor_desk and state.online and state.last_error is None
        assert state.last_success_at is None  # nothing was synced
        assert loop.failures == 0 and loop.dormant and loop.next_delay() is None
        time.sleep(0.5)  # ten intervals: no pass, no retry
        assert len(reports) == 1
        loop.sync_now()  # asked for, a pass still runs and says the same
        wait_for(lambda: len(reports) == 2, "the pass asked for")
        assert reports[1].supervisor_desk and loop.dormant
    finally:
        loop.stop()
    # The server ends a backend after its client hung up, in its own time: wait for that
    # rather than read pg_stat_activity at the instant the desk closed its connection.
    wait_for(lambda: central.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", role) == 0,
        "the supervisor's desk's connection to end")

    # A supervisor's role of another centre is a configuration error, as before.
    wrong = SyncEngine(desk.store, central.target(elsewhere)).run_once()
    assert not wrong.ok and not wrong.supervisor_desk and "not a counter's role" in wrong.error


def test_a_link_cut_after_progress_is_retried_soon_not_backed_off(desks, central,
                                                                   valid_request):
    """Every pass commits one batch and then loses its connection: a poor link, not a lost
    one. The loop retries after ``first_retry`` each time instead of doubling its wait."""
    desk = desks(batch_size=2)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(8)])
    committed: dict[int, int] = {}

    def cut_second_batch(point: str, conn) -> None:
        if point == "push.after_commit":
            committed[conn.info.backend_pid] = 1
        elif point == "push.before_commit" and conn.info.backend_pid in committed:
            with central.admin() as admin_conn:
                admin_conn.execute("SELECT pg_terminate_backend(%s, 10000)",
                                   (conn.info.backend_pid,))

    desk.engine.fault_hook = cut_second_batch
    seen: list[tuple[bool, bool, int]] = []
    four = threading.Event()

    def on_report(report) -> None:
        seen.append((report.ok, report.progressed, loop.failures))
        if len(seen) == 4:
            four.set()

    loop = SyncLoop(desk.engine, interval=3600, first_retry=0.05, max_backoff=3600,
                    on_report=on_report)
    loop.start()
    try:
        assert four.wait(120), seen  # a guard against a hang, not the measure
    finally:
        loop.stop()
    assert seen[:4] == [(False, True, 1)] * 4
