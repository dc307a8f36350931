"""A desk and a supervisor far from central: what they wait for over a slow link.

A proxy in this process adds a one-way delay to everything central sends and receives (default
15 ms each way, a 30 ms round trip, as a centre far from the data centre), and the desk's and
the supervisor's logins go through it; the database is made and filled directly. Each figure
is printed beside the link's own cost measured through the same proxy in the same run (a bare
``SELECT 1`` round trip, and a bare connection), and as a number of those round trips:

- a sync pass sending one new request with two new small files;
- a supervisor's decision, connection included (as the workspace makes one);
- a bulk decision of ``--bulk`` requests (accept many), per request;
- a backlog of ``--files`` files of 16 KiB uploaded in one pass.

    python bench/bench_wan.py [--delay-ms 15] [--passes 10] [--bulk 50] [--files 500]

The server comes from $TAWASUL_BENCH_PG_DSN or $TAWASUL_TEST_PG_DSN (a superuser connection,
default postgresql://postgres@127.0.0.1:5432/test); a scratch database is made and dropped.
Prints figures only; no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_sync as base  # noqa: E402  (the scratch central and the desk's store)

from tawasul_desktop.central import admin  # noqa: E402
from tawasul_desktop.central import operations as hub  # noqa: E402
from tawasul_desktop.central.connection import CentralTarget  # noqa: E402
from tawasul_desktop.central.queue import open_central_store, stop_at_central_failure  # noqa: E402
from tawasul_desktop.domain.intake_types import Attachment  # noqa: E402
from tawasul_desktop.domain.lifecycle import Action  # noqa: E402
from tawasul_desktop.domain.policy import default_policy  # noqa: E402
from tawasul_desktop.storage import requests as ops  # noqa: E402
from tawasul_desktop.storage.supervision import decide_many  # noqa: E402
from tawasul_desktop.storage.users import Actor  # noqa: E402

AMAL = Actor("amal", "supervisor", "Amal")


class DelayProxy:
    """TCP proxy on 127.0.0.1 holding every chunk ``delay`` seconds before passing it on, in
    order, both ways (no bandwidth limit: only the latency of a distant link)."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target, self.delay = target, delay
        self.loop = asyncio.new_event_loop()
        self.port = 0
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True,
                                       name="bench-delay-proxy")
        self.thread.start()
        started.wait()

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()
        server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            while data := await reader.read(1 << 16):
                await queue.put((time.monotonic() + self.delay, data))
            await queue.put((0.0, b""))

        async def write() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(data)
                await writer.drain()
            writer.close()

        await asyncio.gather(read(), write(), return_exceptions=True)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class FarCentral(base.Central):
    """The scratch central, its logins reached through the proxy (the owner's directly)."""

    def __init__(self, proxy: DelayProxy) -> None:
        self.proxy = proxy
        super().__init__()

    def dsn(self, user: str | None = None) -> str:
        if user is None:
            return super().dsn()
        return make_conninfo(super().dsn(user), host="127.0.0.1", port=str(self.proxy.port))


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def link_cost(central: FarCentral, role: str) -> tuple[float, float]:
    """(one round trip, one connection) through the proxy, in ms: the bare driver's."""
    dsn = central.dsn(role)
    trips, connects = [], []
    for _ in range(10):
        started = time.perf_counter()
        conn = psycopg.connect(dsn, autocommit=True)
        connects.append(time.perf_counter() - started)
        for _ in range(3):
            started = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            trips.append(time.perf_counter() - started)
        conn.close()
    return median_ms(trips), median_ms(connects)


def with_new_files(valid: Any, count: int, kib: int) -> Any:
    return dataclasses.replace(valid, attachments=tuple(
        Attachment(doc, f"{doc}.pdf", "application/pdf", os.urandom(kib * 1024))
        for doc, _ in zip(("national_id_copy", "personal_photo"), range(count), strict=False)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=15.0, help="one way (RTT twice it)")
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--bulk", type=int, default=50)
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args()
    server = conninfo_to_dict(base.PG_DSN)
    proxy = DelayProxy((str(server.get("host") or "127.0.0.1"), int(server.get("port") or 5432)),
                       args.delay_ms / 1000)
    central = FarCentral(proxy)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            trip, connect = link_cost(central, central.role)
            print(f"link: {args.delay_ms:g} ms each way; a bare SELECT 1 round trip {trip:.0f} ms, "
                  f"a bare connection {connect:.0f} ms (the baselines below)")

            def told(ms: float) -> str:
                return f"{ms:.0f} ms ({ms / trip:.1f} round trips)"

            store, engine = base.open_desk(work, central, "far")
            template = base.template(attachments=True)
            times = []
            for i in range(args.passes + 1):
                valid = dataclasses.replace(with_new_files(template, 2, 3),
                                            description=f"{base.DESCRIPTION} {i}")
                ops.submit_request(store, base.ACTOR, valid, confirm_duplicate=True)
                started = time.perf_counter()
                report = engine.run_once()
                if i:  # the first pass also checks who the desk is and binds it
                    times.append(time.perf_counter() - started)
                assert report.ok and report.pushed == 1, report.error
            print(f"a pass sending one request with two new files: median {told(median_ms(times))}"
                  f" over {len(times)}")

            base.fill(store, args.bulk + args.passes)
            assert engine.run_once().ok
            with central.admin() as conn:
                role, _ = admin.add_supervisor(conn, "101", "amal")
                hub.put_user(conn, "amal", "supervisor", "x", centre="101")
                numbers = [r[0] for r in conn.execute(
                    "SELECT number FROM requests WHERE status = 'submitted' ORDER BY number")]
            target, policy = CentralTarget(central.dsn(role)), default_policy()
            times = []
            for number in numbers[:args.passes]:
                started = time.perf_counter()
                with target.connect(autocommit=True) as conn:
                    hub.decide(conn, number, Action.START_REVIEW, actor="amal", policy=policy,
                               expected_status="submitted")
                times.append(time.perf_counter() - started)
            print(f"a decision with its connection: median {told(median_ms(times))} over "
                  f"{len(times)} (a bare connection and a round trip: {told(connect + trip)})")

            boss = open_central_store(store.settings, local=store, target=target)
            items = [(n, "submitted") for n in numbers[args.passes:args.passes + args.bulk]]
            started = time.perf_counter()
            outcome = stop_at_central_failure(
                items, lambda some: decide_many(boss, AMAL, some, Action.START_REVIEW), boss)
            bulk = time.perf_counter() - started
            boss.close()
            assert len(outcome.done) == len(items), outcome.refused[:2]
            print(f"a bulk decision of {len(items)}: {bulk:.2f} s, "
                  f"{told(bulk * 1000 / len(items))} per request")

            for i in range(0, args.files, 2):
                valid = dataclasses.replace(with_new_files(template, 2, 16),
                                            description=f"{base.DESCRIPTION} files {i}")
                ops.submit_request(store, base.ACTOR, valid, confirm_duplicate=True)
            report = engine.run_once()
            assert report.ok, report.error
            upload = report.seconds["attachments"]
            print(f"a backlog of {report.files_uploaded:,} files of 16 KiB: {upload:.2f} s "
                  f"({report.files_uploaded / upload:,.0f} files/s, "
                  f"{upload * 1000 / trip:,.0f} round trips' time)")
            engine.close()
            store.close()
    finally:
        central.drop()
        proxy.stop()


if __name__ == "__main__":
    main()
