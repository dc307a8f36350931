"""The supervisor queue on a large store: first rows, filter and sort changes, scrolling, memory.

    python bench/bench_queue.py                    # makes a 1,000,000-request store (~3-6 min)
    python bench/bench_queue.py --count 100000     # smaller
    python bench/bench_queue.py --db store.sqlite3 # an existing store (migrated if older)
    python bench/bench_queue.py --central-dsn postgresql://postgres@127.0.0.1/test
                                                   # SQLite and the central PostgreSQL

The store is made with ``tawasul demo-data`` in a temporary folder; ``--follow-ups`` of the
requests then get one to three follow-ups (written straight into the table: the demo data
has none and the queue shows and sorts by them). The measurements run in a separate process
(offscreen Qt) so its memory is the workspace's alone:

- first rows visible after opening the queue (the SupervisorWorkspace for a supervisor);
- changing a filter or the sort, until the new first rows are shown (median and each);
- scrolling to the end and to the middle: time, and how many rows were read to get there;
- exporting the "waiting for a decision" view to CSV, and a dashboard refresh;
- process memory (peak RSS).

Baselines measured in the same run: the first page of the same query read with the sqlite3
module alone, and the memory of a bare PySide6 process showing an empty table.

With ``--central-dsn`` (or ``$TAWASUL_BENCH_PG_DSN``: a role that may create databases and
roles), the same requests and follow-ups are copied (COPY, indexes built afterwards) into a
fresh central database made by ``tawasul central init`` (then vacuumed and analysed, as
autovacuum leaves it) and the same figures are measured again with the workspace reading
central as a supervisor's login role (row-level security on, as in use:
central.queue); both backends' figures are printed side by side. The database is
dropped afterwards unless ``--keep-central``. Prints figures only; no assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import json, os, resource, statistics, sys, time
sys.path.insert(0, {root!r})
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
from tawasul_desktop.config import load_settings
from tawasul_desktop.gui.supervisor.workspace import SupervisorWorkspace
from tawasul_desktop.storage.queue import QueueFilter, SortKey, preset_filter
from tawasul_desktop.gui.supervisor.queue_model import COLUMNS
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

out = {{}}
app = QApplication(["bench"])
folder = Path({folder!r})
settings = load_settings(folder / "absent.toml", db=Path({db!r}), data_dir=Path({data!r}))
central_dsn, password_file = {central_dsn!r}, {password_file!r}
t0 = time.perf_counter()
if central_dsn:
    import dataclasses
    from tawasul_desktop.central.queue import open_central_store
    settings = dataclasses.replace(settings, central_dsn=central_dsn,
                                   central_password_file=Path(password_file))
    store = open_central_store(settings)
    with store.read() as s:
        s.connection()  # connect now: part of opening
else:
    store = Store.open(settings, sweep=False)
out["store_open_s"] = time.perf_counter() - t0
boss = Actor("supervisor", "supervisor", "Supervisor")

def settle(predicate, timeout=120.0):
    end = time.perf_counter() + timeout
    while not predicate():
        app.processEvents()
        if time.perf_counter() > end:
            raise TimeoutError("no answer in time")
        time.sleep(0.0005)
    app.processEvents()

workspace = SupervisorWorkspace(store, lambda: "ar")
workspace.resize(1400, 900)
workspace.show()
app.processEvents()
model, table = workspace.model, workspace.table

def first_row_shown():
    return model.rowCount() > 0 and model.row_at(0) is not None

t0 = time.perf_counter()
workspace.set_actor(boss)
settle(first_row_shown)
out["first_rows_ms"] = (time.perf_counter() - t0) * 1000
settle(lambda: model.total is not None)
out["counted_ms"] = (time.perf_counter() - t0) * 1000
out["total"] = model.total

def change(label, apply):
    before = model._generation
    t0 = time.perf_counter()
    apply()
    settle(lambda: model._generation != before and model._first_seen)
    ms = (time.perf_counter() - t0) * 1000
    settle(model.idle)
    return label, ms, model.total

changes = []
header = table.horizontalHeader()
for key, descending in ((SortKey.SUBMITTED, True), (SortKey.APPLICANT, False),
                        (SortKey.SERVICE, False), (SortKey.STATUS, True),
                        (SortKey.ASSIGNEE, False), (SortKey.COUNTER, True),
                        (SortKey.NUMBER, False), (SortKey.FOLLOW_UPS, True),
                        (SortKey.DUE, False)):
    from PySide6.QtCore import Qt
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    changes.append(change(f"sort {{key.value}} {{'desc' if descending else 'asc'}}",
                          lambda k=key, o=order: header.setSortIndicator(COLUMNS.index(k), o)))
import datetime as dt
filters = [
    ("waiting for a decision", preset_filter("waiting", boss)),
    ("overdue", preset_filter("overdue", boss)),
    ("due within 2 working days", preset_filter("due_soon", boss)),
    ("my queue", preset_filter("my_queue", boss)),
    ("returned", preset_filter("returned", boss)),
    ("service", QueueFilter(service="passport")),
    ("status + service", QueueFilter(statuses=("submitted",), service="final_exit")),
    ("counter", QueueFilter(counter=3)),
    ("last 30 days", QueueFilter(since=dt.date.today() - dt.timedelta(days=30))),
    ("search common name", QueueFilter(text="احمد")),
    ("search full name", QueueFilter(text="محمد عبدالله القحطاني")),
    ("search nobody", QueueFilter(text="zzzz")),
    ("search identity", QueueFilter(text={identity!r})),
    ("everything", QueueFilter()),
]
for label, flt in filters:
    changes.append(change(f"filter {{label}}", lambda f=flt: workspace.filters.apply(f)))
out["changes"] = changes
out["change_median_ms"] = statistics.median(ms for _, ms, _ in changes)

# Scrolling, on "everything" sorted by due date.
loaded = model.rows_loaded
t0 = time.perf_counter()
table.scrollToBottom()
settle(lambda: model.row_at(model.rowCount() - 1) is not None)
out["scroll_end_ms"] = (time.perf_counter() - t0) * 1000
settle(model.idle)
out["scroll_end_rows_read"] = model.rows_loaded - loaded
loaded = model.rows_loaded
middle = model.rowCount() // 2
t0 = time.perf_counter()
table.scrollTo(model.index(middle, 0))
settle(lambda: model.row_at(middle) is not None)
out["scroll_middle_ms"] = (time.perf_counter() - t0) * 1000
settle(model.idle)
out["scroll_middle_rows_read"] = model.rows_loaded - loaded
out["rows_kept"] = model.window.kept_rows()
out["rows_read_total"] = model.rows_loaded

from tawasul_desktop.storage.queue import QueueQuery
from tawasul_desktop.storage.reports import dashboard_figures, export_csv
query = QueueQuery(store, boss, preset_filter("waiting", boss))
t0 = time.perf_counter()
rows = export_csv(query, folder / "waiting.csv", store.catalogue)
out["export_csv"] = [rows, time.perf_counter() - t0]
t0 = time.perf_counter()
dashboard_figures(store, boss)
out["dashboard_s"] = time.perf_counter() - t0
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out, ensure_ascii=False))
"""

