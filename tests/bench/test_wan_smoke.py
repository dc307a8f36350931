"""The slow-link benchmark (bench/bench_wan.py) run small, through its delay proxy: every
figure is printed beside the link's own cost. No timing is judged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_slow_link_benchmark_runs_and_reports_every_figure(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_wan.py"), "--delay-ms", "1",
         "--passes", "2", "--bulk", "3", "--files", "4"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert re.match(r"link: 1 ms each way; a bare SELECT 1 round trip \d+ ms", lines[0])
    for start in ("a pass sending one request with two new files: median ",
                  "a decision with its connection: median ", "a bulk decision of 3: ",
                  "a backlog of 4 files of 16 KiB: "):
        (line,) = [x for x in lines if x.startswith(start)]
        assert "round trips" in line, line
