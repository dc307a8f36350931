"""Draw a receipt's rows onto PDF pages: paginate fixed pages, size the roll to fit."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from reportlab.pdfgen.canvas import Canvas

from tawasul_desktop.receipts.data import ReceiptData
from tawasul_desktop.receipts.fonts import find_arabic_font, register_fonts
from tawasul_desktop.receipts.layout import FORMATS, WATERMARK, PageFormat, ReceiptLayout, Row
from tawasul_desktop.receipts.text import TextEngine, visual
from tawasul_desktop.receipts.texts import receipt_texts

_engines: dict[object, TextEngine] = {}
# ReportLab's TrueType faces are shared between documents and the subsetter reads the font
# through one cursor (TTFontFile._pos), so two threads saving at once can corrupt each other's
# subsets (seen as KeyError in makeSubset). Receipts take milliseconds: render one at a time.
_RENDER_LOCK = threading.RLock()


def _engine(font_path: str | None) -> TextEngine:
    fonts = register_fonts(find_arabic_font(font_path))
    engine = _engines.get(fonts)
    if engine is None:
        engine = _engines[fonts] = TextEngine(fonts)
    return engine


def _paginate(rows: list[Row], first: float, later: float) -> list[list[Row]]:
    """Rows per page, given the usable height of the first and of later pages.

    A row marked keep_with_next moves to the next page with the row that follows it.
    """
    pages: list[list[Row]] = [[]]
    room = first
    for i, row in enumerate(rows):
        needed = row.height
        if row.keep_with_next and i + 1 < len(rows):
            needed += rows[i + 1].height
        if needed > room and pages[-1]:
            pages.append([])
            room = later
        pages[-1].append(row)
        room -= row.height
    return pages


def draw_pages(canvas: Canvas, pages: list[list[Row]], continuation: Callable[[int, int], Row],
               top_of_page: float, before_each: Callable[[], None] | None = None) -> None:
    """Draw paginated rows top-down; every page after the first opens with a continuation row.
    Shared by receipts and the daily summary."""
    for number, page_rows in enumerate(pages, start=1):
        if before_each is not None:
            before_each()
        top = top_of_page
        rows = ([continuation(number, len(pages))] if number > 1 else []) + list(page_rows)
        for row in rows:
            row.draw(canvas, top)
            top -= row.height
        canvas.showPage()


class ReceiptRenderer:
    """Renders ReceiptData to a PDF in one of the page formats (a5, a4, roll80)."""

    def __init__(self, fmt: str = "a5", font_path: str | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown receipt format {fmt!r}; use one of {', '.join(FORMATS)}")
        self.fmt: PageFormat = FORMATS[fmt]
        with _RENDER_LOCK:
            self.engine = _engine(font_path)
        self.texts = receipt_texts()

    def render(self, data: ReceiptData, out: str | Path | BinaryIO) -> None:
        """Write the PDF; safe to call from several worker threads (they take turns)."""
        with _RENDER_LOCK:
            self._render(data, out)

    def _render(self, data: ReceiptData, out: str | Path | BinaryIO) -> None:
        fmt = self.fmt
        layout = ReceiptLayout(data, fmt, self.engine, self.texts)
        rows = layout.rows()
        height: float
        if fmt.height is None:
            height = math.ceil(sum(r.height for r in rows) + fmt.margin_top + fmt.margin_bottom)
            pages = [rows]
        else:
            height = fmt.height
            usable = height - fmt.margin_top - fmt.margin_bottom
            pages = _paginate(rows, usable, usable - layout.continuation(2, 2).height)

        canvas = Canvas(
            str(out) if isinstance(out, Path) else out,
            pagesize=(fmt.width, height),
            pageCompression=1,
            # Our own font from the start, or ReportLab lists an unembedded Helvetica.
            initialFontName=self.engine.fonts.regular.name,
            lang="ar",
        )
        title = self.texts["title"]
        canvas.setTitle(f"{title.en} {data.number}")
        canvas.setSubject(title.en)
        canvas.setAuthor(data.centre_name)
        canvas.setCreator("Tawasul Desk")
        # No grey watermark on a thermal roll (it would print as a dot pattern over the text);
        # the boxed "نسخة / COPY" under the title marks the copy there.
        watermark = data.copy and not fmt.thermal
        before = (lambda: self._watermark(canvas, height)) if watermark else None
        draw_pages(canvas, pages, layout.continuation, height - fmt.margin_top, before)
        canvas.save()

    def _watermark(self, canvas: Canvas, height: float) -> None:
        """A large diagonal "نسخة COPY" behind the content of a reprint.

        Marked as an artifact (page decoration, as PDF/UA asks for watermarks) so text
        extraction and screen readers skip it; the boxed mark under the title is the text.
        """
        mark = self.texts["copy_mark"]
        size = self.fmt.width / 7
        canvas.addLiteral("/Artifact BMC")
        canvas.saveState()
        canvas.setFillColorRGB(*WATERMARK)
        canvas.translate(self.fmt.width / 2, height / 2)
        canvas.rotate(math.degrees(math.atan2(min(height, self.fmt.width * 1.4), self.fmt.width)))
        fonts = self.engine.fonts
        canvas.setFont(fonts.bold.name, size)
        canvas.drawCentredString(0, size * 0.2, visual(mark.ar))
        latin = fonts.latin_bold or fonts.bold
        canvas.setFont(latin.name, size * 0.8)
        canvas.drawCentredString(0, -size * 0.9, mark.en)
        canvas.restoreState()
        canvas.addLiteral("EMC")
