"""Sync test helpers: the central test database, desks (real SQLite stores logged in as
their own counter roles) and quick ways to make requests. Fixtures live in conftest.py.

The server is named by $TAWASUL_TEST_PG_DSN (a superuser connection to an existing database);
each module creates ``tawasul_t_<random>`` with roles prefixed ``t<random>``, and drops both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tawasul_desktop.central import admin
from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.connection import CentralTarget, target_from_settings
from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.intake_types import ValidRequest
from tawasul_desktop.domain.policy import default_policy
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor
from tawasul_desktop.sync.engine import SyncEngine

PG_DSN = os.environ.get("TAWASUL_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[2]
RIYADH = ZoneInfo("Asia/Riyadh")
POLICY = default_policy()
CLERK = Actor("desk.clerk", "clerk", "Desk Clerk")
SUPERVISOR = Actor("desk.supervisor", "supervisor", "Desk Supervisor")
DATA_TABLES = ("requests", "request_attachments", "blobs", "blob_contents", "blob_chunks", "ops",
               "follow_ups", "audit_entries", "conflicts", "changes", "closures", "users",
               "catalogue", "prune_log")




@dataclass
class CentralDb:
    name: str
    prefix: str

    def dsn(self, user: str | None = None) -> str:
        extra: dict[str, Any] = {"dbname": self.name}
        if user:
            extra["user"] = user
        return make_conninfo(PG_DSN, **extra)

    def admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.dsn(), autocommit=True)

    def target(self, user: str | None = None) -> CentralTarget:
        return CentralTarget(self.dsn(user))

    def scalar(self, query: str, *params: Any) -> Any:
        with self.admin() as conn:
            row = conn.execute(query, params).fetchone()
            return row[0] if row else None


def server_or_skip() -> None:
    try:
        psycopg.connect(PG_DSN, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at $TAWASUL_TEST_PG_DSN: {exc}")


def create_central_db(revision: str = "head") -> CentralDb:
    """A new central database with its schema up to ``revision`` (an older one to upgrade)."""
    token = secrets.token_hex(4)
    db = CentralDb(f"tawasul_t_{token}", f"t{token}")
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db.name}"')
    try:
        reached = admin.init_central(db.target(), role_prefix=db.prefix, revision=revision)
        assert revision == "head" or reached == revision
    except BaseException:
        drop_central_db(db)
        raise
    return db


def drop_central_db(db: CentralDb) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
        roles = [r[0] for r in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (db.prefix + "\\_%",))]
        for role in sorted(roles, key=lambda r: r.endswith(("_counter", "_supervisor"))):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@dataclass
class Desk:
    """One counter: its SQLite store, its sync engine, its central role."""

    store: Store
    engine: SyncEngine
    role: str

    def sync(self, *, wait: bool = True) -> Any:
        """One pass, once every feed row this desk may see lies below the feed's horizon: a
        transaction open anywhere on the server (another worker's test, another run) holds
        the feed back, and the tests assert what one pass receives. ``wait=False``: the pass
        at once, for a test about a feed held back (or pulled while writers commit)."""
        if wait:
            wait_for_desk_feed(self)
        report = self.engine.run_once()
        assert report.ok, report.error
        return report

    def close(self) -> None:
        self.engine.close()
        self.store.close()


def open_desk(root: Path, db: CentralDb, centre: str = "101", counter: int = 1,
              may_decide: bool = False, **engine_args: Any) -> Desk:
    with db.admin() as conn:
        role, _ = admin.add_counter(conn, centre, counter, may_decide=may_decide)
    settings = load_settings(config_file=root / "none.toml",
                             db=root / f"desk-{centre}-{counter}.sqlite3",
                             data_dir=root / f"data-{centre}-{counter}")
    settings = dataclasses.replace(settings, centre_code=centre, counter=counter,
                                   central_dsn=db.dsn(role))
    store = Store.open(settings)
    return Desk(store, SyncEngine(store, target_from_settings(settings), **engine_args), role)


def supervisor_role(central: CentralDb, name: str, centre: str = "101") -> str:
    """A supervisor's login role at central, and the user it signs in as."""
    with central.admin() as conn:
        role, _ = admin.add_supervisor(conn, centre, name)
        hub.put_user(conn, name, "supervisor", "x", centre=centre)
    return role


def supervisor_store(central: CentralDb, local: Store, name: str = "amal") -> Store:
    """The queue's store over central as supervisor ``name`` of centre 101, at ``local``'s desk."""
    from tawasul_desktop.central.queue import open_central_store

    return open_central_store(local.settings, local=local,
                              target=central.target(supervisor_role(central, name)))


def submit_many(store: Store, actor: Actor, valid: list[ValidRequest],
                now: dt.datetime | None = None) -> list[str]:
    """Store many requests in one unit of work through write_new_requests (as the batch
    importer does); return their numbers."""
    now = now or dt.datetime.now(dt.UTC)
    year = now.astimezone(RIYADH).year % 100
    with store.write() as session:
        numbers = ops.reserve_numbers(session, store.settings.centre_code, store.settings.counter,
                                      year, len(valid))
        calendar = store.calendar(session)
        rows = [ops.build_request_rows(store, actor, v, number=n, submitted_at=now, now=now,
                                       calendar=calendar)
                for v, n in zip(valid, numbers, strict=True)]
        ops.write_new_requests(session, rows, AuditLog(session), now)
    return numbers


def python_env() -> dict[str, str]:
    """Environment for child processes: this checkout importable, no desk configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


PYTHON = sys.executable


def wait_for_feed(db: CentralDb, hang_after: float = 600.0) -> None:
    """Wait until every feed row written so far lies below the feed's horizon: until each
    transaction older than it, anywhere on the server (another test run's, say), has
    finished, so that one pass receives them all. ``hang_after`` only stops a hang."""
    import time

    stop = time.monotonic() + hang_after
    with db.admin() as conn:
        while conn.execute(
                "SELECT coalesce(max(xid) >= pg_snapshot_xmin(pg_current_snapshot()), false) "
                "FROM changes").fetchone()[0]:
            assert time.monotonic() < stop, "a transaction on the server stays open"
            time.sleep(0.02)


def wait_for_desk_feed(desk: Desk, hang_after: float = 600.0) -> None:
    """``wait_for_feed`` for one desk, through its own role: until every row of its feed (all
    row security lets it see) lies below the horizon, so its next pass receives them all."""
    import time

    stop = time.monotonic() + hang_after
    with desk.engine.target.connect(autocommit=True) as conn:
        while conn.execute(
                "SELECT coalesce(max(xid) >= pg_snapshot_xmin(pg_current_snapshot()), false) "
                "FROM changes").fetchone()[0]:
            assert time.monotonic() < stop, "a transaction on the server stays open"
            time.sleep(0.02)


@contextlib.contextmanager
def libpq_trace(conn: psycopg.Connection[Any], path: Path) -> Iterator[Path]:
    """libpq's own trace of the messages ``conn`` sends ("F") and receives ("B"), into
    ``path``: what crossed the wire, whatever psycopg did on top."""
    from psycopg import pq

    with path.open("w") as out:
        conn.pgconn.trace(out.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield path
        finally:
            conn.pgconn.untrace()


def round_trips(trace: str) -> int:
    """Times the client waited on the server in a libpq trace: runs of messages sent that an
    answer follows (a connection's last Terminate is answered by nothing)."""
    waits, last = 0, ""
    for line in trace.splitlines():
        if line.startswith(("F\t", "B\t")):  # not the rest of a long statement's text
            if line[0] == "B" and last == "F":
                waits += 1
            last = line[0]
    return waits


PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_pgbouncer(db: CentralDb, users: list[str], settings: dict[str, str],
                      extra: str = "") -> Iterator[tuple[int, Path]]:
    """Debian's pgbouncer on a port of its own in front of ``db`` (trust, as the test server
    itself; ``users`` may connect at all), with ``settings`` over the defaults and ``extra``
    appended to its ini; yields (port, folder). Fails under CI when pgbouncer is missing
    (``.ci/run`` installs it), is skipped elsewhere."""
    if not os.path.exists(PGBOUNCER):
        if os.environ.get("CI"):
            pytest.fail("pgbouncer is not installed (.ci/run installs Debian's pgbouncer)")
        pytest.skip("pgbouncer is not installed")
    server = conninfo_to_dict(db.dsn())
    folder = Path(tempfile.mkdtemp(prefix="tawasul-test-pgbouncer-"))
    as_root = os.geteuid() == 0  # PgBouncer refuses root: it runs as the postgres account
    if as_root:
        shutil.chown(folder, "postgres")
    port = free_port()
    (folder / "users.txt").write_text("".join(f'"{u}" ""\n' for u in users))
    base = {"listen_addr": "127.0.0.1", "listen_port": str(port), "unix_socket_dir": "",
            "auth_type": "trust", "auth_file": str(folder / "users.txt"),
            "admin_users": "postgres", "ignore_startup_parameters": "extra_float_digits",
            "logfile": str(folder / "pgbouncer.log"), "pidfile": str(folder / "pgbouncer.pid")}
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\n{db.name} = host={server.get('host', '127.0.0.1')} "
        f"port={server.get('port', 5432)} dbname={db.name}\n\n[pgbouncer]\n"
        + "".join(f"{k} = {v}\n" for k, v in {**base, **settings}.items()) + extra)
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if as_root:
        command[1:1] = ["-u", "postgres"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):  # until it listens (a hang guard, not a measure)
            if proc.poll() is not None:
                log = folder / "pgbouncer.log"
                pytest.fail(f"pgbouncer stopped: {proc.stdout.read() if proc.stdout else ''} "
                            f"{log.read_text() if log.exists() else ''}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, folder
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
