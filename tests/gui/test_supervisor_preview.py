"""The supervisor's attachment preview draws page 1 only, within a pixel budget, and can be
cancelled: files stored before intake checked them (or read from central) are not trusted."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))

import crafted  # noqa: E402

from tawasul_desktop.gui.supervisor.detail import PREVIEW_PIXELS, preview_image  # noqa: E402


def _stored(store, content: bytes) -> str:
    return store.blobs.put(content)  # as an old or central file: no intake check on the way


def test_a_huge_page_is_drawn_within_the_budget(store, qapp):
    image = preview_image(store, _stored(store, crafted.pdf_bomb()), "application/pdf")
    assert image is not None and not image.isNull()
    assert image.width() * image.height() <= PREVIEW_PIXELS
    assert abs(image.width() - image.height()) <= 1  # the page's shape is kept


def test_only_the_first_page_is_drawn(store, qapp):
    """Page 2 of this file is 70 m square: drawing every page (at 60 dpi, 27 gigapixels)
    fails or takes gigabytes; drawing page 1 alone gives its A4 preview."""
    first_normal = crafted.pdf(2).replace(b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]",
                                          b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]")
    pages = first_normal.split(b"4 0 obj")
    huge_second = pages[0] + b"4 0 obj" + pages[1].replace(b"0 0 595 842", b"0 0 200000 200000")
    image = preview_image(store, _stored(store, huge_second), "application/pdf")
    assert image is not None
    assert (image.width(), image.height()) == (round(595 * 60 / 72), round(842 * 60 / 72))


def test_a_thousand_pages_give_one_picture(store, qapp):
    image = preview_image(store, _stored(store, crafted.pdf(1000)), "application/pdf")
    assert image is not None and image.width() * image.height() <= PREVIEW_PIXELS


def test_a_huge_picture_is_decoded_scaled(store, qapp):
    big = crafted.image("PNG", (4000, 3000))  # 12 megapixels
    image = preview_image(store, _stored(store, big), "image/png")
    assert image is not None and image.width() * image.height() <= PREVIEW_PIXELS
    assert abs(image.width() / image.height() - 4 / 3) < 0.01


def test_a_cancelled_preview_draws_nothing(store, qapp):
    cancelled = threading.Event()
    cancelled.set()
    digest = _stored(store, crafted.pdf())
    assert preview_image(store, digest, "application/pdf", cancelled) is None
    assert preview_image(store, digest, "application/pdf") is not None


def test_damaged_files_give_no_preview(store, qapp):
    assert preview_image(store, _stored(store, b"%PDF-1.4 junk"), "application/pdf") is None
    assert preview_image(store, _stored(store, crafted.elf_behind_jpeg_header()),
                         "image/jpeg") is None
