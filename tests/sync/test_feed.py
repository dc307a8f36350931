"""The change feed in the transaction ids' own order: across a power of ten of the xid (where
the ids' text sorts the longer one first) nothing is skipped and nothing arrives out of order.

The cluster's transaction ids are shared by everything on the server, so a test cannot choose
them. When the next power of ten is within reach the test burns ids up to just before it (a
procedure that commits in a loop, ~400k ids a second) and makes the decisions on both sides
for real. When it is out of reach, or another session used up the margin meanwhile, the
decisions' feed rows are moved onto the last power of ten the cluster passed (as the rows of
transactions that finished long ago: the feed compares xid8 values, nothing else), and the
desk reads its feed from the start. Either way the rows are checked to straddle the boundary
before the desk pulls, so the test can never pass without crossing one.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import select
from synchelp import CLERK, POLICY, CentralDb, submit_many, wait_for_feed

from tawasul_desktop.central import operations as hub
from tawasul_desktop.cli.main import main
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.models import Request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.sync import local

# ids: a few seconds of burning at most (more on request, e.g. to see the burned path run)
BURN_REACH = int(os.environ.get("TAWASUL_TEST_BURN_REACH", "1000000"))
MARGIN = 300  # ids left below the boundary for the "before" decisions

_BURN = """
CREATE PROCEDURE pg_temp.tawasul_burn_xids(target xid8) LANGUAGE plpgsql AS $$
BEGIN
    WHILE pg_current_xact_id() < target LOOP
        COMMIT;
    END LOOP;
    COMMIT;
