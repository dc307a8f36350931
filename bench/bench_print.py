"""Print-job size and spooling time of a receipt, beside the PDF's own size and time.

For each format (A5 and A4 on an office queue, the 80 mm roll on a roll-only queue) of a
real CUPS scheduler started for the run (the print tests' own, 127.0.0.1 only, file-backed
queues), it reports in the same run:

* the PDF: its size and the median time to render it (the baseline);
* the job: the bytes handed to CUPS and what arrived at the queue after CUPS's filters,
  and the median time from "the PDF exists" to "CUPS has spooled the job" (print_pdf
  returns once lp has handed it over, the printer's paper check included);
* the ratios job/PDF for size and spool/render for time.

Targets (issue 12): a job under 300 KB for A5/A4 and 150 KB for the roll, spooled in
under 0.5 s.

    python bench/bench_print.py [--runs 10]

(from a checkout: PYTHONPATH=. python bench/bench_print.py; needs cupsd, lp, lpadmin)
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from tawasul_desktop.receipts import render_receipt
from tawasul_desktop.receipts.printing import print_pdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "receipts"))
sys.path.insert(0, str(ROOT / "tests" / "printing"))
from cups_server import OFFICE, ROLL, cups_installed, running_cups  # noqa: E402
from receipt_pdf import make_data  # noqa: E402

SAMPLE = make_data()
TARGETS = {"a5": (OFFICE, 300_000), "a4": (OFFICE, 300_000), "roll80": (ROLL, 150_000)}


def render(fmt: str) -> bytes:
    out = io.BytesIO()
    render_receipt(SAMPLE, out, fmt)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if not cups_installed():
        sys.exit("needs CUPS: cupsd, lp, lpadmin (Debian: cups cups-client cups-bsd cups-filters)")
    render("a5")  # fonts registered, caches warm
    with running_cups() as cups:
        print(f"{'format':7} {'PDF KB':>7} {'render ms':>9} {'job KB':>7} {'arrived KB':>10} "
              f"{'spool ms':>8} {'size x':>6} {'time x':>6}  target")
        for fmt, (queue, limit) in TARGETS.items():
            renders, spools = [], []
            pdf = b""
            arrived = b""
            for _ in range(args.runs):
                start = time.perf_counter()
                pdf = render(fmt)
                renders.append(time.perf_counter() - start)
                cups.reset(queue)
                start = time.perf_counter()
                print_pdf(pdf, queue, title="bench")
                spools.append(time.perf_counter() - start)
                cups.wait_done()
                arrived = cups.output(queue).read_bytes()
            render_s, spool_s = statistics.median(renders), statistics.median(spools)
            ok = len(pdf) < limit and len(arrived) < limit and spool_s < 0.5
            print(f"{fmt:7} {len(pdf) / 1000:7.1f} {render_s * 1000:9.1f} "
                  f"{len(pdf) / 1000:7.1f} {len(arrived) / 1000:10.1f} {spool_s * 1000:8.1f} "
                  f"{len(arrived) / len(pdf):6.2f} {spool_s / render_s:6.2f}  "
                  f"{'met' if ok else 'MISSED'} (< {limit // 1000} KB, < 500 ms)")


if __name__ == "__main__":
    main()
