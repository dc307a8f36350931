"""Receipt fixtures: rendering receipts to files; helpers live in receipt_pdf.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from receipt_pdf import POPPLER, Render, make_data

from tawasul_desktop.receipts import render_receipt


@pytest.fixture(scope="session")
def poppler() -> None:
    """Skip (naming the tools) where poppler-utils is not installed; CI installs it."""
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"receipt tests read PDFs with poppler-utils; missing: {', '.join(missing)}")


@pytest.fixture
def render(tmp_path: Path, poppler: None) -> Render:
    """Factory: render a receipt (``make_data`` with changes) to a PDF file, return its path."""
    counter = iter(range(1000))

    def _render(fmt: str = "a5", font_path: str | None = None, **changes: object) -> Path:
        out = tmp_path / f"receipt-{fmt}-{next(counter)}.pdf"
        render_receipt(make_data(**changes), out, fmt, font_path)
        return out

    return _render
