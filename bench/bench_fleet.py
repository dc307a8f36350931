"""Fleet simulator: N desks syncing against a central of national volume, on this machine.

Bounded (a time limit per phase, a pass count that follows from the rate, at most
``MAX_DESKS`` desks) and on loopback only. It starts a PostgreSQL 15 cluster of its own
(initdb + pg_ctl in a temporary folder, a free port, ``pg_stat_statements`` loaded), so the
shared server's feed horizon is never held back; prepares central there with the project's
own migrations and COPYs the volume in (requests and feed rows of 100 centres x 20 counters);
then simulates N desks, each its own counter role and its own real SQLite store, spread over
a few worker processes. Passes run at a fixed rate (pass i starts at i / rate seconds, desk
i mod N), open loop, through the real ``SyncEngine``:

* idle: every pass finds nothing to send or receive (what almost every pass is);
* mixed: a share of passes first saves a request with two files at the desk (a push with
  files), and the owner changes the status of the fleet's preloaded requests at a chosen
  rate (a pull for their counters' desks);
* raw: the baseline, the same idle pull's query as raw SQL (each desk's three feed ranges,
  read straight from the index by a role without row security) at the same rate over a few
  held connections.

For each it prints p50/p99 latency per kind of pass, server CPU per pass (every server
process's CPU ticks from /proc, and the statements' time from ``pg_stat_statements``), the
server connections in use (peak, sampled from ``pg_stat_activity``), and rows read per pass,
beside the raw baseline measured in the same run; and the simulator's own memory (RSS).

    python bench/bench_fleet.py [--desks 2000] [--rate 33] [--seconds 60]
        [--requests 1000000] [--feed-rows 1000000] [--workers 2] [--push-share 0.08]
        [--decide-rate 2] [--file-kb 500] [--pgbouncer | --shared-login [--idle-pool N]]
        [--keep DIR] [--json FILE]

``--keep DIR`` keeps the prepared cluster in DIR and reuses it next time (loading a million
rows of each takes minutes). ``--pgbouncer`` puts Debian's pgbouncer (transaction pooling)
between the desks and the cluster; ``--shared-login`` has the desks log in through it as the
desks' shared role (session pooling), each acting as its counter; with ``--idle-pool N``
they also hold a connection to a transaction-pooling alias of N server connections, for idle
passes of one statement (``[central] idle_dsn``, central c0012). Run as root, the cluster
and pgbouncer run as the ``postgres`` account (initdb refuses root). Nothing is asserted;
``--json`` writes the report.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import multiprocessing as mp
import os
import pwd
import random
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_BIN = Path(os.environ.get("TAWASUL_PG_BIN", "/usr/lib/postgresql/15/bin"))
MAX_DESKS = 5000
MAX_SECONDS = 600.0
CENTRES, COUNTERS = 100, 20  # the national layout the volume is spread over
FIRST_CENTRE = 100
DB = "tawasul_fleet"
IDLE_DB = "tawasul_fleet_idle"  # PgBouncer's transaction-mode alias of DB (--idle-pool)
PREFIX = "fleet"
RAW_ROLE = "fleet_raw"
LAYOUT = 2  # how the volume is made: a kept cluster of another layout is made again
PRELOAD_YEAR = 20  # numbers of the preloaded requests: never those a desk hands out now
TARGETS = {"idle_p99_ms": 50.0, "idle_cpu_ms": 1.0, "peak_connections": 50}

# The baseline: one idle desk's feed read raw from the index (the three ranges its row
# security admits), by a role without row security: the least an idle pull can cost.
RAW_FEED = """
SELECT id, xid::text, kind, entity_id, payload FROM (
  (SELECT * FROM changes WHERE centre IS NULL AND counter IS NULL
     AND (xid, id) > (%(xid)s::xid8, 0) ORDER BY xid, id LIMIT 2000)
  UNION ALL
  (SELECT * FROM changes WHERE centre = %(centre)s AND counter IS NULL
     AND (xid, id) > (%(xid)s::xid8, 0) ORDER BY xid, id LIMIT 2000)
  UNION ALL
  (SELECT * FROM changes WHERE centre = %(centre)s AND counter = %(counter)s
     AND (xid, id) > (%(xid)s::xid8, 0) ORDER BY xid, id LIMIT 2000)) f
ORDER BY xid, id LIMIT 2000"""


def desk_place(index: int) -> tuple[str, int]:
    """Desk ``index``'s centre and counter in the national layout."""
    return f"{FIRST_CENTRE + index // COUNTERS:03d}", index % COUNTERS + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int | str = "self") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


# --- the cluster of its own ------------------------------------------------------------------


