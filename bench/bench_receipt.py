"""Median time to render an A5 receipt to memory, and its ratio to a minimal ReportLab PDF.

The baseline is a one-paragraph document drawn with the same (already registered) font in
the same run, so the ratio shows the receipt's own cost apart from machine speed and from
ReportLab's fixed cost per document (catalogue, font subsetting, compression).

    python bench/bench_receipt.py [--runs 30] [--warmup 5] [--format a5]

(from a checkout without `pip install .`: PYTHONPATH=. python bench/bench_receipt.py)
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from reportlab.lib.pagesizes import A5
from reportlab.pdfgen.canvas import Canvas

from tawasul_desktop.receipts import find_arabic_font, render_receipt
from tawasul_desktop.receipts.fonts import register_fonts
from tawasul_desktop.receipts.text import TextEngine

# The same sample receipt the receipt tests check (a long Arabic description with Latin text
# and numbers, three documents).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "receipts"))
from receipt_pdf import make_data  # noqa: E402

SAMPLE = make_data()


def median_ms(work: Callable[[], None], warmup: int, runs: int) -> float:
    for _ in range(warmup):
        work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--format", default="a5", choices=("a5", "a4", "roll80"))
    args = parser.parse_args()

    fonts = register_fonts(find_arabic_font())
    engine = TextEngine(fonts)
    paragraph = "أرجو التكرم بإنهاء الإجراء في أقرب وقت ممكن."

    def receipt() -> None:
        render_receipt(SAMPLE, io.BytesIO(), args.format)

    def minimal() -> None:
        canvas = Canvas(
            io.BytesIO(), pagesize=A5, pageCompression=1, initialFontName=fonts.regular.name
        )
        engine.draw(canvas, paragraph, A5[0] - 30, A5[1] - 40, 10)
        canvas.showPage()
        canvas.save()

    receipt_ms = median_ms(receipt, args.warmup, args.runs)
    minimal_ms = median_ms(minimal, args.warmup, args.runs)
    size = io.BytesIO()
    render_receipt(SAMPLE, size, args.format)
    print(f"font: {find_arabic_font().describe()}")
    print(
        f"{args.format} receipt: median {receipt_ms:.1f} ms over {args.runs} runs "
        f"({len(size.getvalue()) / 1024:.0f} KiB)"
    )
    print(f"minimal one-paragraph PDF, same font: median {minimal_ms:.1f} ms")
    print(f"ratio receipt / minimal: {receipt_ms / minimal_ms:.1f}x (target: receipt < 50 ms)")


if __name__ == "__main__":
    main()
