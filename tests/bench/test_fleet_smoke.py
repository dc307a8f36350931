"""The fleet simulator (bench/bench_fleet.py) run small: a few desks for a few seconds on a
cluster of its own, a small volume. No timing is judged: the report must be complete and its
counts must agree with each other and with what central holds afterwards."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("TAWASUL_PG_BIN", "/usr/lib/postgresql/15/bin"))
DESKS, RATE, SECONDS = 4, 4.0, 2.0
FIGURES = ("server_cpu_ms_per_pass", "server_cpu_ms_per_pass_gross", "statement_ms_per_pass",
           "statements_per_pass", "rows_returned_per_pass", "tuples_read_per_pass",
           "buffers_per_pass", "peak_connections", "peak_active_connections",
           "mean_connections", "late_p99_ms")


def _needs(tool: Path | str | None) -> None:
    if tool is None or not Path(tool).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing (CI installs it: .ci/run)")
        pytest.skip(f"{tool} is missing")


def _simulate(tmp_path: Path, *extra: str) -> dict[str, Any]:
    _needs(PG_BIN / "initdb")
    out = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_CENTRAL")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_fleet.py"), "--desks", str(DESKS),
         "--rate", str(RATE), "--seconds", str(SECONDS), "--raw-seconds", str(SECONDS),
         "--requests", "3000", "--feed-rows", "5000", "--workers", "2", "--threads", "2",
         "--push-share", "0.5", "--decide-rate", "3", "--file-kb", "8", "--stats-settle", "1",
         "--json", str(out),
         *extra], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    for name in report["phases"]:
        assert f"[{'raw SQL baseline' if name == 'raw' else name}]" in proc.stdout
    return report


def _check_phase(phase: dict[str, Any], planned: int) -> None:
    for key in FIGURES:
        assert math.isfinite(phase[key]) and phase[key] >= 0, (key, phase[key])
    # Every planned pass ran and is counted under exactly one kind.
    assert phase["passes"] == planned
    assert sum(k["passes"] for k in phase["kinds"].values()) == planned
    for kind in phase["kinds"].values():
        assert 0 <= kind["p50_ms"] <= kind["p99_ms"] <= kind["max_ms"]


def test_fleet_report_is_complete_and_consistent(tmp_path: Path) -> None:
    report = _simulate(tmp_path)
    planned = int(RATE * SECONDS)
    assert report["central_rows"]["requests"] >= 3000
    assert report["central_rows"]["changes"] >= 5000
    assert report["warm_errors"] == 0
    phases = report["phases"]
    assert set(phases) == {"idle", "mixed", "raw"}
    for phase in phases.values():
        _check_phase(phase, planned)

    idle, mixed, raw = phases["idle"], phases["mixed"], phases["raw"]
    # Nothing to send or receive: every idle pass is idle, none failed.
    assert set(idle["kinds"]) == {"idle"}, idle
    assert idle["totals"] == {"saved": 0, "pushed": 0, "files": 0, "pulled": 0}
    assert idle["statements_per_pass"] > 0 and raw["statements_per_pass"] > 0
    # A desk holds at most one server connection, and only during its pass: a sample every
    # 100 ms may see none of them (it did, on a loaded machine). The baseline holds its few
    # threads' own for the whole phase, so the sampler is seen to count.
    assert 0 <= idle["peak_connections"] <= DESKS
    assert 1 <= raw["peak_connections"] <= 4

    # Mixed: each request saved went up in its pass with both its files, and central holds
    # exactly them afterwards; desks received no more than central changed for them.
    assert not {"error", "refused"} & set(mixed["kinds"]), mixed["errors"]
    totals = mixed["totals"]
    assert mixed["save_errors"] == 0, mixed["errors"]
    assert totals["saved"] >= 1
    assert totals["pushed"] == totals["saved"]
    assert totals["files"] == 2 * totals["saved"]
    assert mixed["kinds"]["push"]["passes"] == totals["saved"]
    after, before = report["central_rows_after"], report["central_rows"]
    assert after["requests"] - before["requests"] == totals["saved"]
    assert after["blobs"] - before["blobs"] == totals["files"]
    assert mixed["decided"] >= 1
    assert totals["pulled"] <= mixed["decided"]
    assert report["client_rss_mb"] > 0


def test_fleet_through_pgbouncer(tmp_path: Path) -> None:
    _needs(shutil.which("pgbouncer"))
    report = _simulate(tmp_path, "--pgbouncer", "--pool-size", "3", "--phases", "idle")
    idle = report["phases"]["idle"]
    assert report["pgbouncer"] is True
    _check_phase(idle, int(RATE * SECONDS))
    # Whatever the desks hold, the server sees no more than the pool.
    assert 1 <= idle["peak_connections"] <= 3


def test_fleet_on_the_shared_login_with_held_idle_connections(tmp_path: Path) -> None:
    _needs(shutil.which("pgbouncer"))
    report = _simulate(tmp_path, "--shared-login", "--idle-pool", "2", "--pool-size", "3",
                       "--phases", "idle,mixed")
    assert report["shared_login"] is True and report["idle_pool"] == 2
    idle, mixed = report["phases"]["idle"], report["phases"]["mixed"]
    for phase in (idle, mixed):
        _check_phase(phase, int(RATE * SECONDS))
        assert 0 <= phase["peak_connections"] <= 3 + 2  # the session pool and the idle alias
    assert set(idle["kinds"]) == {"idle"}, idle
    assert not {"error", "refused"} & set(mixed["kinds"]), mixed["errors"]
    assert mixed["totals"]["pushed"] == mixed["totals"]["saved"] >= 1
    assert report["central_rows_after"]["requests"] - report["central_rows"]["requests"] == \
        mixed["totals"]["saved"]
