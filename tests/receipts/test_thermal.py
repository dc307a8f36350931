"""The 80 mm roll is safe for a 203 dpi thermal head: pure black, no text under 7 pt, and a
date never split across lines (checked on the rendered page and in the PDF's own drawing)."""

from __future__ import annotations

import base64
import re
import subprocess
import zlib
from pathlib import Path

import pytest
from receipt_pdf import Render, pdf_text, tokens

from tawasul_desktop.receipts.fonts import find_arabic_font, register_fonts
from tawasul_desktop.receipts.text import TextEngine, unbroken

LONG_NAME = "عبدالرحمن بن عبدالعزيز بن عبدالله بن محمد آل سعود القحطاني"


def _grey_levels(pdf: Path, tmp_path: Path) -> set[int]:
    """Every grey level on page 1 at 203 dpi without anti-aliasing (what the head gets)."""
    prefix = tmp_path / "gray"
    subprocess.run(["pdftoppm", "-r", "203", "-gray", "-aa", "no", "-aaVector", "no",
                    "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True)
    data = next(tmp_path.glob("gray*.pgm")).read_bytes()
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert match
    return set(data[match.end():])


def _text_sizes(pdf: Path) -> set[float]:
    """The size of every font set in the page streams (the Tf operator)."""
    sizes: set[float] = set()
    raw = pdf.read_bytes()
    # ReportLab writes page streams as ASCII85 over Flate.
    for stream in re.findall(rb"ASCII85Decode /FlateDecode \].*?stream\r?\n(.*?)~>", raw, re.S):
        content = zlib.decompress(base64.a85decode(stream.replace(b"\n", b"") + b"~>",
                                                   adobe=True))
        sizes |= {float(m) for m in re.findall(rb"/\S+\s+([\d.]+)\s+Tf", content)}
    return sizes


def test_roll_is_pure_black(render: Render, tmp_path: Path) -> None:
    pdf = render("roll80", copy=True)  # a reprint: no grey watermark either
    assert _grey_levels(pdf, tmp_path) <= {0, 255}


def test_sheets_keep_their_grey(render: Render, tmp_path: Path) -> None:
    assert len(_grey_levels(render("a5"), tmp_path)) > 2  # the check can see grey


def test_nothing_on_the_roll_is_under_7_points(render: Render) -> None:
    sizes = _text_sizes(render("roll80"))
    assert sizes and min(sizes) >= 7.0, sorted(sizes)


def test_a_date_never_splits_across_lines() -> None:
    engine = TextEngine(register_fonts(find_arabic_font()))
    date = "16 جمادى الآخرة 1448 هـ"
    width = engine.width(date, 8.0) + 2
    lines = engine.wrap(f"بحلول {unbroken(date)} إن شاء الله", width, 8.0)
    assert any(line.replace("\u00a0", " ") == date for line in lines), lines


@pytest.mark.parametrize("fmt", ["roll80", "a5"])
def test_dates_on_the_receipt_stay_whole(render: Render, fmt: str) -> None:
    pdf = render(fmt, applicant_name=LONG_NAME, due_date="16 ديسمبر 2026",
                 due_date_hijri="26 جمادى الآخرة 1448 هـ")
    lines = [set(tokens(line)) for line in pdf_text(pdf).splitlines()]
    # All of a date's words on one line (poppler may reorder neighbouring numbers in it).
    for date in ("25 نوفمبر 2026 10:42", "5 جمادى الآخرة 1448 هـ", "16 ديسمبر 2026",
                 "26 جمادى الآخرة 1448 هـ"):
        assert any(set(tokens(date)) <= line for line in lines), date
