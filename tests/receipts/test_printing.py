"""Choosing the paper of a print job from the receipt PDF and the printer's PPD (no CUPS
needed here; tests/printing sends real jobs through CUPS)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from receipt_pdf import make_data

from tawasul_desktop.receipts import render_receipt
from tawasul_desktop.receipts.printing import Paper, paper_of, parse_ppd

PPDS = Path(__file__).parent.parent / "printing"
MM = 72 / 25.4


def _pdf(fmt: str) -> bytes:
    out = io.BytesIO()
    render_receipt(make_data(), out, fmt)
    return out.getvalue()


def test_paper_of_each_format() -> None:
    assert paper_of(_pdf("a5")).sheet == "A5"
    assert paper_of(_pdf("a4")).sheet == "A4"
    roll = paper_of(_pdf("roll80"))
    assert roll.sheet is None and abs(roll.width - 80 * MM) < 0.01 and roll.height > 100 * MM
    # Custom sizes are asked for in millimetres rounded up, never a hair short of the page.
    width, height = roll.custom_media.removeprefix("Custom.").removesuffix("mm").split("x")
    assert 80.0 <= float(width) < 80.02 and float(height) * MM >= roll.height


def test_office_ppd_takes_sheets_only() -> None:
    office = parse_ppd((PPDS / "office-a4-a5.ppd").read_text("latin-1"))
    assert set(office.sizes) == {"A4", "A5"} and office.custom is None
    assert office.media_for(paper_of(_pdf("a5"))) == "A5"
    assert office.media_for(paper_of(_pdf("a4"))) == "A4"
    assert office.media_for(paper_of(_pdf("roll80"))) is None


def test_roll_ppd_takes_the_roll_at_any_length_and_no_sheet() -> None:
    roll = parse_ppd((PPDS / "roll-80mm.ppd").read_text("latin-1"))
    assert roll.custom is not None
    paper = paper_of(_pdf("roll80"))
    assert roll.media_for(paper) == paper.custom_media
    assert roll.media_for(Paper(paper.width, 3100 * MM)) is None  # longer than it takes
    for fmt in ("a5", "a4"):
        assert roll.media_for(paper_of(_pdf(fmt))) is None


@pytest.mark.parametrize("junk", [b"", b"%PDF-1.4 no pages"])
def test_paper_of_refuses_what_is_not_a_page(junk: bytes) -> None:
    with pytest.raises(ValueError):
        paper_of(junk)