class Cluster:
    """A PostgreSQL 15 cluster in ``root`` on a free loopback port (the socket in ``root``)."""

    def __init__(self, root: Path, max_connections: int) -> None:
        self.root = root
        self.data = root / "data"
        self.run = root / "run"
        self.max_connections = max_connections
        self.port = 0
        self.as_postgres = os.geteuid() == 0  # initdb and postgres refuse root

    def _cmd(self, *args: str | Path) -> list[str]:
        cmd = [str(a) for a in args]
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_postgres else cmd

    def _own(self, path: Path) -> None:
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            for p in [path, *path.rglob("*")]:
                os.chown(p, pw.pw_uid, pw.pw_gid)

    @property
    def prepared(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.run.mkdir(exist_ok=True)
        self._own(self.root)
        if self.as_postgres:
            os.chmod(self.root, 0o755)
        subprocess.run(self._cmd(PG_BIN / "initdb", "-D", self.data, "-U", "postgres",
                                 "-E", "UTF8", "--locale=C.UTF-8", "--auth-local=trust",
                                 "--auth-host=scram-sha-256"),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")

    def configure(self) -> None:
        """Settings written on every start (port and connection limit may change)."""
        self.port = free_port()
        conf = f"""
listen_addresses = '127.0.0.1'
port = {self.port}
unix_socket_directories = '{self.run}'
max_connections = {self.max_connections}
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
shared_buffers = '512MB'
max_wal_size = '4GB'
log_min_messages = warning
log_checkpoints = off
"""
        auto = self.data / "postgresql.auto.conf"
        auto.write_text(conf)
        self._own(auto)

    def start(self) -> None:
        self.configure()
        subprocess.run(self._cmd(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "log",
                                 "-w", "-t", "120", "start"),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")

    def stop(self) -> None:
        subprocess.run(self._cmd(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w",
                                 "stop"), check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd="/")

    def dsn(self, dbname: str = DB, **extra: Any) -> str:
        params: dict[str, Any] = {"host": str(self.run), "port": self.port,
                                  "user": "postgres", "dbname": dbname, **extra}
        return make_conninfo(**params)

    def tcp_dsn(self, user: str, password: str, port: int | None = None,
                dbname: str = DB) -> str:
        return make_conninfo(host="127.0.0.1", port=port or self.port, dbname=dbname,
                             user=user, password=password)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def cpu_ticks(self, title: str) -> tuple[dict[int, int], int, int]:
        """CPU ticks of the server: (each live server process whose title starts with
        ``title``, e.g. the backends of the counters' roles; the children that ended and
        were reaped, in the postmaster's cutime/cstime; every server process, both)."""
        master = self.postmaster_pid()
        matching: dict[int, int] = {}
        reaped = total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                raw = (entry / "stat").read_text()
                fields = raw[raw.rindex(")") + 2:].split()
                pid, ppid = int(entry.name), int(fields[1])
                if pid == master:
                    reaped = int(fields[13]) + int(fields[14])
                    total += sum(int(f) for f in fields[11:15])
                elif ppid == master:
                    ticks = int(fields[11]) + int(fields[12])
                    total += ticks
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                    if cmdline.decode(errors="replace").startswith(title):
                        matching[pid] = ticks
            except (OSError, ValueError, IndexError):
                continue  # the process ended meanwhile
        return matching, reaped, total


class Bouncer:
    """Debian's pgbouncer in transaction mode in front of the cluster (SCRAM both ways); in
    session mode for the desks' shared login, resetting each server connection between
    clients with DISCARD ALL (its default server_reset_query)."""

    def __init__(self, cluster: Cluster, roles: dict[str, str], pool: int,
                 extra: list[str], session_users: tuple[str, ...] = (),
                 idle_pool: int = 0) -> None:
        self.cluster = cluster
        self.session_users = session_users
        self.idle_pool = idle_pool
        self.root = cluster.root / "pgbouncer"
        self.port = free_port()
        self.roles, self.pool, self.extra = roles, pool, extra
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(exe).exists():
            raise SystemExit("pgbouncer is not installed: apt-get install -y pgbouncer")
        self.root.mkdir(exist_ok=True)
        users = "".join(f'"{r}" "{p}"\n' for r, p in self.roles.items())
        (self.root / "userlist.txt").write_text(users)
        settings = {
            "listen_addr": "127.0.0.1", "listen_port": str(self.port), "unix_socket_dir": "",
            "auth_type": "scram-sha-256", "auth_file": str(self.root / "userlist.txt"),
            "pool_mode": "transaction", "max_client_conn": str(len(self.roles) + 200),
            "default_pool_size": str(self.pool), "max_db_connections": str(self.pool),
            "server_idle_timeout": "10", "logfile": str(self.root / "pgbouncer.log"),
            "ignore_startup_parameters": "extra_float_digits,options",
        }
        for item in self.extra:
            key, _, value = item.partition("=")
            settings[key.strip()] = value.strip()
        server = f"host={self.cluster.run} port={self.cluster.port} dbname={DB}"
        databases = f"{DB} = {server}\n"
        users = "".join(f"{u} = pool_mode=session\n" for u in self.session_users)
        if self.idle_pool:  # README's topology: the desks' sessions, and their idle passes
            databases = (f"{DB} = {server} pool_mode=session\n"
                         f"{IDLE_DB} = {server} pool_mode=transaction "
                         f"pool_size={self.idle_pool} max_db_connections={self.idle_pool}\n")
            users = ""
        ini = (f"[databases]\n{databases}[pgbouncer]\n"
               + "".join(f"{k} = {v}\n" for k, v in settings.items())
               + "[users]\n" + users)
        (self.root / "pgbouncer.ini").write_text(ini)
        self.cluster._own(self.root)
        os.chmod(self.root / "userlist.txt", 0o600)
        # Not through runuser: its PAM session would cap open files at 1,024, fewer than
        # 2,000 desks need; pgbouncer drops root itself (-u) and keeps this process's limit.
        cmd = [exe, str(self.root / "pgbouncer.ini")]
        if self.cluster.as_postgres:
            cmd[1:1] = ["-u", "postgres"]
        self.proc = subprocess.Popen(cmd,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd="/")
        deadline = time.monotonic() + 30
        while True:  # until it accepts connections (bounded: a start that hangs is an error)
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"pgbouncer did not start; see {self.root / 'pgbouncer.log'}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


# --- central and its volume --------------------------------------------------------------------


def password_of(centre: str, counter: int, secret: str) -> str:
    return f"fleet-{centre}-{counter:02d}-{secret}"


def prepare_central(cluster: Cluster, requests: int, feed_rows: int, desks: int,
                    secret: str) -> None:
    from tawasul_desktop.central import admin
    from tawasul_desktop.central.connection import CentralTarget

    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DB}")
    admin.init_central(CentralTarget(cluster.dsn()), PREFIX)
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute(f"CREATE ROLE {RAW_ROLE} LOGIN BYPASSRLS")
        conn.execute(f"GRANT SELECT ON changes TO {RAW_ROLE}")
        started = time.perf_counter()
        load_requests(conn, requests)
        print(f"  {requests:,} requests COPYed in {time.perf_counter() - started:.0f} s",
              flush=True)
        started = time.perf_counter()
        load_feed(conn, feed_rows)
        print(f"  {feed_rows:,} feed rows COPYed in {time.perf_counter() - started:.0f} s",
              flush=True)
        conn.execute("VACUUM ANALYZE")
    add_counters(cluster, desks, secret)


def add_counters(cluster: Cluster, desks: int, secret: str) -> None:
    from tawasul_desktop.central import admin

    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        have = {r[0] for r in conn.execute("SELECT role_name FROM counters")}
        for index in range(desks):
            centre, counter = desk_place(index)
            if f"{PREFIX}_c{centre}_{counter:02d}" not in have:
                admin.add_counter(conn, centre, counter,
                                  password=password_of(centre, counter, secret))


def _chunks(total: int, size: int = 100_000) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def load_requests(conn: psycopg.Connection[Any], total: int) -> None:
    """``total`` requests over the national layout, mostly decided, made with COPY (triggers
    off, as a restore would: the feed is loaded apart)."""
    from tawasul_desktop.domain.numbers import make_number

    columns = ("id, number, centre, counter, service, status, applicant_name, applicant_id, "
               "applicant_id_kind, applicant_mobile, beneficiary_name, beneficiary_id, "
               "beneficiary_id_kind, relation, search_names, description, fields, "
               "submitted_at, received_at, effective_day, due_date, created_by, updated_at")
    # Every counter's 1st, 11th, 21st... request still waits (the mixed phase decides them).
    statuses = ["closed", "submitted"] + ["closed"] * 5 + ["accepted"] * 2 + ["rejected"]
    base = dt.datetime(2020, 1, 5, 8, tzinfo=dt.UTC)
    for part in _chunks(total):
        lines = []
        for i in part:
            desk, seq = i % (CENTRES * COUNTERS), i // (CENTRES * COUNTERS) + 1
            centre, counter = desk_place(desk)
            number = make_number(centre, counter, PRELOAD_YEAR, seq).digits
            at = base + dt.timedelta(minutes=i % 500_000)
            day = at.date().isoformat()
            ident = f"1{i % 100_000_000:09d}"
            name = f"applicant {i}"
            lines.append("\t".join((
                str(uuid.UUID(int=i + 1)), number, centre, str(counter), "passport",
                statuses[seq % len(statuses)], name, ident, "national_id", "0550000000", name,
                ident, "national_id", "self", name, f"preloaded request {i}", "{}",
                at.isoformat(), at.isoformat(), day, day, "fleet.clerk", at.isoformat())))
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            with conn.cursor().copy(f"COPY requests ({columns}) FROM STDIN") as copy:
                copy.write("\n".join(lines) + "\n")


def load_feed(conn: psycopg.Connection[Any], total: int) -> None:
    """``total`` feed rows: 98% for one counter, 2% for a whole centre, a few for everyone."""
    for part in _chunks(total):
        lines = []
        for i in part:
            centre, counter = desk_place(i % (CENTRES * COUNTERS))
            if i % 1000 == 7:
                centre_s, counter_s = "\\N", "\\N"
            elif i % 50 == 3:
                centre_s, counter_s = centre, "\\N"
            else:
                centre_s, counter_s = centre, str(counter)
            payload = json.dumps({"id": str(uuid.UUID(int=i % 1_000_000 + 1)),
                                  "status": "closed"})
            lines.append(f"{centre_s}\t{counter_s}\trequest\t{i}\t{payload}")
        with conn.transaction(), conn.cursor().copy(
                "COPY changes (centre, counter, kind, entity_id, payload) FROM STDIN") as copy:
            copy.write("\n".join(lines) + "\n")


# --- a worker process: its share of the desks -------------------------------------------------


@dataclasses.dataclass
class PassResult:
    kind: str  # idle | push | pull | error
    seconds: float
    late: float  # how long after its planned start the pass began (the client was busy)
    error: str | None = None
    saved: int = 0  # requests the desk saved just before this pass
    pushed: int = 0  # operations central applied
    files: int = 0  # files uploaded
    pulled: int = 0  # feed rows received


def _worker(index: int, desks: list[tuple[int, str, int, str, str | None, str | None]],
            work: str,
            template: str, horizon: str, number_base: int, threads: int, inbox: Any,
            outbox: Any) -> None:
    """Open this worker's desks (a copy of the template store each, its own id and a cursor
    at the feed's horizon, as after years of syncing), run one pass each, then run the
    phases the parent sends."""
    from tawasul_desktop.central.connection import CentralTarget
    from tawasul_desktop.config import load_settings
    from tawasul_desktop.storage.store import Store
    from tawasul_desktop.sync.engine import SyncEngine

    os.umask(0o077)  # the stores are private, as a desk's are
    root = Path(work)
    engines: dict[int, Any] = {}
    stores: list[Store] = []
    for desk, centre, counter, dsn, own_password, idle_dsn in desks:
        db = root / f"desk-{desk:05d}.sqlite3"
        shutil.copyfile(template, db)
        with contextlib.closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("UPDATE sync_state SET store_id = ?, pull_xid = ?, pull_id = 0",
                         (uuid.uuid4().hex, horizon))
            # Past the numbers earlier runs on a kept cluster sent up from this counter.
            now = dt.datetime.now(dt.UTC)
            for year in {now.year % 100, (now + dt.timedelta(days=1)).year % 100}:
                conn.execute("INSERT OR REPLACE INTO number_sequences (centre, counter, year, "
                             "last) VALUES (?, ?, ?, ?)", (centre, counter, year, number_base))
        settings = load_settings(root / "none.toml", db=db, data_dir=root / f"data-{desk:05d}")
        settings = dataclasses.replace(settings, centre_code=centre, counter=counter,
                                       central_dsn=dsn)
        store = Store.open(settings, sweep=False)
        stores.append(store)
        target = CentralTarget(dsn, application_name="fleet")
        if own_password is not None:  # the shared login: this counter's password proves it
            secret_file = root / f"desk-{desk:05d}.password"
            secret_file.write_text(own_password)
            target = dataclasses.replace(target, password_file=secret_file,
                                         desk_role=f"{PREFIX}_c{centre}_{counter:02d}",
                                         idle_dsn=idle_dsn)
        engines[desk] = SyncEngine(store, target)
    warm_errors = 0
    with ThreadPoolExecutor(threads) as pool:
        for report in pool.map(lambda e: e.run_once(), engines.values()):
            warm_errors += not report.ok
    outbox.put({"worker": index, "ready": True, "rss_mb": rss_mb(), "warm_errors": warm_errors})
    while True:
        phase = inbox.get()
        if phase is None:
            break
        results = _run_phase(engines, phase, threads)
        outbox.put({"worker": index, "results": [dataclasses.astuple(r) for r in results],
                    "rss_mb": rss_mb()})
    for engine in engines.values():
        engine.close()
    for store in stores:
        store.close()


def random_png(size_kb: int, rng: random.Random) -> bytes:
    """A real PNG of random pixels, about ``size_kb`` KiB (random pixels do not compress)."""
    import struct
    import zlib

    side = max(8, int((size_kb * 1024 / 3) ** 0.5))
    rows = b"".join(b"\0" + rng.randbytes(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b""))


def _attachment_request(file_kb: int, seed: int) -> Any:
    """A valid request with a scanned ID copy and a photo of ``file_kb`` KiB each, of their
    own content (every upload is a new file)."""
    from tawasul_desktop.domain.identity import make_identity
    from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
    from tawasul_desktop.domain.validation import validate_request

    rng = random.Random(seed)
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput("محمد عبدالله القحطاني", make_identity("1", f"{seed % 10**8:08d}"),
                              "0551234567", "m@example.com"),
        description="تعذر تجديد جواز السفر عبر المنصة بسبب رسالة خطأ متكررة عند السداد",
        fields={"passport_action": "renew"},
        attachments=[AttachmentInput("national_id_copy", "id.png", random_png(file_kb, rng)),
                     AttachmentInput("personal_photo", "photo.png", random_png(file_kb, rng))])
    valid, problems = validate_request(draft)
    assert valid is not None, problems
    return valid


def _run_phase(engines: dict[int, Any], phase: dict[str, Any], threads: int) -> list[PassResult]:
    from tawasul_desktop.storage import requests as ops
    from tawasul_desktop.storage.users import Actor

    actor = Actor("fleet.clerk", "clerk")
    rate, total, start = phase["rate"], phase["total_desks"], phase["start_at"]
    count = int(rate * phase["seconds"])
    rng = random.Random(phase["seed"])
    results: list[PassResult] = []
    lock = threading.Lock()
    # A desk's save and pass run one after the other: a pass still running when the desk's
    # next one is due (a small fleet at a high rate) delays it rather than overlapping.
    busy = {desk: threading.Lock() for desk in engines}

    def one(desk: int, planned: float, push: bool, seed: int) -> None:
        with busy[desk]:
            one_locked(desk, planned, push, seed)

    def one_locked(desk: int, planned: float, push: bool, seed: int) -> None:
        engine = engines[desk]
        began = time.monotonic()
        saved = 0
        if push:  # the clerk saves a request with its files; the pass sends it up
            try:
                ops.submit_request(engine.store, actor,
                                   _attachment_request(phase["file_kb"], seed))
                saved = 1
            except Exception as exc:  # reported, never hidden
                with lock:
                    results.append(PassResult("save error", 0.0, 0.0, repr(exc)[:200]))
        t0 = time.perf_counter()
        report = engine.run_once()
        took = time.perf_counter() - t0
        if not report.ok:
            kind = "error"
        elif report.refused:
            kind = "refused"
        elif report.pushed or report.files_uploaded:
            kind = "push"
        elif report.pulled:
            kind = "pull"
        else:
            kind = "idle"
        with lock:
            results.append(PassResult(kind, took, began - planned, report.error, saved,
                                      report.pushed, report.files_uploaded, report.pulled))

    with ThreadPoolExecutor(threads) as pool:
        for i in range(count):
            desk = i % total
            if desk not in engines:
                continue
            planned = start + i / rate
            delay = planned - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            push = rng.random() < phase["push_share"]
            pool.submit(one, desk, planned, push, phase["seed"] * 1_000_000 + i)
    return results


# --- the parent: phases, sampling, the report --------------------------------------------------


class Sampler:
    """Samples the server's connections in use every ``every`` seconds during a phase."""

    def __init__(self, dsn: str, roles: str, every: float = 0.1) -> None:
        self.dsn, self.roles, self.every = dsn, roles, every
        self.peak = self.peak_active = 0
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            oids = [r[0] for r in conn.execute(
                f"SELECT oid FROM pg_roles r WHERE {self.roles}")]
            db = conn.execute("SELECT oid FROM pg_database WHERE datname = %s",
                              (DB,)).fetchone()
            assert db is not None
            while not self._stop.is_set():
                # The activity function alone, not the view: its joins would read the
                # catalogues at every sample and show in the rows the phase read.
                row = conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE state <> 'idle') "
                    "FROM pg_stat_get_activity(NULL) WHERE backend_type = 'client backend' "
                    "AND datid = %s AND usesysid = ANY(%s)", (db[0], oids)).fetchone()
                assert row is not None
                self.samples.append(int(row[0]))
                self.peak = max(self.peak, int(row[0]))
                self.peak_active = max(self.peak_active, int(row[1]))
                self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def server_counters(conn: psycopg.Connection[Any], roles: str) -> dict[str, float]:
    """Statement time, calls, rows and buffers of ``roles``' statements (pg_stat_statements),
    and the rows read from the application's tables (pg_stat_user_tables)."""
    row = conn.execute(
        f"""SELECT coalesce(sum(total_exec_time + total_plan_time), 0),
                   coalesce(sum(calls), 0), coalesce(sum(rows), 0),
                   coalesce(sum(shared_blks_hit + shared_blks_read), 0)
            FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
            WHERE {roles}""").fetchone()
    tup = conn.execute("SELECT coalesce(sum(coalesce(seq_tup_read, 0) "
                       "+ coalesce(idx_tup_fetch, 0)), 0) FROM pg_stat_user_tables").fetchone()
    assert row is not None and tup is not None
    return {"stmt_ms": float(row[0]), "calls": float(row[1]), "rows": float(row[2]),
            "buffers": float(row[3]), "tuples": float(tup[0])}