BARE = r"""
import os, resource, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView
app = QApplication(sys.argv)
view = QTableView(); view.setModel(QStandardItemModel(0, 10)); view.resize(1400, 900)
view.show(); app.processEvents()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

RAW_FIRST_PAGE = r"""
import sqlite3, sys, time
db = sys.argv[1]
conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
t0 = time.perf_counter()
rows = conn.execute("SELECT number, service, applicant_name, applicant_id, counter, submitted_at,"
                    " due_date, status, assignee, paused_since FROM requests"
                    " ORDER BY due_date, number LIMIT 100").fetchall()
print((time.perf_counter() - t0) * 1000)
"""

FOLLOW_UPS = r"""
import sqlite3, sys
db, share = sys.argv[1], float(sys.argv[2])
conn = sqlite3.connect(db)
if not conn.execute("SELECT count(*) FROM follow_ups").fetchone()[0]:
    for copies in (1, 2, 3):
        conn.execute(
            "INSERT INTO follow_ups (id, request_id, at, by, note) "
            "SELECT lower(hex(randomblob(16))), id, datetime(submitted_at, '+4 days'), "
            "'bench.clerk', '' FROM requests WHERE abs(random()) % 1000 < ?",
            (int(share * 1000 / copies),))
    conn.commit()
print(conn.execute("SELECT count(*), count(DISTINCT request_id) FROM follow_ups").fetchone())
"""


RAW_FIRST_PAGE_PG = r"""
import sys, time, psycopg
conn = psycopg.connect(sys.argv[1], password=open(sys.argv[2]).readline().strip())
conn.execute("SELECT 1")
t0 = time.perf_counter()
rows = conn.execute("SELECT number, service, applicant_name, applicant_id, counter, submitted_at,"
                    " due_date, status, assignee, paused_since FROM requests"
                    " ORDER BY due_date, number LIMIT 100").fetchall()