END $$"""


def _xid(conn: Any) -> int:
    return int(conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0])


def burn_to(conn: Any, target: int) -> None:
    conn.execute("SET synchronous_commit = off")
    if conn.execute("SELECT to_regprocedure('pg_temp.tawasul_burn_xids(xid8)')").fetchone()[0] \
            is None:
        conn.execute(_BURN)
    conn.execute("CALL pg_temp.tawasul_burn_xids(%s::text::xid8)", (str(target),))


def _feed_ids(conn: Any, after_id: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM changes WHERE id > %s ORDER BY id",
                                       (after_id,))]


def _last_id(conn: Any) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()[0])


def across_a_digit_boundary(central: CentralDb, store: Store, before: Callable[[], object],
                            after: Callable[[], object], *, burn: bool = True
                            ) -> tuple[int, str]:
    """Run ``before`` and ``after`` so that every feed row ``before`` writes has a
    transaction id below a power of ten and every row ``after`` writes one at or above it.
    Returns the boundary and how it was reached (``burned`` or ``moved``)."""
    with central.admin() as conn:
        now = _xid(conn)
        boundary = 10 ** len(str(now))
        burning = burn and boundary - MARGIN - now <= BURN_REACH
        if burning:
            burn_to(conn, boundary - MARGIN)
        start = _last_id(conn)
        before()
        middle = _last_id(conn)
        if burning:
            burn_to(conn, boundary)
        after()
        first = [i for i in _feed_ids(conn, start) if i <= middle]
        second = [i for i in _feed_ids(conn, start) if i > middle]
        assert first and second, "the decisions wrote no feed rows"
        lo = conn.execute("SELECT max(xid::text::bigint) FROM changes WHERE id = ANY(%s)",
                          (first,)).fetchone()[0]
        hi = conn.execute("SELECT min(xid::text::bigint) FROM changes WHERE id = ANY(%s)",
                          (second,)).fetchone()[0]
        if burning and lo < boundary <= hi:
            wait_for_feed(central)
            return boundary, "burned"
        if burn:  # said, not hidden: this run crossed a boundary the other way
            warnings.warn(f"xid {now}: the power of ten {boundary} was out of reach or its "
                          "margin was taken; feed rows were moved onto a passed one",
                          stacklevel=2)
        # Out of reach (or the margin was used by others): the last power of ten passed.
        horizon = int(conn.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()[0])
        boundary = 10 ** (len(str(horizon)) - 1)
        if boundary + len(second) >= horizon:
            boundary //= 10
        assert boundary - len(first) > 3, "the cluster's transaction ids are too young"
        for index, change_id in enumerate(first + second):
            xid = boundary - len(first) + index
            conn.execute("UPDATE changes SET xid = %s::text::xid8 WHERE id = %s",
                         (str(xid), change_id))
    with store.write() as session:  # the moved rows lie behind a cursor at the horizon
        local.reset_cursor(session)
    return boundary, "moved"


def states(store: Store) -> dict[str, tuple]:
    with store.read() as session:
        return {r.number: (r.status, r.decision_reason, r.decided_by)
                for r in session.execute(select(Request)).scalars()}


def central_states(central: CentralDb) -> dict[str, tuple]:
    with central.admin() as conn:
        rows = conn.execute("SELECT number, status, decision_reason, decided_by FROM requests")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def decide(central: CentralDb, number: str, action: Action, actor: str) -> None:
    with central.admin() as conn:
        outcome = hub.decide(conn, number, action, actor=actor, policy=POLICY,
                             reason="سبب" if action in (Action.RETURN, Action.REJECT) else None)
        assert isinstance(outcome, hub.LifecycleState), outcome


@pytest.mark.parametrize("burn", [True, False], ids=["burned", "moved"])
def test_two_decisions_across_a_digit_boundary_leave_the_later_one(desks, central,
                                                                   valid_request, burn):
    desk = desks()
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    boundary, how = across_a_digit_boundary(
        central, desk.store,
        lambda: decide(central, number, Action.START_REVIEW, "first"),
        lambda: decide(central, number, Action.REJECT, "second"), burn=burn)
    report = desk.sync()
    assert report.pulled == 2, (boundary, how)
    mine = ops.get_request(desk.store, number)
    assert (mine.status, mine.decided_by) == ("rejected", "second"), (boundary, how)
    assert states(desk.store) == central_states(central)


@pytest.mark.parametrize("burn", [True, False], ids=["burned", "moved"])
def test_batches_straddling_a_digit_boundary_all_arrive(desks, central, valid_request, burn):
    desk = desks(pull_batch=3)  # several batches on each side of the boundary
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(10)])
    desk.sync()
    boundary, how = across_a_digit_boundary(
        central, desk.store,
        lambda: [decide(central, n, Action.ACCEPT, "before") for n in numbers[:5]],
        lambda: [decide(central, n, Action.REJECT, "after") for n in numbers[5:]], burn=burn)
    pulled = desk.sync().pulled
    assert pulled == 10, (boundary, how)
    assert states(desk.store) == central_states(central)
    assert {s for s, _, _ in states(desk.store).values()} == {"accepted", "rejected"}


# --- an idle desk reads its own rows only (issue 11, item 6) ---------------------------------


def _feed_rows(conn: Any, centre: str | None, counter: int | None, count: int) -> None:
    conn.execute(
        """INSERT INTO changes (centre, counter, kind, entity_id, payload)
           SELECT %s, %s, 'noise', g::text, '{}'::jsonb FROM generate_series(1, %s) g""",
        (centre, counter, count))


def _scanned(plan: dict[str, Any]) -> int:
    """Rows every scan of ``changes`` (its monthly partitions, c0009) in the plan read
    (returned plus filtered out)."""
    own = 0
    name = plan.get("Relation Name", "")
    if name == "changes" or name.startswith("changes_"):
        own = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        own += plan.get("Rows Removed by Index Recheck", 0)
    return own + sum(_scanned(p) for p in plan.get("Plans", ()))


def explain_pull(desk: Any, cursor: tuple[str, int], limit: int = 2000) -> dict[str, Any]:
    with psycopg.connect(desk.engine.target.dsn, autocommit=True) as conn:  # the counter's role
        since = conn.execute("SELECT tawasul_feed_since(%s::xid8)", (cursor[0],)).fetchone()[0]
        row = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + hub._FEED,
                           {"xid": cursor[0], "id": cursor[1], "limit": limit,
                            "since": since}).fetchone()
    return dict(row[0][0])


def cursor_of(store: Store) -> tuple[str, int]:
    with store.read() as session:
        state = local.sync_state(session)
        return state.pull_xid, state.pull_id


def test_an_idle_desk_reads_only_its_own_rows_and_follows_the_horizon(desks, central,
                                                                      valid_request):
    desk = desks("101", 1)
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    decide(central, number, Action.START_REVIEW, "amal")
    with central.admin() as conn:  # other desks' and centres' traffic, after this desk's row
        _feed_rows(conn, "101", 2, 3000)
        _feed_rows(conn, "202", None, 1500)
        _feed_rows(conn, "202", 7, 1500)
        conn.execute("ANALYZE changes")
        others_top = int(conn.execute("SELECT max(xid::text::bigint) FROM changes").fetchone()[0])
    wait_for_feed(central)
    # From the cursor the desk had, the feed query touches this desk's one row, nothing else.
    plan = explain_pull(desk, cursor_of(desk.store))
    assert _scanned(plan["Plan"]) == 1, plan
    report = desk.sync()
    assert report.pulled == 1
    # The pull found nothing more of its own: the cursor moved to the horizon, past the others.
    xid, _ = cursor_of(desk.store)
    assert int(xid) > others_top
    assert _scanned(explain_pull(desk, cursor_of(desk.store))["Plan"]) == 0
    assert desk.sync().pulled == 0
    # Rows for every centre and for this centre still arrive after an idle stretch.
    with central.admin() as conn:
        hub.put_user(conn, "everyone", "clerk", "x")
        hub.put_user(conn, "centre", "clerk", "x", centre="101")
        hub.put_user(conn, "elsewhere", "clerk", "x", centre="202")
    wait_for_feed(central)
    assert desk.sync().pulled == 2


# --- a desk behind central is told so (issue 11, item 1) ---------------------------------------


def skip_past_everything(central: CentralDb, store: Store) -> None:
    """What the text-ordered pull did: the cursor moved past rows the desk never received."""
    wait_for_feed(central)
    horizon = central.scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
    with store.write() as session:
        state = local.sync_state(session)
        state.pull_xid, state.pull_id = horizon, 0


def status_json(desk: Any, monkeypatch: Any, capsys: Any, *extra: str) -> dict[str, Any]:
    settings = desk.store.settings
    monkeypatch.setenv("TAWASUL_CENTRE", settings.centre_code)
    monkeypatch.setenv("TAWASUL_COUNTER", str(settings.counter))
    monkeypatch.setenv("TAWASUL_CENTRAL_DSN", settings.central_dsn)
    settings.config_file.touch()  # a named configuration file must exist
    code = main(["sync", "status", "--json", "--config", str(settings.config_file),
                 "--db", str(settings.db_path), "--data-dir", str(settings.data_dir), *extra])
    out = capsys.readouterr().out
    assert code == 0, out
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_sync_status_tells_a_desk_behind_central(desks, central, valid_request, monkeypatch,
                                                 capsys):
    desk = desks()
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(3)])
    desk.sync()
    assert status_json(desk, monkeypatch, capsys)["behind_central"] is False
    for number in numbers:
        decide(central, number, Action.ACCEPT, "amal")
    wait_for_feed(central)
    waiting = status_json(desk, monkeypatch, capsys)  # decided centrally, not yet pulled
    assert waiting["behind_central"] is True and waiting["feed"]["waiting"] == 3
    desk.sync()
    assert status_json(desk, monkeypatch, capsys)["behind_central"] is False

    decide(central, numbers[0], Action.CLOSE, "amal")
    skip_past_everything(central, desk.store)  # one change passed by, never received
    assert desk.sync().pulled == 0
    missed = status_json(desk, monkeypatch, capsys)
    assert missed["behind_central"] is True and missed["feed"]["missed"] == 1
    assert desk.engine.check_feed().summary().startswith("behind central: 1 change(s) never")
    assert status_json(desk, monkeypatch, capsys, "--offline")["behind_central"] is None
    desk.engine.reset()
    desk.sync()
    assert status_json(desk, monkeypatch, capsys)["behind_central"] is False
    assert states(desk.store) == central_states(central)


# --- a batch's payloads decoded at once (issue 16, item 5) -------------------------------------


ODD_PAYLOADS = ['{}', '[]', 'null', '0', '-12.5e-3', '12345678901234567890', '"نص"',
                '"a\\"b\\\\c\\u0001d\\n"', '{"a": {"b": [1, 2.5, true, false, null]}}',
                '{"ar": "صورة الهوية غير واضحة", "e": "\\ud83d\\ude00", "big": 1e300}',
                '[",", "]", "[", "null"]']


@pytest.mark.parametrize("path", ["function", "statement"])
def test_a_batch_of_payloads_decodes_as_each_one_alone(desks, central, monkeypatch, path):
    """pull_changes reads the payloads as text and decodes a batch in one parse: each comes
    out as psycopg's own jsonb loader reads it, including values that are not objects, text
    that holds JSON's own punctuation, and the first and last rows of a batch; through
    central's tawasul_pull() (c0011) and through the statement sent to an older central."""
    desk = desks()
    with central.admin() as conn:
        for text in ODD_PAYLOADS:
            conn.execute("INSERT INTO changes (centre, counter, kind, entity_id, payload) "
                         "VALUES ('101', 1, 'noise', 'x', %s::jsonb)", (text,))
        expected = [r[0] for r in conn.execute("SELECT payload FROM changes ORDER BY xid, id")]
    wait_for_feed(central)
    conn = desk.engine.connect()  # the counter's own login
    if path == "statement":
        monkeypatch.setattr(hub, "_NO_PULL_FUNCTION",
                            {(conn.info.host, str(conn.info.port), conn.info.dbname)})
    got: list[Any] = []
    cursor = ("0", 0)
    for _ in range(len(ODD_PAYLOADS)):  # batches of 4: the parse's edges in several places
        batch = hub.pull_changes(conn, cursor, 4)
        got += [c.payload for c in batch.changes]
        cursor = batch.next_cursor(cursor)
        if batch.complete:
            break
    assert got == expected and len(got) == len(ODD_PAYLOADS)
    assert [type(v) for v in got] == [type(v) for v in expected]
