"""The receipt's layout: a column of rows, Arabic-first and right-aligned.

Each row knows its height and draws itself at a given top edge, so one layout serves the
fixed pages (A5, A4, paginated by the renderer) and the 80 mm roll (as long as its rows).
Labels sit in a column on the right with their English beneath; long texts (documents,
description, conditions) take the full width, one row per line.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.graphics.barcode import code128, qrencoder
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from tawasul_desktop.config import RECEIPT_FORMATS
from tawasul_desktop.domain.bidi import isolate, ltr
from tawasul_desktop.receipts.data import ReceiptData
from tawasul_desktop.receipts.text import TextEngine, is_rtl, protect_numbers, unbroken
from tawasul_desktop.receipts.texts import Text

LEADING = 1.4  # line height / font size; Arabic needs more room than Latin
ASCENT = 1.0  # baseline below the top of a line box, in font sizes
INK = (0, 0, 0)
GREY = (0.33, 0.33, 0.33)
RULE = (0.72, 0.72, 0.72)
WATERMARK = (0.88, 0.88, 0.88)


@dataclass(frozen=True)
class PageFormat:
    name: str
    width: float
    height: float | None  # None: a roll, as long as the content
    margin: float  # left and right
    margin_top: float
    margin_bottom: float
    size: float  # body text size in points
    label_width: float  # the widest the right-hand label column may grow
    qr_size: float
    bar_width: float  # narrowest Code 128 bar
    bar_height: float
    # Wide pages set English labels in a left-hand column and the QR code beside the
    # number; the narrow roll stacks them (English under Arabic, QR in the header).
    wide: bool = True
    # A thermal head (203 dpi, black or nothing) breaks up grey and hairlines: print in
    # pure black, rules at least two dots wide, and no text under ``min_size`` points.
    thermal: bool = False
    min_size: float = 0.0

    @property
    def content_width(self) -> float:
        return self.width - 2 * self.margin


FORMATS: dict[str, PageFormat] = {
    "a5": PageFormat(
        "a5", A5[0], A5[1], 10 * mm, 8 * mm, 7 * mm, 9.0, 30 * mm, 20 * mm, 0.33 * mm, 10 * mm
    ),
    "a4": PageFormat(
        "a4", A4[0], A4[1], 18 * mm, 15 * mm, 15 * mm, 11.0, 42 * mm, 26 * mm, 0.40 * mm, 13 * mm
    ),
    # 80 mm thermal paper prints about 72 mm; the rest is the printer's own margin.
    "roll80": PageFormat(
        "roll80",
        80 * mm,
        None,
        4 * mm,
        5 * mm,
        8 * mm,
        8.0,
        24 * mm,
        20 * mm,
        0.375 * mm,  # three dots of a 203 dpi head: every bar a whole number of dots
        10 * mm,
        wide=False,
        thermal=True,
        min_size=7.0,
    ),
}
# The paper sizes are the configuration's choices for receipt.format (config.SETTINGS): a
# format offered there with no page here, or the other way round, fails at import.
if tuple(FORMATS) != RECEIPT_FORMATS:
    raise RuntimeError(f"receipt formats {tuple(FORMATS)} differ from {RECEIPT_FORMATS}")

FIELD_LABELS = (
    "label.service",
    "label.applicant",
    "label.applicant_id",
    "label.beneficiary",
    "label.beneficiary_id",
    "label.relation",
    "label.submitted",
    "label.due",
    "label.follow_up",
    "label.clerk",
    "label.former_number",
)

Draw = Callable[[Canvas, float], None]  # draws with the row's top edge at the given y


@dataclass
class Row:
    height: float
    draws: list[Draw] = field(default_factory=list)
    keep_with_next: bool = False

    def draw(self, canvas: Canvas, top: float) -> None:
        for draw in self.draws:
            draw(canvas, top)


@dataclass(frozen=True)
class Line:
    """One logical line of text and how it is set."""

    text: str
    size: float
    bold: bool = False
    colour: tuple[float, float, float] = INK
    rtl: bool = True

    @property
    def height(self) -> float:
        return self.size * LEADING


class ReceiptLayout:
    """Turns ReceiptData into rows for one page format."""

    def __init__(
        self, data: ReceiptData, fmt: PageFormat, engine: TextEngine, texts: dict[str, Text]
    ) -> None:
        self.data, self.fmt, self.engine, self.texts = data, fmt, engine, texts
        self.right = fmt.width - fmt.margin
        self.left = fmt.margin
        self._set_ink(fmt)
        self.gap = 2.5 * mm
        # Label columns as wide as their longest label, so values line up close to them.
        labels = [texts[k] for k in FIELD_LABELS]
        labels += [Text(ar, en) for ar, en, _ in data.service_fields]
        self.label_width = min(
            fmt.label_width,
            max(engine.width(t.ar, fmt.size, bold=True) for t in labels) + 0.5,
        )
        self.en_label_width = (
            max(engine.width(t.en, self.small) for t in labels) + 0.5 if fmt.wide else 0.0
        )
        self.value_right = self.right - self.label_width - self.gap
        self.value_left = self.left + (self.en_label_width + self.gap if fmt.wide else 0.0)

    def _set_ink(self, fmt: PageFormat) -> None:
        """Sizes and colours of secondary text and rules: on a thermal roll pure black,
        hairlines two head dots wide and nothing under the format's minimum size."""
        self.small = max(round(fmt.size * 0.8, 1), fmt.min_size)
        self.grey = INK if fmt.thermal else GREY
        self.rule = INK if fmt.thermal else RULE
        self.thin = 0.75 if fmt.thermal else 0.3  # hairline width, points

    # --- building blocks -------------------------------------------------------------------

    def _wrapped(self, line: Line, width: float) -> list[Line]:
        return [
            Line(part, line.size, line.bold, line.colour, line.rtl)
            for part in self.engine.wrap(line.text, width, line.size, line.bold)
        ]

    def _text_draw(self, line: Line, x: float, offset: float, align: str) -> Draw:
        engine = self.engine

        def draw(canvas: Canvas, top: float) -> None:
            canvas.setFillColorRGB(*line.colour)
            baseline = top - offset - line.size * ASCENT
            engine.draw(
                canvas, line.text, x, baseline, line.size, bold=line.bold, align=align, rtl=line.rtl
            )

        return draw

    def _stack(self, lines: list[Line], x: float, align: str) -> tuple[float, list[Draw]]:
        """Lines one under another; returns their height and draw calls."""
        draws, offset = [], 0.0
        for line in lines:
            draws.append(self._text_draw(line, x, offset, align))
            offset += line.height
        return offset, draws

    def _smaller(self, factor: float) -> float:
        """A size below ``small``, but never under the format's minimum."""
        return max(self.small * factor, self.fmt.min_size)

    def _rule(self, gap: float = 2 * mm, colour: tuple[float, float, float] | None = None) -> Row:
        left, right = self.left, self.right
        colour = colour or self.rule
        width = max(0.5, self.thin)

        def draw(canvas: Canvas, top: float) -> None:
            canvas.setStrokeColorRGB(*colour)
            canvas.setLineWidth(width)
            y = top - gap / 2
            canvas.line(left, y, right, y)

        return Row(gap, [draw])

    def _space(self, height: float) -> Row:
        return Row(height)

    def _full_width(self, line: Line, *, indent: float = 0.0, bullet: bool = False) -> list[Row]:
        """A paragraph over the whole width, one row per line, aligned to its direction."""
        width = self.fmt.content_width - indent
        rows = []
        for i, part in enumerate(self._wrapped(line, width)):
            x, align = (self.right - indent, "right") if part.rtl else (self.left, "left")
            draws = [self._text_draw(part, x, 0.0, align)]
            if bullet and i == 0:
                draws.append(self._bullet(part.size))
            rows.append(Row(part.height, draws))
        return rows

    def _bullet(self, size: float) -> Draw:
        x = self.right - size * 0.35

        def draw(canvas: Canvas, top: float) -> None:
            canvas.setFillColorRGB(*INK)
            canvas.circle(x, top - size * ASCENT + size * 0.3, size * 0.15, stroke=0, fill=1)

        return draw

    def _heading(self, key: str) -> Row:
        """A section heading: the Arabic on the right, the English small on the left."""
        text = self.texts[key]
        ar = Line(text.ar, self.fmt.size, bold=True)
        en = Line(text.en, self.small, colour=self.grey, rtl=False)
        draws = [
            self._text_draw(ar, self.right, 0.0, "right"),
            self._text_draw(en, self.left, (ar.size - en.size) * ASCENT, "left"),  # same baseline
        ]
        return Row(ar.height, draws, keep_with_next=True)

    def _field(self, key: str | Text, values: list[Line]) -> Row:
        """A label on the right (English beneath it, or in a left column on wide pages) and
        its value lines right-aligned against the label."""
        text = self.texts[key] if isinstance(key, str) else key
        label_lines = self._wrapped(Line(text.ar, self.fmt.size, bold=True), self.label_width)
        en = Line(text.en, self.small, colour=self.grey, rtl=False)
        if self.fmt.wide:
            label_height, draws = self._stack(label_lines, self.right, "right")
            # On the baseline of the first value line, as a form's English column.
            en_offset = (self.fmt.size - en.size) * ASCENT
            draws.append(self._text_draw(en, self.left, en_offset, "left"))
        else:
            label_lines += self._wrapped(en, self.label_width)
            label_height, draws = self._stack(label_lines, self.right, "right")
        value_width = self.value_right - self.value_left
        value_lines = [part for line in values for part in self._wrapped(line, value_width)]
        value_height = 0.0
        for line in value_lines:  # Latin values too: right-aligned keeps the column straight
            draws.append(self._text_draw(line, self.value_right, value_height, "right"))
            value_height += line.height
        height = max(label_height, value_height) + 1.0 * mm
        return Row(height, [*draws, self._hairline(height)])

    def _hairline(self, height: float) -> Draw:
        left, right = self.left, self.right

        colour, width = self.rule, self.thin

        def draw(canvas: Canvas, top: float) -> None:
            canvas.setStrokeColorRGB(*colour)
            canvas.setLineWidth(width)
            y = top - height + 0.4 * mm
            canvas.line(left, y, right, y)

        return draw

    # --- sections ---------------------------------------------------------------------------

    def _header(self) -> list[Row]:
        """Directorate, centre and counter on the right; on wide pages the title on the left,
        on the roll the QR code there and the title on a row of its own."""
        d, fmt = self.data, self.fmt
        title_ar, title_en = self._title_lines()
        title_width = max(
            self.engine.width(title_ar.text, title_ar.size, bold=True),
            self.engine.width(title_en.text, title_en.size),
        )
        beside = title_width if fmt.wide else fmt.qr_size
        width = fmt.content_width - beside - 4 * mm
        counter = self.texts["counter"].ar.format(counter=ltr(d.counter))
        lines = (
            self._wrapped(Line(d.directorate_name, fmt.size + 1, bold=True), width)
            + self._wrapped(Line(d.centre_name, fmt.size), width)
            + self._wrapped(Line(counter, fmt.size), width)
        )
        height, draws = self._stack(lines, self.right, "right")
        rows = []
        if fmt.wide:
            # The title block's left edge on the margin, its lines centred on each other.
            title_height, title_draws = self._stack(
                [title_ar, title_en], self.left + title_width / 2, "centre"
            )
            draws += title_draws
            height = max(height, title_height)
        else:
            draws.append(self._qr(self.left, fmt.qr_size))
            height = max(height, fmt.qr_size)
        rows = [Row(height + 0.5 * mm, draws), self._rule(2.5 * mm, INK)]
        if not fmt.wide:
            title_height, title_draws = self._stack([title_ar, title_en], fmt.width / 2, "centre")
            rows.append(Row(title_height, title_draws))
        if self.data.copy:
            rows.append(self._copy_box())
        return rows

    def _title_lines(self) -> tuple[Line, Line]:
        title = self.texts["title"]
        return (
            Line(title.ar, self.fmt.size + 4, bold=True),
            Line(title.en, self.small, colour=self.grey, rtl=False),
        )

    def _qr(self, x: float, size: float) -> Draw:
        """The QR code of the barcode value, a four-module quiet zone included in ``size``.

        Drawn as one filled path rather than through a ReportLab Drawing, which would
        also reference an unembedded Helvetica.
        """
        code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        code.addData(self.data.barcode_value)
        code.make()
        modules = code.modules
        border = 4
        box = size / (len(modules) + 2 * border)

        def draw(canvas: Canvas, top: float) -> None:
            path = canvas.beginPath()
            for r, row in enumerate(modules):
                y = top - (r + border + 1) * box
                c = 0
                for dark, run in itertools.groupby(row):
                    count = len(list(run))
                    if dark:
                        path.rect(x + (c + border) * box, y, count * box, box)
                    c += count
            canvas.setFillColorRGB(*INK)
            canvas.drawPath(path, stroke=0, fill=1)

        return draw

    def _copy_box(self) -> Row:
        mark = self.texts["copy_mark"]
        line = Line(f"{mark.ar} / {mark.en}", self.fmt.size + 2, bold=True)
        width = self.engine.width(line.text, line.size, bold=True) + 4 * mm
        centre = self.fmt.width / 2
        height = line.height + 1.5 * mm
        text_draw = self._text_draw(line, centre, 0.9 * mm, "centre")

        def draw(canvas: Canvas, top: float) -> None:
            canvas.setStrokeColorRGB(*INK)
            canvas.setLineWidth(1.2)
            canvas.rect(centre - width / 2, top - height + 0.3 * mm, width, height - 0.6 * mm)
            text_draw(canvas, top)

        return Row(height + 1 * mm, [draw])

    def _barcode(self, centre: float, offset: float) -> tuple[float, Draw]:
        fmt = self.fmt
        barcode = code128.Code128(
            self.data.barcode_value,
            barWidth=fmt.bar_width,
            barHeight=fmt.bar_height,
            humanReadable=False,
        )
        x = centre - barcode.width / 2

        def draw(canvas: Canvas, top: float) -> None:
            canvas.setFillColorRGB(*INK)
            barcode.drawOn(canvas, x, top - offset - fmt.bar_height)

        return fmt.bar_height, draw

    def _number(self) -> list[Row]:
        """The request number, large, over its Code 128 barcode; the QR code beside them on
        wide pages."""
        fmt, label = self.fmt, self.texts["label.number"]
        number = Line(ltr(self.data.number), round(fmt.size * 2.0, 1), bold=True)
        if not fmt.wide:
            centre = fmt.width / 2
            heading = Line(f"{label.ar} / {label.en}", self.small, colour=self.grey)
            height, draws = self._stack([heading, number], centre, "centre")
            bar_height, bar_draw = self._barcode(centre, height + 1 * mm)
            block = Row(height + 1 * mm + bar_height + 1.5 * mm, [*draws, bar_draw])
            return [self._space(1 * mm), block, self._rule(2 * mm, INK)]

        # Number and barcode centred in the space right of the QR code; the label (Arabic
        # over English) to the right of the number.
        area_left = self.left + fmt.qr_size + 3 * mm
        centre = (area_left + self.right) / 2
        ar = Line(label.ar, self.small, bold=True, colour=self.grey)
        en = Line(label.en, self._smaller(0.9), colour=self.grey, rtl=False)
        number_width = self.engine.width(number.text, number.size, bold=True)
        label_width = max(
            self.engine.width(ar.text, ar.size, bold=True), self.engine.width(en.text, en.size)
        )
        group = number_width + 2.5 * mm + label_width
        number_right = centre - group / 2 + number_width
        label_right = centre + group / 2
        top_pad = (number.height - ar.height - en.height) / 2
        draws = [
            self._text_draw(number, number_right, 0.0, "right"),
            self._text_draw(ar, label_right, top_pad, "right"),
            self._text_draw(en, label_right, top_pad + ar.height, "right"),
        ]
        bar_height, bar_draw = self._barcode(centre, number.height + 0.5 * mm)
        height = max(number.height + 0.5 * mm + bar_height, fmt.qr_size) + 1.5 * mm
        return [
            Row(height, [*draws, bar_draw, self._qr(self.left, fmt.qr_size)]),
            self._rule(2 * mm, INK),
        ]

    def _working_days(self) -> str:
        n = self.data.resolution_working_days
        form = "one" if n == 1 else "two" if n == 2 else "few" if 3 <= n <= 10 else "many"
        return self.texts[f"working_days.{form}"].ar.format(n=n)

    def _fields(self) -> list[Row]:
        d, s = self.data, self.fmt.size
        due = self.texts["due_value"].ar.format(working_days=self._working_days(),
                                                date=unbroken(d.due_date))
        service_en = Line(d.service_name_en, self.small, colour=self.grey,
                          rtl=is_rtl(d.service_name_en))
        rows = [
            self._field("label.service", [Line(d.service_name_ar, s, bold=True), service_en]),
            *(self._field(Text(ar, en), [Line(protect_numbers(isolate(value)), s)])
              for ar, en, value in d.service_fields),
            self._field("label.applicant", [Line(isolate(d.applicant_name), s)]),
            self._field("label.applicant_id", [Line(ltr(d.applicant_id_masked), s)]),
        ]
        if d.beneficiary_name:
            relation = [Line(d.relation_ar, s)] if d.relation_ar else []
            if d.relation_en:
                relation.append(Line(d.relation_en, self.small, colour=self.grey, rtl=False))
            rows += [
                self._field("label.beneficiary", [Line(isolate(d.beneficiary_name), s)]),
                self._field("label.beneficiary_id", [Line(ltr(d.beneficiary_id_masked), s)]),
                self._field("label.relation", relation),
            ]

        def when(value: Line, hijri: str) -> list[Line]:  # a date never splits across lines
            return [value, Line(unbroken(hijri), s, colour=self.grey)]

        return rows + [
            self._field("label.submitted",
                        when(Line(unbroken(d.submitted_at), s), d.submitted_at_hijri)),
            self._field("label.due", when(Line(due, s, bold=True), d.due_date_hijri)),
            self._field("label.follow_up",
                        when(Line(unbroken(d.follow_up_from), s), d.follow_up_from_hijri)),
            self._field("label.clerk", [Line(isolate(d.clerk), s)]),
            *([self._field("label.former_number",
                           [Line(ltr(n), s, bold=True) for n in d.former_numbers])]
              if d.former_numbers else []),
        ]

    def _documents(self) -> list[Row]:
        s = self.fmt.size
        rows = [self._space(1 * mm), self._heading("label.documents")]
        if not self.data.documents:
            return rows + self._full_width(Line(self.texts["no_documents"].ar, s, colour=self.grey))
        for label in self.data.documents:
            rows += self._full_width(Line(protect_numbers(label), s), indent=s * 0.9, bullet=True)
        return rows

    def _description(self) -> list[Row]:
        s = self.fmt.size
        rows = [self._space(1 * mm), self._heading("label.description")]
        for paragraph in self.data.description.strip().splitlines():
            if not paragraph.strip():
                rows.append(self._space(s * 0.6))
                continue
            line = Line(protect_numbers(paragraph), s, rtl=is_rtl(paragraph))
            rows += self._full_width(line)
        return rows

    def _conditions(self) -> list[Row]:
        small = self.small
        title, body = self.texts["conditions.title"], self.texts["conditions.body"]
        rows = [self._space(1.5 * mm)]
        rows += self._full_width(Line(title.ar, small, bold=True))
        rows[-1].keep_with_next = True
        rows += self._full_width(Line(body.ar, small))
        rows.append(self._space(0.8 * mm))
        rows += self._full_width(Line(body.en, self._smaller(0.95), colour=self.grey, rtl=False))
        return rows

    def _hours(self) -> tuple[str, str]:
        d, t = self.data, self.texts
        days = list(dict.fromkeys(d.working_weekdays))
        names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        day = [t[f"weekday.{names[n - 1]}"] for n in days]
        consecutive = all((b - a) % 7 == 1 for a, b in zip(days, days[1:], strict=False))
        if consecutive and len(days) > 1:
            hours = t["hours"]
            values = {"opens": d.office_opens, "closes": d.office_closes}
            return (
                hours.ar.format(first_day=day[0].ar, last_day=day[-1].ar, **values),
                hours.en.format(first_day=day[0].en, last_day=day[-1].en, **values),
            )
        hours = t["hours_days"]
        values = {"opens": d.office_opens, "closes": d.office_closes}
        return (
            hours.ar.format(days="، ".join(x.ar for x in day), **values),
            hours.en.format(days=", ".join(x.en for x in day), **values),
        )

    def _footer(self) -> list[Row]:
        d, s, small = self.data, self.fmt.size, self.small
        enquiry = self.texts["enquiry"]
        hours_ar, hours_en = self._hours()
        phone = ltr(d.enquiry_phone)
        rows = [self._rule(3 * mm)]
        rows += self._full_width(
            Line(f"{enquiry.ar.format(phone=phone)} — {hours_ar}", s, bold=True)
        )
        rows += self._full_width(
            Line(
                f"{enquiry.en.format(phone=d.enquiry_phone)} · {hours_en}",
                self._smaller(0.95),
                colour=self.grey,
                rtl=False,
            )
        )
        rows += self._full_width(Line(self.texts["keep_receipt"].ar, small, colour=self.grey))
        return rows

    def rows(self) -> list[Row]:
        return [
            *self._header(),
            *self._number(),
            *self._fields(),
            *self._documents(),
            *self._description(),
            *self._conditions(),
            *self._footer(),
        ]

    def continuation(self, page: int, pages: int) -> Row:
        """The line heading every page after the first."""
        text = self.texts["continued"].ar.format(
            number=ltr(self.data.number), page=page, pages=pages
        )
        line = Line(text, self.small, colour=self.grey)
        _, draws = self._stack([line], self.right, "right")
        return Row(line.height + 2 * mm, draws)