COUNTER_ROLES = f"r.rolname LIKE '{PREFIX}\\_c%'"
DESKS_ROLE = f"{PREFIX}_desks"
SHARED_ROLES = f"({COUNTER_ROLES} OR r.rolname = '{DESKS_ROLE}')"
SHARED_TITLE = f"postgres: {DESKS_ROLE} "
# README's reset for the shared login: DISCARD ALL but for the plans (central's functions keep
# theirs from one desk to the next; no identity survives it).
SHARED_RESET = ("RESET ALL; SET SESSION AUTHORIZATION DEFAULT; DEALLOCATE ALL; CLOSE ALL; "
                "UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES")
RAW_ROLES = f"r.rolname = '{RAW_ROLE}'"
COUNTER_TITLE = f"postgres: {PREFIX}_c"  # a backend's process title starts with its role
RAW_TITLE = f"postgres: {RAW_ROLE} "


# An idle backend reports its table statistics up to 10 s late (PGSTAT_IDLE_INTERVAL): the
# counts are read that long after a phase ends, and the first phase starts that long after
# the desks' first passes, so no phase's reads are counted in another's.
STATS_SETTLE = 11.0


def measure(cluster: Cluster, name: str, roles: str, title: str, seconds: float,
            run: Any, settle: float = STATS_SETTLE) -> dict[str, Any]:
    """Run one phase (``run()`` returns its PassResults) and gather the server's figures.
    Server CPU is read from /proc: the backends whose process title starts with ``title``
    (the phase's roles) plus the server processes that ended during the phase (a backend
    that lived for one pass), and, apart, every server process."""
    hz = os.sysconf("SC_CLK_TCK")
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn, \
            Sampler(cluster.dsn(), roles) as sampler:
        conn.execute("SELECT pg_stat_statements_reset()")
        # Deltas only: pg_stat_reset() would also wipe what autovacuum knows of the tables.
        conn.execute("SELECT pg_stat_clear_snapshot()")
        before = server_counters(conn, roles)
        start_live, start_reaped, start_total = cluster.cpu_ticks(title)
        results: list[PassResult] = run()
        end_live, end_reaped, end_total = cluster.cpu_ticks(title)
        time.sleep(settle)
        conn.execute("SELECT pg_stat_clear_snapshot()")
        after = server_counters(conn, roles)
    backend_ticks = (sum(t - start_live.get(pid, 0) for pid, t in end_live.items())
                     + end_reaped - start_reaped)
    ticks = end_total - start_total
    saves = [r for r in results if r.kind == "save error"]
    results = [r for r in results if r.kind != "save error"]
    passes = len(results)
    per = max(passes, 1)
    kinds: dict[str, dict[str, Any]] = {}
    for kind in ("idle", "push", "pull", "refused", "error"):
        times = [r.seconds * 1000 for r in results if r.kind == kind]
        if times:
            kinds[kind] = {"passes": len(times), "p50_ms": pct(times, 50),
                           "p99_ms": pct(times, 99), "max_ms": max(times)}
    errors = sorted({r.error for r in results + saves if r.error})[:3]
    late = [r.late * 1000 for r in results]
    totals = {key: sum(getattr(r, key) for r in results)
              for key in ("saved", "pushed", "files", "pulled")}
    return {
        "phase": name, "seconds": seconds, "passes": passes, "kinds": kinds,
        "errors": errors, "save_errors": len(saves), "late_p99_ms": pct(late, 99),
        "totals": totals,
        "server_cpu_ms_per_pass": backend_ticks / hz * 1000 / per,
        "server_cpu_ms_per_pass_gross": ticks / hz * 1000 / per,
        "statement_ms_per_pass": (after["stmt_ms"] - before["stmt_ms"]) / per,
        "statements_per_pass": (after["calls"] - before["calls"]) / per,
        "rows_returned_per_pass": (after["rows"] - before["rows"]) / per,
        "buffers_per_pass": (after["buffers"] - before["buffers"]) / per,
        "tuples_read_per_pass": (after["tuples"] - before["tuples"]) / per,
        "peak_connections": sampler.peak, "peak_active_connections": sampler.peak_active,
        "mean_connections": statistics.fmean(sampler.samples) if sampler.samples else 0.0,
    }


