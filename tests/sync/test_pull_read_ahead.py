"""A pull reads its next batch from central on a worker thread while the desk applies the
current one; the batch read ahead is applied only if the desk's stored cursor is still the
one it was read from (a reset in between: it is dropped and read again from the new cursor)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select
from synchelp import CLERK, submit_many, wait_for_feed

from tawasul_desktop.central import operations as hub
from tawasul_desktop.storage.models import Request
from tawasul_desktop.sync import local


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[str, int], str]]:
    """Each read of the feed by the full pass: (cursor, thread that read it); the real read."""
    seen: list[tuple[tuple[str, int], str]] = []
    real = hub.pull_changes

    def recorded(conn: Any, after: tuple[str, int], limit: int) -> hub.FeedBatch:
        seen.append((after, threading.current_thread().name))
        return real(conn, after, limit)

    monkeypatch.setattr(hub, "pull_changes", recorded)
    return seen


def changed_on_central(desks, central, valid_request, count: int, **engine_args: Any):
    desk = desks(pull_batch=10, **engine_args)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(count)])
    desk.sync()
    with central.admin() as conn:  # a status change for every request, one feed row each
        conn.execute("UPDATE requests SET status = 'under_review', updated_at = now()")
    wait_for_feed(central)
    return desk


def stored_status(desk) -> set[str]:
    with desk.store.read() as session:
        return set(session.execute(select(Request.status)).scalars())


def test_the_next_batch_is_read_ahead_on_a_worker(desks, central, valid_request, reads):
    desk = changed_on_central(desks, central, valid_request, 45)
    reads.clear()
    report = desk.sync()
    assert report.pulled == 45 and report.requests_changed == 45
    # The idle pass read the first 10; the full pass's first read is its own, the rest were
    # each read once, ahead, on the pull's worker thread.
    cursors = [c for c, _ in reads]
    assert len(cursors) == len(set(cursors)) == 4
    assert reads[0][1] == threading.current_thread().name
    assert all(name.startswith("tawasul-sync-pull") for _, name in reads[1:])
    assert stored_status(desk) == {"under_review"}
    assert not [t for t in threading.enumerate() if t.name.startswith("tawasul-sync-pull")]


def test_a_batch_read_ahead_is_dropped_when_the_cursor_moved(desks, central, valid_request,
                                                            reads):
    batches = []

    def reset_once(point: str, _conn: Any) -> None:
        if point == "pull.after_batch":
            batches.append(point)
            if len(batches) == 2:  # the full pass's first batch: the cursor goes back
                with desk.store.write() as session:
                    local.reset_cursor(session)

    desk = changed_on_central(desks, central, valid_request, 45, fault_hook=reset_once)
    reads.clear()
    batches.clear()
    report = desk.sync()
    start = ("0", 0)
    # idle 10, the full pass's first 10, then all 45 again from the start
    assert report.pulled == 65 and report.requests_changed == 45
    ahead = reads[1]  # read ahead while the first batch was applied, then dropped
    assert ahead[1].startswith("tawasul-sync-pull") and ahead[0] != start
    assert reads[2] == (start, threading.current_thread().name)
    with desk.store.read() as session:
        assert local.sync_state(session).pull_count == 45
    assert stored_status(desk) == {"under_review"}


def test_a_failed_apply_leaves_no_reader_behind(desks, central, valid_request, reads):
    """Applying a batch fails (here: the fault hook raises) while the next is read ahead:
    the pass ends with the reader's thread gone, and the next pass receives the rest."""
    failed = []

    def fail_once(point: str, _conn: Any) -> None:
        if point == "pull.after_batch" and reads and not failed:
            failed.append(point)
            raise RuntimeError("the desk stops while a batch is read ahead")

    desk = changed_on_central(desks, central, valid_request, 45, fault_hook=fail_once)
    reads.clear()
    with pytest.raises(RuntimeError):
        desk.engine.run_once()
    assert failed and len(reads) == 2  # the batch applied, and the one read ahead
    assert not [t for t in threading.enumerate() if t.name.startswith("tawasul-sync-pull")]
    report = desk.sync()
    assert report.requests_changed == 45 - 20 and stored_status(desk) == {"under_review"}