print((time.perf_counter() - t0) * 1000)
"""


def load_central(server_dsn: str, db: Path, folder: Path) -> tuple[str, str, str, float]:
    """A fresh central database holding the SQLite store's requests and follow-ups; returns
    (its name, the supervisor's DSN, password file, seconds to load)."""
    import secrets
    import sqlite3

    import psycopg
    from psycopg.conninfo import make_conninfo

    sys.path.insert(0, str(ROOT))
    from tawasul_desktop.central import admin
    from tawasul_desktop.central import operations as central
    from tawasul_desktop.central.connection import CentralTarget

    token = secrets.token_hex(3)
    name, prefix = f"tawasul_bench_{token}", f"tb{token}"
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    owner_dsn = make_conninfo(server_dsn, dbname=name)
    admin.init_central(CentralTarget(owner_dsn), role_prefix=prefix)
    lite = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    centre = lite.execute("SELECT centre FROM requests LIMIT 1").fetchone()[0]
    password_file = folder / "supervisor.pass"
    t0 = time.perf_counter()
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        role, _ = admin.add_supervisor(conn, centre, "bench", password_file=password_file)
        central.put_user(conn, "supervisor", "supervisor", "x", centre=centre)
        conn.execute("SET TIME ZONE 'UTC'")  # the store's times are naive UTC
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('requests', 'follow_ups') AND indexdef NOT LIKE 'CREATE UNIQUE%'").fetchall()
        with conn.transaction():
            for index, _ in indexes:
                conn.execute(f"DROP INDEX {index}")
            columns = (*central.REQUEST_COLUMNS, "assignee")
            for table, cols in (("requests", columns),
                                ("follow_ups", ("id", "request_id", "at", "by", "note"))):
                with conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in lite.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                        copy.write_row(row)
            for _, definition in indexes:
                conn.execute(definition)
        # As autovacuum leaves a live central after inserts (PostgreSQL 13+): statistics and
        # the visibility map, without which no index-only walk skips reading the table.
        conn.execute("VACUUM (ANALYZE)")
    seconds = time.perf_counter() - t0
    lite.close()
    return name, make_conninfo(owner_dsn, user=role), str(password_file), seconds


def drop_central(server_dsn: str, name: str) -> None:
    import psycopg

    prefix = "tb" + name.rsplit("_", 1)[1]
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        roles = [r[0] for r in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (prefix + "\\_%",))]
        for role in sorted(roles, key=lambda r: r.endswith(("_counter", "_supervisor"))):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def report(backend: str, f: dict, raw_ms: float, bare_mb: float) -> None:
    print(f"--- {backend}: {f['total']:,} requests; opened in {f['store_open_s']:.1f} s")
    print(f"first rows visible      {f['first_rows_ms']:7.0f} ms   (target < 300; count known "
          f"after {f['counted_ms']:.0f} ms); baseline raw first page {raw_ms:.1f} ms")
    print(f"filter/sort change      {f['change_median_ms']:7.0f} ms   median of "
          f"{len(f['changes'])} (target < 200)")
    for label, ms, total in f["changes"]:
        print(f"    {label:32s} {ms:7.0f} ms  {total if total is not None else '?':>9} rows")
    print(f"scroll to the end       {f['scroll_end_ms']:7.0f} ms   {f['scroll_end_rows_read']} "
          f"rows read")
    print(f"scroll to the middle    {f['scroll_middle_ms']:7.0f} ms   "
          f"{f['scroll_middle_rows_read']} rows read")
    print(f"rows read for the view  {f['rows_read_total']:,} (kept at the end: {f['rows_kept']:,})"
          f" of {f['total']:,}")
    rows, seconds = f["export_csv"]
    print(f"CSV export (waiting)    {seconds:7.1f} s    {rows:,} rows")
    print(f"dashboard refresh       {f['dashboard_s']:7.1f} s    (in a worker in the app)")
    print(f"peak memory             {f['peak_rss_mb']:7.0f} MB   (target < 300); baseline bare "
          f"PySide6 table {bare_mb:.0f} MB")


