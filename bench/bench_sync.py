"""Sync benchmarks against the real PostgreSQL: push, pull, a local save with its outbox
entry, and memory while syncing a large backlog.

Each figure is printed beside a baseline measured in the same run (a raw psycopg COPY of the
same rows, or the same save without its outbox entry); nothing is asserted.

    python bench/bench_sync.py [--count 10000] [--memory-count 100000] [--quick]
    python bench/bench_sync.py --only feed [--feed-rows 200000]   # the feed figures alone
    python bench/bench_sync.py --only upload [--upload-files 10000] [--upload-kib 16]
    python bench/bench_sync.py --only push-pull [--repeat 3] | --only link [--link-runs 3]

The server comes from $TAWASUL_BENCH_PG_DSN or $TAWASUL_TEST_PG_DSN (a superuser connection,
default postgresql://postgres@127.0.0.1:5432/test); a scratch database is made and dropped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import os
import resource
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tawasul_desktop.central import admin  # noqa: E402
from tawasul_desktop.central import operations as hub  # noqa: E402
from tawasul_desktop.central.connection import CentralTarget  # noqa: E402
from tawasul_desktop.central.operations import REQUEST_COLUMNS  # noqa: E402
from tawasul_desktop.config import load_settings  # noqa: E402
from tawasul_desktop.domain.identity import make_identity  # noqa: E402
from tawasul_desktop.domain.intake_types import (  # noqa: E402
    AttachmentInput,
    PersonInput,
    RequestDraft,
    ValidRequest,
)
from tawasul_desktop.domain.validation import validate_request  # noqa: E402
from tawasul_desktop.storage import requests as ops  # noqa: E402
from tawasul_desktop.storage.audit import AuditLog  # noqa: E402
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png  # noqa: E402
from tawasul_desktop.storage.models import AuditEntry  # noqa: E402
from tawasul_desktop.storage.store import Store  # noqa: E402
from tawasul_desktop.storage.users import Actor  # noqa: E402
from tawasul_desktop.sync.engine import SyncEngine  # noqa: E402
from tawasul_desktop.sync.local import pending_ops  # noqa: E402

ACTOR = Actor("bench", "clerk")
DESCRIPTION = ("تعذر تجديد جواز السفر عبر المنصة بسبب رسالة خطأ متكررة عند السداد "
               "رغم اكتمال البيانات")
PG_DSN = (os.environ.get("TAWASUL_BENCH_PG_DSN") or os.environ.get("TAWASUL_TEST_PG_DSN")
          or "postgresql://postgres@127.0.0.1:5432/test")


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak, not current


def template(attachments: bool) -> ValidRequest:
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput("محمد عبدالله القحطاني", make_identity("1", "00000001"),
                              "0551234567", "m@example.com"),
        description=DESCRIPTION, fields={"passport_action": "renew"},
        attachments=[AttachmentInput("national_id_copy", "id.pdf", _SAMPLE_PDF),
                     AttachmentInput("personal_photo", "photo.png", _tiny_png())])
    valid, problems = validate_request(draft)
    assert valid is not None, problems
    return valid if attachments else dataclasses.replace(valid, attachments=())


def fill(store: Store, count: int, start: int = 0, batch: int = 1000) -> list[dict[str, Any]]:
    """``count`` requests without attachments through write_new_requests (the importer's
    path: rows, audit entries and outbox entries in one transaction per batch)."""
    base = template(attachments=False)
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    keep = count <= 20_000
    for first in range(start, start + count, batch):
        size = min(batch, start + count - first)
        with store.write() as session:
            numbers = ops.reserve_numbers(session, store.settings.centre_code,
                                          store.settings.counter, now.year % 100, size)
            calendar = store.calendar(session)
            new = []
            for i, number in enumerate(numbers):
                person = dataclasses.replace(base.applicant,
                                             id_number=make_identity("1", f"{first + i:08d}"))
                valid = dataclasses.replace(base, applicant=person, beneficiary=person,
                                            description=f"{DESCRIPTION} {first + i}")
                new.append(ops.build_request_rows(store, ACTOR, valid, number=number,
                                                  submitted_at=now, now=now, calendar=calendar))
            ops.write_new_requests(session, new, AuditLog(session), now)
        if keep:
            rows.extend(n.row for n in new)
    return rows


class Central:
    def __init__(self) -> None:
        token = secrets.token_hex(4)
        self.name, self.prefix = f"tawasul_bench_{token}", f"b{token}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        admin.init_central(CentralTarget(self.dsn()), self.prefix)
        with self.admin() as conn:
            self.role, _ = admin.add_counter(conn, "101", 1)
            self.roles = {1: self.role}
            for counter in (2, 3):
                self.roles[counter], _ = admin.add_counter(conn, "101", counter)

    def dsn(self, user: str | None = None) -> str:
        return make_conninfo(PG_DSN, dbname=self.name, **({"user": user} if user else {}))

    def admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.dsn(), autocommit=True)

    def drop(self) -> None:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s "
                                        "ORDER BY rolname LIKE '%%\\_counter' OR rolname LIKE "
                                        "'%%\\_supervisor'", (self.prefix + "\\_%",)).fetchall():
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def pull_seconds(report: Any) -> float:
    """A pass's pull: its idle statement (central c0012: a pass with nothing to send pulls
    its first batch there) and its pull phase, whichever it had."""
    return float(report.seconds.get("idle", 0.0) + report.seconds.get("pull", 0.0))


def open_desk(work: Path, central: Central, name: str, counter: int = 1,
              **engine_args: Any) -> tuple[Store, SyncEngine]:
    with central.admin() as conn:  # each scenario's store stands in for the counter's desk
        admin.release_desk(conn, "101", counter)
    settings = load_settings(work / "none.toml", db=work / f"{name}.sqlite3",
                             data_dir=work / f"{name}-data")
    settings = dataclasses.replace(settings, centre_code="101", counter=counter,
                                   central_dsn=central.dsn(central.roles[counter]))
    store = Store.open(settings)
    return store, SyncEngine(store, CentralTarget(settings.central_dsn or ""), **engine_args)


def bench_push_pull(work: Path, central: Central, count: int,
                    name: str = "push") -> dict[str, float]:
    """Push and pull ``count`` requests, each beside its baselines; the figures come back
    (for the medians of ``--repeat``)."""
    store, engine = open_desk(work, central, name)
    rows = fill(store, count)
    with store.read() as session:
        outgoing = pending_ops(session, 0, count)
    tuples = [tuple(Jsonb(r[c]) if c == "fields" else r[c] for c in REQUEST_COLUMNS)
              for r in rows]

    # The engine's own floor, before the push (rolled back, then vacuumed): the same rows
    # COPYed into central's own requests and ops tables, with their indexes, constraints and
    # triggers, as the owner (no row security).
    with central.admin() as conn:
        started = time.perf_counter()
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            with cur.copy(f"COPY requests ({', '.join(REQUEST_COLUMNS)}) FROM STDIN") as copy:
                for t in tuples:
                    copy.write_row(t)
            with cur.copy("COPY ops (op_id, centre, counter, kind, schema_version, request_id, "
                          "counter_time, clock_skew_seconds) FROM STDIN") as copy:
                for op in outgoing:
                    copy.write_row((op.op_id, "101", 1, op.kind, op.schema_version,
                                    op.request_id, op.counter_time, 0.0))
            cur.execute("SELECT 1")  # the COPYs done; only the rollback is left
            copy_tables = time.perf_counter() - started
        conn.execute("VACUUM requests, ops")

    report = engine.run_once()
    assert report.ok and report.pushed == count, report.error
    push = report.seconds["push"]

    # Baseline: the same request rows, COPYed raw into a bare table of the same shape.
    with central.admin() as conn:
        conn.execute("CREATE TABLE bench_raw (LIKE requests INCLUDING DEFAULTS)")
        started = time.perf_counter()
        with conn.transaction(), conn.cursor().copy(
                f"COPY bench_raw ({', '.join(REQUEST_COLUMNS)}) FROM STDIN") as copy:
            for t in tuples:
                copy.write_row(t)
        copy_in = time.perf_counter() - started
        # The same COPY into a table with the real one's indexes (no triggers, no row
        # security): how much of the ratio the indexes alone take.
        conn.execute("CREATE TABLE bench_raw_indexed (LIKE requests INCLUDING DEFAULTS "
                     "INCLUDING INDEXES)")
        started = time.perf_counter()
        with conn.transaction(), conn.cursor().copy(
                f"COPY bench_raw_indexed ({', '.join(REQUEST_COLUMNS)}) FROM STDIN") as copy:
            for t in tuples:
                copy.write_row(t)
        copy_indexed = time.perf_counter() - started
    print(f"push {count:,} requests: {push:.2f} s ({count / push:,.0f}/s); raw COPY of the same "
          f"rows {copy_in:.2f} s; ratio {push / copy_in:.1f}x (aim: at most 4x); into a table "
          f"with the same indexes {copy_indexed:.2f} s ({copy_indexed / copy_in:.1f}x)")
    print(f"  floor: the same rows COPYed into central's requests and ops (indexes, triggers) "
          f"{copy_tables:.2f} s ({copy_tables / copy_in:.1f}x the raw COPY); push against it "
          f"{push / copy_tables:.1f}x")
    print(f"  same pass: audit entries {report.audit_sent:,} in {report.seconds['audit']:.2f} s, "
          f"connect {report.seconds['connect'] * 1000:.0f} ms")

    # Pull: a status change for every request (set-based, one trigger row each), then pull.
    with central.admin() as conn:
        conn.execute("UPDATE requests SET status = 'under_review', updated_at = now()")
        wait_for_horizon(conn)  # a session open elsewhere would leave the pull nothing to read
    before = work / f"{name}-pull-floor.sqlite3"  # the desk as the pull finds it, for the floor
    with contextlib.closing(sqlite3.connect(store.settings.db_path)) as src, \
            contextlib.closing(sqlite3.connect(before)) as dst:
        src.backup(dst)
    with store.read() as session:
        audit_before = session.execute(select(func.max(AuditEntry.seq))).scalar_one()
    cpu = time.process_time()
    report = engine.run_once()
    cpu = time.process_time() - cpu  # the desk's own work; on a shared machine wall time waits
    assert report.ok and report.pulled == count, (report.error, report.pulled)
    # The pass began idle (nothing to send): its idle statement pulled the first batch, the
    # pull phase the rest. The pull phase alone, the figure printed before, left that out.
    pull, pull_phase = pull_seconds(report), report.seconds.get("pull", 0.0)
    with central.admin() as conn:
        started = time.perf_counter()
        got = 0
        # This desk's rows only (counter 1): a full run's upload, before, left counter 2's.
        with conn.cursor().copy("COPY (SELECT id, xid::text, kind, entity_id, payload FROM changes "
                                "WHERE counter = 1 ORDER BY xid, id) TO STDOUT") as copy:
            for _row in copy.rows():
                got += 1
        copy_out = time.perf_counter() - started
    assert got == count
    write_floor = sqlite_floor(store.settings.db_path, before, audit_before, engine.pull_batch)
    # What the aim would need of the desk: the same writes with none of its indexes that hold
    # the status (the desk's queue sorts and counts by it), and with neither those nor the
    # audit rows.
    unindexed = sqlite_floor(store.settings.db_path, before, audit_before, engine.pull_batch,
                             drop_status_indexes=True)
    rows_only = sqlite_floor(store.settings.db_path, before, audit_before, engine.pull_batch,
                             drop_status_indexes=True, audit=False)
    print(f"pull {count:,} status changes (idle statement and pull phase): {pull:.2f} s "
          f"({count / pull:,.0f}/s, the desk's CPU {cpu:.2f} s) [{report.requests_changed:,} "
          f"local rows changed]; raw COPY out of the same rows {copy_out:.2f} s; ratio "
          f"{pull / copy_out:.1f}x (aim: at most 5x)")
    print(f"  old measure, the pull phase alone (without the first "
          f"{min(engine.pull_batch, count):,} changes, pulled by the idle statement): "
          f"{pull_phase:.2f} s, ratio {pull_phase / copy_out:.1f}x")
    floor = copy_out + write_floor
    print(f"  floor: that COPY out plus the same row updates and audit rows written raw into "
          f"the desk's SQLite ({write_floor:.2f} s, executemany, one transaction per batch, "
          f"synchronous=FULL) {floor:.2f} s ({floor / copy_out:.1f}x the COPY out); pull "
          f"against it {pull / floor:.1f}x")
    print(f"  the floor without the desk's indexes on status {copy_out + unindexed:.2f} s "
          f"({(copy_out + unindexed) / copy_out:.1f}x the COPY out); without those and without "
          f"the audit rows {copy_out + rows_only:.2f} s ({(copy_out + rows_only) / copy_out:.1f}x)")
    engine.close()
    store.close()
    return {"push": push / copy_in, "push floor": copy_tables / copy_in,
            "push against floor": push / copy_tables, "pull": pull / copy_out,
            "pull floor": floor / copy_out,
            "pull floor, no status indexes": (copy_out + unindexed) / copy_out,
            "pull against floor": pull / floor, "pull phase alone": pull_phase / copy_out,
            "pull cpu": cpu}


def sqlite_floor(pulled: Path, before: Path, audit_after: int, batch: int, *,
                 drop_status_indexes: bool = False, audit: bool = True) -> float:
    """Seconds to write what a pull wrote (the requests' new state, the audit rows unless not
    ``audit``) into the desk as it was before, with bare sqlite3 executemany: no reading,
    comparing or hashing. ``drop_status_indexes``: into a copy without the indexes of
    requests that hold its status."""
    if drop_status_indexes or not audit:
        copy = before.with_name(f"{before.stem}-{int(drop_status_indexes)}{int(audit)}.sqlite3")
        with contextlib.closing(sqlite3.connect(before)) as src, \
                contextlib.closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
            names = [n for (n,) in dst.execute("SELECT name FROM sqlite_master WHERE type = "
                                               "'index' AND tbl_name = 'requests' AND sql "
                                               "IS NOT NULL")
                     if drop_status_indexes and any(
                         c == "status" for _, _, c in dst.execute(f'PRAGMA index_info("{n}")'))]
            for name in names:
                dst.execute(f'DROP INDEX "{name}"')
            dst.commit()
        before = copy
    columns = ("status", "updated_at")  # what this benchmark's pull changes
    columns_a = ("at", "actor", "action", "entity", "entity_id", "old", "new", "prev_hash",
                 "hash", "mac")
    with contextlib.closing(sqlite3.connect(pulled)) as src:
        states = src.execute(f"SELECT {', '.join(columns)}, id FROM requests").fetchall()
        entries = src.execute(f"SELECT {', '.join(columns_a)} FROM audit_log WHERE seq > ? "
                              "ORDER BY seq", (audit_after,)).fetchall()
    with contextlib.closing(sqlite3.connect(before, isolation_level=None)) as dst:
        dst.execute("PRAGMA journal_mode=WAL")
        dst.execute("PRAGMA synchronous=FULL")
        started = time.perf_counter()
        for first in range(0, len(states), batch):
            dst.execute("BEGIN IMMEDIATE")
            dst.executemany(f"UPDATE requests SET {', '.join(c + ' = ?' for c in columns)} "
                            "WHERE id = ?", states[first:first + batch])
            if audit:
                dst.executemany(f"INSERT INTO audit_log ({', '.join(columns_a)}) VALUES "
                                f"({', '.join('?' * len(columns_a))})",
                                entries[first:first + batch])
            dst.execute("COMMIT")
        return time.perf_counter() - started


def bench_local_save(work: Path, central: Central, runs: int) -> None:
    import tawasul_desktop.storage.requests as requests_module

    valid = template(attachments=True)

    def timed(store: Store) -> list[float]:
        out = []
        for i in range(runs):
            person = dataclasses.replace(valid.applicant,
                                         id_number=make_identity("2", f"{i:08d}"))
            one = dataclasses.replace(valid, applicant=person, beneficiary=person)
            started = time.perf_counter()
            ops.submit_request(store, ACTOR, one)
            out.append(time.perf_counter() - started)
        return out

    store, engine = open_desk(work, central, "save")
    with_outbox = timed(store)
    store.close()
    original = requests_module.enqueue_new_requests
    requests_module.enqueue_new_requests = lambda *a, **k: None  # baseline: no outbox entry
    try:
        store, _ = open_desk(work, central, "save-bare")
        without = timed(store)
        store.close()
    finally:
        requests_module.enqueue_new_requests = original

    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    print(f"local save of a request with its outbox entry ({runs} saves, synchronous=FULL): "
          f"p50 {p(with_outbox, 50):.1f} ms, p99 {p(with_outbox, 99):.1f} ms; without the outbox "
          f"entry p50 {p(without, 50):.1f} ms, p99 {p(without, 99):.1f} ms (aim: p99 under 10 ms)")


def bench_memory(work: Path, central: Central, count: int) -> None:
    with central.admin() as conn:
        conn.execute("TRUNCATE requests, request_attachments, ops, changes, audit_entries "
                     "RESTART IDENTITY CASCADE")
    store, engine = open_desk(work, central, "memory")
    started = time.perf_counter()
    fill(store, count, start=10_000_000)
    print(f"memory: {count:,} requests written locally in {time.perf_counter() - started:.0f} s; "
          f"RSS {rss_mb():.0f} MB")
    marks: list[str] = []
    step = max(count // 5, 1)
    next_mark = step

    def progress(p: Any) -> None:
        nonlocal next_mark
        if p.phase in ("push", "pull") and p.done >= next_mark:
            marks.append(f"{p.phase} {p.done:,}: {rss_mb():.0f} MB")
            next_mark += step

    report = engine.run_once(progress)
    assert report.ok and report.pushed == count, report.error
    pushed_in = report.seconds["push"] + report.seconds["audit"]
    print("  RSS while pushing: " + "; ".join(marks))
    with central.admin() as conn:
        conn.execute("UPDATE requests SET status = 'under_review', updated_at = now()")
    marks.clear()
    next_mark = step
    report = engine.run_once(progress)
    assert report.ok and report.pulled == count, report.error
    print("  RSS while pulling: " + "; ".join(marks))
    print(f"  push with audit {count:,} in {pushed_in:.1f} s, pull {pull_seconds(report):.1f} s;"
          f" RSS at the end {rss_mb():.0f} MB")
    engine.close()
    store.close()


# --- the feed: an idle desk's pull, a catch-up, a link that keeps dropping ---------------------

# The pull as it was before issue 11 (text-ordered, one scan of the whole feed under row
# security): the figure the fix is compared with, in the same run.
OLD_FEED = """SELECT id, xid::text AS xid, kind, entity_id, payload FROM changes
              WHERE (xid, id) > (%(xid)s::xid8, %(id)s)
                AND xid < pg_snapshot_xmin(pg_current_snapshot())
              ORDER BY xid, id LIMIT %(limit)s"""
# Raw SQL baseline: the same desk's rows read straight from the index by the owner (no row
# security, no union): the least any pull can cost.
RAW_FEED = """SELECT id, xid::text, kind, entity_id, payload FROM changes
              WHERE centre = '101' AND counter = 1 AND (xid, id) > (%(xid)s::xid8, %(id)s)
              ORDER BY xid, id LIMIT %(limit)s"""


def wait_for_horizon(conn: psycopg.Connection[Any], longest: float = 120.0) -> None:
    """Until every feed row lies below the horizon (an open transaction anywhere on the
    server holds it back: the figures would then read nothing and flatter the query)."""
    stop = time.monotonic() + longest
    while conn.execute("SELECT coalesce(max(xid) >= pg_snapshot_xmin(pg_current_snapshot()), "
                       "false) FROM changes").fetchone()[0]:
        if time.monotonic() > stop:
            print("  (an open transaction on the server holds the feed's horizon back)")
            return
        time.sleep(0.05)


def server_ms(conn: psycopg.Connection[Any], query: str, params: dict[str, Any],
              runs: int = 15) -> tuple[float, int]:
    """Median server execution time (EXPLAIN ANALYZE) and the buffers it touched."""
    times, buffers = [], 0
    if "%(since)s" in query and "since" not in params:  # the feed's months (c0009) it may skip
        since = conn.execute("SELECT tawasul_feed_since(%s::xid8)", (params["xid"],)).fetchone()
        params = {**params, "since": since[0] if since else None}
    for _ in range(runs):
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query,
                            params).fetchone()[0][0]
        times.append(float(plan["Execution Time"]))
        top = plan["Plan"]
        buffers = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
    return statistics.median(times), buffers


def bench_idle_pull(work: Path, central: Central, feed_rows: int) -> None:
    with central.admin() as conn:
        conn.execute("TRUNCATE changes RESTART IDENTITY")
    store, engine = open_desk(work, central, "idle")
    assert engine.run_once().ok
    with store.read() as session:
        from tawasul_desktop.sync.local import sync_state

        state = sync_state(session)
        old_cursor = {"xid": state.pull_xid, "id": state.pull_id, "limit": engine.pull_batch}
    with central.admin() as conn:  # other counters' and centres' traffic since
        for centre, counter, share in (("101", 2, 0.5), ("202", None, 0.1), ("303", 4, 0.4)):
            conn.execute("""INSERT INTO changes (centre, counter, kind, entity_id, payload)
                            SELECT %s, %s, 'noise', g::text, '{"status": "x"}'::jsonb
                            FROM generate_series(1, %s) g""",
                         (centre, counter, int(feed_rows * share)))
        conn.execute("VACUUM ANALYZE changes")
        wait_for_horizon(conn)
    report = engine.run_once()  # idle: nothing of its own; the cursor moves to the horizon
    assert report.ok and report.pulled == 0, report.error
    with store.read() as session:
        state = sync_state(session)
        head = {"xid": state.pull_xid, "id": state.pull_id, "limit": engine.pull_batch}
    # An idle pass is its one statement: timed under "idle" (no pull phase).
    idle_pass = min(pull_seconds(engine.run_once()) for _ in range(5))
    with psycopg.connect(central.dsn(central.role), autocommit=True) as counter_conn, \
            central.admin() as owner:
        idle, idle_buf = server_ms(counter_conn, hub._FEED, head)
        first, first_buf = server_ms(counter_conn, hub._FEED, old_cursor)
        raw, raw_buf = server_ms(owner, RAW_FEED, old_cursor)
        # Before the fix: the old query over the old index only, as the counter's role (the
        # indexes swapped inside a transaction that is rolled back).
        with owner.transaction(force_rollback=True):
            owner.execute("DROP INDEX changes_desk_feed")
            owner.execute("CREATE INDEX changes_feed ON changes (xid, id)")
            owner.execute("ANALYZE changes")
            owner.execute(f'SET LOCAL ROLE "{central.role}"')
            old, old_buf = server_ms(owner, OLD_FEED, old_cursor, runs=5)
    print(f"idle pull at {feed_rows:,} feed rows of other desks (server time, counter role): "
          f"{idle:.3f} ms [{idle_buf} buffers] with the cursor at the horizon; {first:.3f} ms "
          f"[{first_buf}] from a cursor before all of them; raw SQL on the index {raw:.3f} ms "
          f"[{raw_buf}]; ratio {first / raw:.1f}x (aim: under 2 ms)")
    print(f"  before the fix (text order over the (xid, id) index, from the same old cursor) "
          f"{old:.1f} ms "
          f"[{old_buf} buffers]; an idle engine pass's statement {idle_pass * 1000:.1f} ms")
    engine.close()
    store.close()


def bench_catch_up(work: Path, central: Central, sizes: tuple[int, int]) -> None:
    """A desk catching up on N changes, N and 2N: linear means a ratio near 2."""
    with central.admin() as conn:
        conn.execute("TRUNCATE requests, request_attachments, ops, changes, audit_entries "
                     "RESTART IDENTITY CASCADE")
    figures = []
    for counter, count in zip((2, 3), sizes, strict=True):
        store, engine = open_desk(work, central, f"catch-{count}", counter)
        fill(store, count, start=counter * 1_000_000)
        assert engine.run_once().ok
        with central.admin() as conn:
            conn.execute("UPDATE requests SET status = 'under_review', updated_at = now() "
                         "WHERE counter = %s", (counter,))
            conn.execute("ANALYZE changes")
            wait_for_horizon(conn)
        report = engine.run_once()
        assert report.ok and report.pulled == count, (report.error, report.pulled)
        with central.admin() as conn:
            started = time.perf_counter()
            with conn.cursor().copy(
                    "COPY (SELECT id, xid::text, kind, entity_id, payload FROM changes "
                    f"WHERE counter = {counter} ORDER BY xid, id) TO STDOUT") as copy:
                got = sum(1 for _ in copy.rows())
            raw = time.perf_counter() - started
        assert got == count
        figures.append((count, pull_seconds(report), raw))
        engine.close()
        store.close()
    (n1, t1, r1), (n2, t2, r2) = figures
    print(f"catch-up pull: {n1:,} changes {t1:.2f} s, {n2:,} changes {t2:.2f} s; ratio "
          f"{t2 / t1:.2f}x (aim: at most 2.2x); raw COPY out of the same rows {r1:.2f} s and "
          f"{r2:.2f} s (ratio {r2 / r1:.2f}x)")


def bench_dropping_link(work: Path, central: Central, count: int = 300,
                        every: float = 0.04, limit: int = 1000, run: int = 0) -> None:
    """Passes until the outbox drains while the server drops the desk's connection every
    ``every`` seconds; the baseline is the same outbox on a link that holds."""
    import threading

    results = []
    for drop in (False, True):
        with central.admin() as conn:
            conn.execute("TRUNCATE requests, request_attachments, ops, changes, audit_entries "
                         "RESTART IDENTITY CASCADE")
        store, engine = open_desk(work, central, f"drop-{drop}-{every}-{run}", batch_size=40,
                                  pull_batch=25)
        fill(store, count, start=5_000_000 + drop * 1000 + int(every * 100_000) + run * 100_000)
        stop = threading.Event()

        def killer(stop: threading.Event = stop) -> None:
            with central.admin() as conn:
                while not stop.wait(every):
                    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE usename = %s", (central.role,))

        thread = threading.Thread(target=killer)
        if drop:
            thread.start()
        passes, started = 0, time.perf_counter()
        try:
            while engine.status().pending and passes < limit:
                passes += 1
                engine.run_once()
        finally:
            stop.set()
            if drop:
                thread.join()
        left = engine.status().pending
        results.append((passes, time.perf_counter() - started, left))
        engine.close()
        store.close()
    (p0, s0, _), (p1, s1, left) = results
    drained = "drained" if not left else f"NOT drained ({left:,} left after {limit} passes)"
    print(f"outbox of {count} requests over a link dropped every {every * 1000:.0f} ms: "
          f"{p1} passes, {s1:.1f} s, {drained}; on a link that holds {p0} pass(es), {s0:.1f} s")


def bench_upload(work: Path, central: Central, files: int, kib: int) -> None:
    """A backlog of ``files`` distinct files (two per request) uploaded in one pass, beside a
    raw COPY of the same bytes into a bare table in the same run."""
    from tawasul_desktop.domain.intake_types import Attachment

    store, engine = open_desk(work, central, f"upload-{files}", counter=2)
    base = template(attachments=False)
    now = dt.datetime.now(dt.UTC)
    blobs: list[tuple[str, int, bytes]] = []
    requests = (files + 1) // 2
    for first in range(0, requests, 500):
        size = min(500, requests - first)
        with store.write() as session:
            numbers = ops.reserve_numbers(session, "101", 2, now.year % 100, size)
            calendar = store.calendar(session)
            new = []
            for i, number in enumerate(numbers):
                person = dataclasses.replace(base.applicant,
                                             id_number=make_identity("1", f"{first + i:08d}"))
                contents = [os.urandom(kib * 1024) for _ in range(2)]
                blobs += [(hashlib.sha256(c).hexdigest(), len(c), c) for c in contents]
                valid = dataclasses.replace(base, applicant=person, beneficiary=person,
                                            attachments=tuple(
                    Attachment(doc, f"{doc}.pdf", "application/pdf", c)
                    for doc, c in zip(("national_id_copy", "personal_photo"), contents,
                                      strict=True)))
                new.append(ops.build_request_rows(store, ACTOR, valid, number=number,
                                                  submitted_at=now, now=now, calendar=calendar))
            ops.write_new_requests(session, new, AuditLog(session), now)
    report = engine.run_once()
    assert report.ok and report.files_uploaded == len(blobs), (report.error,
                                                                report.files_uploaded)
    upload = report.seconds["attachments"]
    with central.admin() as conn:
        conn.execute("CREATE TABLE bench_raw_blobs (sha256 char(64), size bigint, content bytea)")
        started = time.perf_counter()
        with conn.transaction(), conn.cursor().copy(
                "COPY bench_raw_blobs (sha256, size, content) FROM STDIN") as copy:
            for row in blobs:
                copy.write_row(row)
        raw = time.perf_counter() - started
        conn.execute("DROP TABLE bench_raw_blobs")
    megabytes = sum(b[1] for b in blobs) / (1 << 20)
    print(f"upload {len(blobs):,} files of {kib} KiB ({megabytes:,.0f} MiB) in one pass: "
          f"{upload:.2f} s ({len(blobs) / upload:,.0f} files/s, {megabytes / upload:,.1f} MiB/s); "
          f"raw COPY of the same bytes {raw:.2f} s ({len(blobs) / raw:,.0f} files/s); "
          f"ratio {upload / raw:.1f}x (aim: at least 200 files/s)")
    engine.close()
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--memory-count", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="smaller memory run (20,000)")
    parser.add_argument("--feed-rows", type=int, default=200_000,
                        help="other desks' feed rows for the idle pull")
    parser.add_argument("--only", choices=("all", "feed", "upload", "push-pull", "link"),
                        default="all",
                        help="feed: only the idle pull, catch-up and dropping-link figures; "
                             "upload: only the file backlog; push-pull: only the push and pull "
                             "of --count; link: only the dropping link (--link-runs times)")
    parser.add_argument("--upload-files", type=int, default=10_000,
                        help="files in the upload backlog")
    parser.add_argument("--upload-kib", type=int, default=16, help="size of each file")
    parser.add_argument("--link-runs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1,
                        help="push-pull: runs (each on a fresh central) and their medians")
    args = parser.parse_args()
    central = Central()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            print(f"PostgreSQL {central.admin().info.server_version}, Python "
                  f"{sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
            if args.only in ("all", "upload"):
                bench_upload(work, central, args.upload_files, args.upload_kib)
                if args.only == "upload":
                    return
            if args.only in ("all", "push-pull"):
                runs = [bench_push_pull(work, central, args.count)]
                for run in range(1, args.repeat):  # each on a fresh central database
                    again = Central()
                    try:
                        runs.append(bench_push_pull(work, again, args.count, f"push{run}"))
                    finally:
                        again.drop()
                if len(runs) > 1:
                    medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                    print(f"medians of {len(runs)} runs: push {medians['push']:.1f}x the raw "
                          f"COPY (floor {medians['push floor']:.1f}x, push against it "
                          f"{medians['push against floor']:.1f}x); pull "
                          f"{medians['pull']:.1f}x (its floor {medians['pull floor']:.1f}x, "
                          f"{medians['pull floor, no status indexes']:.1f}x without the desk's "
                          f"indexes on status; pull against the floor "
                          f"{medians['pull against floor']:.1f}x; the desk's CPU "
                          f"{medians['pull cpu']:.2f} s; old measure, the pull phase alone "
                          f"{medians['pull phase alone']:.1f}x)")
            if args.only == "all":
                bench_local_save(work, central, args.saves)
                bench_memory(work, central, 20_000 if args.quick else args.memory_count)
            if args.only in ("all", "feed"):
                bench_idle_pull(work, central, args.feed_rows)
                bench_catch_up(work, central, (args.count, 2 * args.count))
            if args.only in ("all", "feed", "link"):
                for run in range(args.link_runs):
                    for every in (0.04, 0.15):  # the 40 ms, and a link a push can fit in
                        bench_dropping_link(work, central, every=every, run=run)
    finally:
        central.drop()


if __name__ == "__main__":
    main()
