"""PDF receipts for the applicant: Arabic-first, A5, A4 or an 80 mm thermal roll.

Qt-free: the GUI calls :func:`render_receipt` from a worker thread (rendering takes tens of
milliseconds) and prints or saves the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from tawasul_desktop.receipts.data import ReceiptData
from tawasul_desktop.receipts.fonts import FontPair, ReceiptFontError, find_arabic_font
from tawasul_desktop.receipts.renderer import ReceiptRenderer
from tawasul_desktop.receipts.texts import ReceiptTextsError

__all__ = [
    "FontPair",
    "ReceiptData",
    "ReceiptFontError",
    "ReceiptRenderer",
    "ReceiptTextsError",
    "find_arabic_font",
    "render_receipt",
]


def render_receipt(
    data: ReceiptData,
    out: str | Path | BinaryIO,
    fmt: str = "a5",
    font_path: str | None = None,
) -> None:
    """Write the receipt for ``data`` as PDF to a path or a binary file object.

    ``fmt`` is "a5", "a4" or "roll80" (80 mm wide, as long as the content); ``font_path``
    is the configured receipt.font, else a system font is found. Raises ReceiptFontError
    when no font can draw Arabic and Latin text.
    """
    ReceiptRenderer(fmt, font_path).render(data, out)