def raw_phase(cluster: Cluster, desks: int, rate: float, seconds: float,
              threads: int = 4) -> list[PassResult]:
    """The baseline: each pass is the idle pull's query as raw SQL over held connections."""
    conns = [psycopg.connect(cluster.dsn(user=RAW_ROLE), autocommit=True)
             for _ in range(threads)]
    horizon = conns[0].execute(
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()[0]  # type: ignore[index]
    free = list(conns)
    lock = threading.Lock()
    results: list[PassResult] = []
    start = time.monotonic() + 0.2

    def one(i: int, planned: float) -> None:
        with lock:
            conn = free.pop()
        began = time.monotonic()
        centre, counter = desk_place(i % desks)
        t0 = time.perf_counter()
        conn.execute(RAW_FEED, {"xid": horizon, "centre": centre, "counter": counter}).fetchall()
        took = time.perf_counter() - t0
        with lock:
            free.append(conn)
            results.append(PassResult("idle", took, began - planned))

    try:
        with ThreadPoolExecutor(threads) as pool:
            for i in range(int(rate * seconds)):
                planned = start + i / rate
                delay = planned - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, i, planned)
    finally:
        for c in conns:
            c.close()
    return results


class Decider(threading.Thread):
    """The centre's side during the mixed phase: the owner moves the fleet's preloaded
    submitted requests to under review at ``rate`` per second (each a feed row one desk
    pulls). The requests are chosen before the phase, so choosing costs the phase nothing."""

    def __init__(self, dsn: str, desks: int, rate: float) -> None:
        super().__init__(daemon=True)
        self.dsn, self.rate = dsn, rate
        self.stop = threading.Event()
        self.done = 0
        self.ids: list[uuid.UUID] = []
        if rate <= 0:
            return
        with psycopg.connect(dsn, autocommit=True) as conn:
            last = f"{FIRST_CENTRE + (desks - 1) // COUNTERS:03d}"
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM requests WHERE centre <= %s AND status = 'submitted' "
                "AND number LIKE %s LIMIT 200000", (last, f"_____{PRELOAD_YEAR}%"))]
        self.ids = [i for i in ids if (i.int - 1) % (CENTRES * COUNTERS) < desks]
        random.Random(7).shuffle(self.ids)

    def run(self) -> None:
        if self.rate <= 0:
            return
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            start = time.monotonic()
            while not self.stop.is_set() and self.done < len(self.ids):
                conn.execute("UPDATE requests SET status = 'under_review', "
                             "updated_at = clock_timestamp() "
                             "WHERE id = %s AND status = 'submitted'", (self.ids[self.done],))
                self.done += 1
                self.stop.wait(max(0.0, start + self.done / self.rate - time.monotonic()))