def run(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=False)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="an existing store to measure instead")
    parser.add_argument("--follow-ups", type=float, default=0.05,
                        help="share of requests given follow-ups (default 0.05)")
    parser.add_argument("--central-dsn", default=os.environ.get("TAWASUL_BENCH_PG_DSN"),
                        help="also measure the central PostgreSQL (a role that may create "
                             "databases and roles; default $TAWASUL_BENCH_PG_DSN)")
    parser.add_argument("--keep-central", action="store_true",
                        help="keep the central database made for the run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tawasul-bench-queue-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
        if args.db is None:
            db, data = folder / "store.sqlite3", folder / "data"
            env.update(TAWASUL_DB=str(db), TAWASUL_DATA_DIR=str(data),
                       TAWASUL_CONFIG=str(folder / "absent.toml"), PYTHONPATH=str(ROOT))
            (folder / "absent.toml").touch()  # a named configuration file must exist
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tawasul_desktop.cli.main", "demo-data",
                            "--count", str(args.count), "--with-users"], env=env, cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
            print(f"made {args.count:,} demo requests in {time.perf_counter() - t0:.0f} s")
        else:
            db, data = args.db.resolve(), args.db.resolve().parent / "data"
        print("follow-ups (rows, requests):", run(FOLLOW_UPS, str(db), str(args.follow_ups)))
        identity = run("import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
                       "'SELECT applicant_id FROM requests LIMIT 1 OFFSET 777').fetchone()[0])",
                       str(db))
        measure = dict(root=str(ROOT), folder=str(folder), db=str(db), data=str(data),
                       identity=identity)
        figures = json.loads(run(MEASURE.format(**measure, central_dsn="", password_file=""),
                                 env=env))
        raw_ms = float(run(RAW_FIRST_PAGE, str(db)))  # after MEASURE: it migrates an old store
        bare_mb = float(run(BARE))
        size = db.stat().st_size / 2**20
        pg: tuple[dict, float] | None = None
        if args.central_dsn:
            name, dsn, password_file, seconds = load_central(args.central_dsn, db, folder)
            try:
                print(f"copied {figures['total']:,} requests into central {name} in "
                      f"{seconds:.0f} s (COPY, then indexes, VACUUM and ANALYZE)")
                pg_figures = json.loads(run(MEASURE.format(**measure, central_dsn=dsn,
                                                           password_file=password_file),
                                            env=env))
                pg = (pg_figures, float(run(RAW_FIRST_PAGE_PG, dsn, password_file)))
            finally:
                if args.keep_central:
                    print(f"central database kept: {name}")
                else:
                    drop_central(args.central_dsn, name)

    print(f"store: {size:,.0f} MB SQLite file")
    report("SQLite (the desk's store)", figures, raw_ms, bare_mb)
    if pg is None:
        print("PostgreSQL: not measured (pass --central-dsn or set $TAWASUL_BENCH_PG_DSN).")
    else:
        report("PostgreSQL (central, as a supervisor's role)", pg[0], pg[1], bare_mb)


if __name__ == "__main__":
    main()
