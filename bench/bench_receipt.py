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
import time
from collections.abc import Callable

from reportlab.lib.pagesizes import A5
from reportlab.pdfgen.canvas import Canvas

from tawasul_desktop.receipts import ReceiptData, find_arabic_font, render_receipt
from tawasul_desktop.receipts.fonts import register_fonts
from tawasul_desktop.receipts.text import TextEngine

SAMPLE = ReceiptData(
    number="101-03-26-00042-7",
    barcode_value="1010326000427",
    service_name_ar="تجديد جواز السفر",
    service_name_en="Passport renewal",
    applicant_name="محمد بن عبدالله القحطاني",
    applicant_id_masked="******1234",
    submitted_at="25 نوفمبر 2026 10:42",
    submitted_at_hijri="5 جمادى الآخرة 1448 هـ",
    due_date="6 ديسمبر 2026",
    due_date_hijri="16 جمادى الآخرة 1448 هـ",
    follow_up_from="28 نوفمبر 2026",
    follow_up_from_hijri="8 جمادى الآخرة 1448 هـ",
    documents=("صورة الهوية الوطنية", "صورة جواز السفر السابق", "صورة شخصية حديثة"),
    description=(
        "أرغب في تجديد جواز السفر رقم A1234567 الذي تنتهي صلاحيته بتاريخ 2026-12-31، "
        "علماً بأنني قدمت طلباً سابقاً عبر منصة Absher ولم يكتمل بسبب خطأ في الصورة.\n"
        "أرجو التكرم بإنهاء الإجراء في أقرب وقت ممكن، ورقم جوالي 0501234567."
    ),
    clerk="سارة الحربي",
    centre_name="مركز خدمات الجوازات — حي الملز، الرياض",
    directorate_name="المديرية العامة للجوازات",
    counter="3",
)


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