def collect(outbox: Any, procs: list[Any], longest: float) -> dict[str, Any]:
    """The next worker message; a worker that died, or waiting past ``longest`` (a hang), is
    an error. Short waits, so Ctrl-C stops the run (and the cluster) at once."""
    import queue

    stop = time.monotonic() + longest
    while True:
        try:
            found: dict[str, Any] = outbox.get(timeout=0.5)
            return found
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                raise RuntimeError("a worker process failed") from None
            if time.monotonic() > stop:
                raise RuntimeError("the workers did not answer in time") from None


def print_phase(m: dict[str, Any], raw: dict[str, Any] | None) -> None:
    print(f"\n[{m['phase']}] {m['passes']:,} passes in {m['seconds']:.0f} s "
          f"(client late p99 {m['late_p99_ms']:.0f} ms)")
    base = raw["kinds"].get("idle", {}) if raw else {}
    for kind, k in m["kinds"].items():
        line = (f"  {kind:5} passes {k['passes']:6,}: p50 {k['p50_ms']:7.1f} ms, "
                f"p99 {k['p99_ms']:7.1f} ms")
        if base:
            line += (f"   | raw SQL p50 {base['p50_ms']:.2f} ms, p99 {base['p99_ms']:.2f} ms; "
                     f"p99 ratio {k['p99_ms'] / max(base['p99_ms'], 1e-6):.0f}x")
        print(line)
    for key, label in (("server_cpu_ms_per_pass", "server CPU per pass (ms, its backends)"),
                       ("server_cpu_ms_per_pass_gross", "server CPU per pass (ms, all server)"),
                       ("statement_ms_per_pass", "statement time per pass (ms, pg_stat_stmts)"),
                       ("statements_per_pass", "statements per pass"),
                       ("rows_returned_per_pass", "rows returned per pass"),
                       ("tuples_read_per_pass", "rows read per pass (tables, pg_stat)"),
                       ("buffers_per_pass", "buffers touched per pass"),
                       ("peak_connections", "server connections, peak"),
                       ("peak_active_connections", "server connections active, peak"),
                       ("mean_connections", "server connections, mean")):
        line = f"  {label:46} {m[key]:10.3f}"
        if raw is not None:
            ratio = m[key] / raw[key] if raw[key] else float("inf")
            line += f"   | raw SQL {raw[key]:10.3f}  ({ratio:.1f}x)"
        print(line)
    t = m["totals"]
    print(f"  saved {t['saved']}, pushed {t['pushed']}, files {t['files']}, pulled "
          f"{t['pulled']} (status changes made centrally: {m.get('decided', 0)})")
    if m["errors"]:
        print(f"  errors (first): {m['errors']}; requests not saved: {m['save_errors']}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desks", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=33.0, help="passes per second, all desks")
    parser.add_argument("--seconds", type=float, default=60.0, help="each phase's length")
    parser.add_argument("--raw-seconds", type=float, default=None,
                        help="the raw baseline's length (default: as --seconds, at most 20)")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--feed-rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker")
    parser.add_argument("--push-share", type=float, default=0.08,
                        help="share of mixed-phase passes that first save a request with files")
    parser.add_argument("--decide-rate", type=float, default=2.0,
                        help="status changes per second the owner makes in the mixed phase")
    parser.add_argument("--file-kb", type=int, default=500)
    parser.add_argument("--phases", default="idle,mixed,raw")
    parser.add_argument("--pgbouncer", action="store_true")
    parser.add_argument("--shared-login", action="store_true",
                        help="desks log in as the shared desks' role through pgbouncer in "
                             "session mode, each acting as its counter (implies --pgbouncer)")
    parser.add_argument("--idle-pool", type=int, default=0, metavar="N",
                        help="with --shared-login: desks hold a connection to a transaction-"
                             "mode alias of N server connections for their idle passes "
                             "([central] idle_dsn)")
    parser.add_argument("--pool-size", type=int, default=40, help="pgbouncer's server pool")
    parser.add_argument("--pgbouncer-set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--max-connections", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the prepared cluster here and reuse it next time")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--stats-settle", type=float, default=STATS_SETTLE,
                        help="seconds the table statistics get to arrive after a phase")
    args = parser.parse_args(argv)
    args.pgbouncer = args.pgbouncer or args.shared_login
    if not 1 <= args.desks <= MAX_DESKS or not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"1..{MAX_DESKS} desks and at most {MAX_SECONDS:.0f} s per phase")
    if args.desks > CENTRES * COUNTERS:
        parser.error(f"at most {CENTRES * COUNTERS} desks (the national layout)")
    phases = [p for p in args.phases.split(",") if p]
    raw_seconds = args.raw_seconds or min(args.seconds, 20.0)

    tmp = Path(tempfile.mkdtemp(prefix="tawasul-fleetsim-"))
    os.chmod(tmp, 0o755)  # the postgres account reaches the cluster's folder inside
    keep = args.keep.resolve() if args.keep else None
    cluster_root = keep or tmp / "cluster"
    max_conn = args.max_connections or args.desks + 60
    cluster = Cluster(cluster_root, max_conn)
    marker = cluster_root / "fleet.json"
    wanted = {"requests": args.requests, "feed_rows": args.feed_rows, "layout": LAYOUT}
    bouncer: Bouncer | None = None
    report: dict[str, Any] = {"desks": args.desks, "rate": args.rate, "seconds": args.seconds,
                              "requests": args.requests, "feed_rows": args.feed_rows,
                              "pgbouncer": args.pgbouncer, "workers": args.workers,
                              "shared_login": args.shared_login, "idle_pool": args.idle_pool,
                              "phases": {}, "targets": TARGETS}
    procs: list[Any] = []
    try:
        reuse = (cluster.prepared and marker.exists()
                 and json.loads(marker.read_text()).get("volume") == wanted)
        if not reuse:
            if cluster_root.exists():
                shutil.rmtree(cluster_root)
            cluster.init()
        cluster.start()
        kept = json.loads(marker.read_text()) if reuse else {}
        secret = kept.get("secret") or secrets.token_hex(6)
        runs = int(kept.get("runs", 0))
        print(f"PostgreSQL 15 of its own on port {cluster.port} ({cluster_root}); "
              f"{os.cpu_count()} CPU(s); Python {sys.version.split()[0]}", flush=True)
        if reuse:
            from tawasul_desktop.central import admin
            from tawasul_desktop.central.connection import CentralTarget

            admin.upgrade_central(CentralTarget(cluster.dsn()))  # kept from an older release
            add_counters(cluster, args.desks, secret)
            with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
                conn.execute("UPDATE counters SET desk_id = NULL, desk_label = NULL, "
                             "desk_bound_at = NULL")
        else:
            print(f"preparing central: {args.requests:,} requests, {args.feed_rows:,} feed "
                  "rows (COPY)", flush=True)
            prepare_central(cluster, args.requests, args.feed_rows, args.desks, secret)
        marker.write_text(json.dumps({"volume": wanted, "secret": secret, "runs": runs + 1}))
        number_base = (runs + 1) * 10_000  # past the numbers every earlier run sent up
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            # The counters just added are known to the planner (a deployment's autovacuum
            # would get there too): each pass looks its role up by key, not by a scan.
            conn.execute("ANALYZE counters")
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            sizes = conn.execute("SELECT (SELECT count(*) FROM requests), "
                                 "(SELECT count(*) FROM changes), "
                                 "(SELECT count(*) FROM blobs)").fetchone()
            horizon = conn.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()[0]  # type: ignore[index]
        assert sizes is not None
        report["central_rows"] = {"requests": sizes[0], "changes": sizes[1], "blobs": sizes[2]}
        print(f"central holds {sizes[0]:,} requests and {sizes[1]:,} feed rows", flush=True)

        places = [desk_place(i) for i in range(args.desks)]
        passwords = {f"{PREFIX}_c{c}_{n:02d}": password_of(c, n, secret) for c, n in places}
        port = None
        desks_password = f"desks-{secret}"
        if args.shared_login:
            from tawasul_desktop.central import admin

            with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
                admin.enable_desk_login(conn, password=desks_password)
        if args.pgbouncer:
            users = {**passwords, DESKS_ROLE: desks_password}
            extra = ([f"server_reset_query = {SHARED_RESET}"] if args.shared_login else []) \
                + args.pgbouncer_set
            bouncer = Bouncer(cluster, users, args.pool_size, extra,
                              (DESKS_ROLE,) if args.shared_login else (),
                              args.idle_pool if args.shared_login else 0)
            bouncer.start()
            port = bouncer.port
            mode = "session pooling of the shared login" if args.shared_login else \
                "transaction pooling"
            if args.shared_login and args.idle_pool:
                mode += (f"; idle passes over held connections to {IDLE_DB}, transaction "
                         f"pooling, {args.idle_pool} server connections")
            print(f"pgbouncer ({mode}, {args.pool_size} server connections) on "
                  f"port {port}", flush=True)

        from tawasul_desktop.config import load_settings
        from tawasul_desktop.storage.store import Store

        work = tmp / "desks"
        work.mkdir(mode=0o700)
        os.umask(0o077)
        template = work / "template.sqlite3"
        Store.open(load_settings(work / "none.toml", db=template,
                                 data_dir=work / "template")).close()
        ctx = mp.get_context("spawn")
        outbox = ctx.Queue()
        inboxes = []
        started = time.perf_counter()
        for w in range(args.workers):
            if args.shared_login:
                idle = (cluster.tcp_dsn(DESKS_ROLE, desks_password, port, IDLE_DB)
                        if args.idle_pool else None)
                mine = [(i, c, n, cluster.tcp_dsn(DESKS_ROLE, desks_password, port),
                         password_of(c, n, secret), idle)
                        for i, (c, n) in enumerate(places) if i % args.workers == w]
            else:
                mine = [(i, c, n, cluster.tcp_dsn(f"{PREFIX}_c{c}_{n:02d}",
                                                  password_of(c, n, secret), port), None, None)
                        for i, (c, n) in enumerate(places) if i % args.workers == w]
            inbox = ctx.Queue()
            proc = ctx.Process(target=_worker, args=(w, mine, str(work), str(template), horizon,
                                                     number_base, args.threads, inbox, outbox))
            proc.start()
            procs.append(proc)
            inboxes.append(inbox)
        ready = [collect(outbox, procs, 3600) for _ in procs]
        warm = sum(r["warm_errors"] for r in ready)
        report["client_rss_mb_ready"] = sum(r["rss_mb"] for r in ready)
        print(f"{args.desks:,} desks open in {args.workers} worker process(es) in "
              f"{time.perf_counter() - started:.0f} s, one pass each done ({warm} failed); "
              f"workers' RSS {report['client_rss_mb_ready']:.0f} MB", flush=True)
        report["warm_errors"] = warm
        time.sleep(args.stats_settle)

        decided: dict[str, int] = {}

        def fleet_phase(name: str, push_share: float, decide_rate: float) -> Any:
            decider = Decider(cluster.dsn(), args.desks, decide_rate)

            def run() -> list[PassResult]:
                phase = {"rate": args.rate, "seconds": args.seconds, "total_desks": args.desks,
                         "start_at": time.monotonic() + 1.0, "push_share": push_share,
                         "file_kb": args.file_kb,
                         "seed": number_base + len(report["phases"]) + 1}
                decider.start()
                for inbox in inboxes:
                    inbox.put(phase)
                got = [collect(outbox, procs, args.seconds * 20 + 600) for _ in procs]
                decider.stop.set()
                decider.join()
                decided[name] = decider.done
                report["client_rss_mb"] = sum(g["rss_mb"] for g in got)
                return [PassResult(*t) for g in got for t in g["results"]]
            return run

        raw = None
        if "raw" in phases:
            raw = measure(cluster, "raw SQL baseline", RAW_ROLES, RAW_TITLE,
                          raw_seconds,
                          lambda: raw_phase(cluster, args.desks, args.rate, raw_seconds),
                          args.stats_settle)
            report["phases"]["raw"] = raw
            print_phase(raw, None)
        roles, title = ((SHARED_ROLES, SHARED_TITLE) if args.shared_login
                        else (COUNTER_ROLES, COUNTER_TITLE))
        for name in phases:
            if name == "idle":
                m = measure(cluster, "idle", roles, title, args.seconds,
                            fleet_phase(name, 0.0, 0.0), args.stats_settle)
            elif name == "mixed":
                m = measure(cluster, "mixed", roles, title, args.seconds,
                            fleet_phase(name, args.push_share, args.decide_rate),
                            args.stats_settle)
            else:
                continue
            m["decided"] = decided.get(name, 0)
            report["phases"][name] = m
            print_phase(m, raw)
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            after = conn.execute("SELECT (SELECT count(*) FROM requests), "
                                 "(SELECT count(*) FROM changes), "
                                 "(SELECT count(*) FROM blobs)").fetchone()
        assert after is not None
        report["central_rows_after"] = {"requests": after[0], "changes": after[1],
                                        "blobs": after[2]}
        idle = report["phases"].get("idle")
        if idle and "idle" in idle["kinds"]:
            print(f"\ntargets at 2,000 desks / 33 passes/s: idle p99 "
                  f"{idle['kinds']['idle']['p99_ms']:.1f} ms (< {TARGETS['idle_p99_ms']:.0f}), "
                  f"server CPU per idle pass {idle['server_cpu_ms_per_pass']:.2f} ms "
                  f"(< {TARGETS['idle_cpu_ms']:.0f}), peak server connections "
                  f"{idle['peak_connections']} (<= {TARGETS['peak_connections']})")
        print(f"simulator RSS: workers {report.get('client_rss_mb', 0):.0f} MB "
              f"({report.get('client_rss_mb', 0) / args.desks:.2f} MB per desk), "
              f"parent {rss_mb():.0f} MB")
        report["parent_rss_mb"] = rss_mb()
    finally:
        for inbox in inboxes if "inboxes" in locals() else []:
            with contextlib.suppress(Exception):
                inbox.put(None)
        for proc in procs:
            proc.join(120)
            if proc.is_alive():
                proc.terminate()
        if bouncer is not None:
            bouncer.stop()
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return report


if __name__ == "__main__":
    main()
