"""The supervisors' daily summary as an A4 PDF, Arabic first, drawn like a receipt.

The figures are storage.reports.DashboardFigures; the words are messages.toml ``summary.*``.
The rows are made by the receipt layout's own builders (headings with their English, label
and value fields, full-width paragraphs), drawn with the receipt's text engine (per-line
shaping and bidi), paginated by the receipt renderer, under its render lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from tawasul_desktop.domain.bidi import isolate, ltr
from tawasul_desktop.domain.hijri import format_date, format_hijri
from tawasul_desktop.domain.lifecycle import Status, status_name
from tawasul_desktop.domain.messages import message
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.receipts.layout import FORMATS, GREY, Line, PageFormat, ReceiptLayout, Row
from tawasul_desktop.receipts.renderer import _RENDER_LOCK, _engine, _paginate, draw_pages
from tawasul_desktop.receipts.text import TextEngine, protect_numbers
from tawasul_desktop.receipts.texts import Text
from tawasul_desktop.storage.queue import QueueRow
from tawasul_desktop.storage.reports import DashboardFigures, Sla
from tawasul_desktop.storage.store import Store


def _text(code: str, **values: object) -> Text:
    ar, en = message(code, **values)
    return Text(ar, en)


def _percent(sla_rate: float | None) -> str:
    return "—" if sla_rate is None else ltr(f"{sla_rate * 100:.1f}%")


class SummaryLayout(ReceiptLayout):
    """The receipt layout's row builders over the summary's own texts (no ReceiptData)."""

    def __init__(self, fmt: PageFormat, engine: TextEngine, texts: dict[str, Text]) -> None:
        self.fmt, self.engine, self.texts = fmt, engine, texts
        self.right, self.left = fmt.width - fmt.margin, fmt.margin
        self._set_ink(fmt)
        self.gap = 2.5 * mm
        labels = [t for k, t in texts.items() if k.startswith("label.")]
        self.label_width = min(fmt.content_width * 0.4, max(
            engine.width(t.ar, fmt.size, bold=True) for t in labels) + 0.5)
        self.en_label_width = min(fmt.content_width * 0.25, max(
            engine.width(t.en, self.small) for t in labels) + 0.5)
        self.value_right = self.right - self.label_width - self.gap
        self.value_left = self.left + self.en_label_width + self.gap

    def title(self, centre: str, date_line: str) -> list[Row]:
        title = self.texts["title"]
        big = Line(title.ar, self.fmt.size + 5, bold=True)
        rows = self._full_width(big)
        rows += self._full_width(Line(title.en, self.small, colour=GREY, rtl=False))
        rows += self._full_width(Line(centre, self.fmt.size, bold=True))
        rows += self._full_width(Line(protect_numbers(date_line), self.fmt.size))
        return [*rows, self._rule(3 * mm)]

    def section(self, key: str) -> list[Row]:
        return [self._space(1.5 * mm), self._heading(key)]

    def field(self, key: str, value: str) -> Row:
        return self._field(key, [Line(protect_numbers(value), self.fmt.size)])

    def paragraph(self, text: str, bullet: bool = True) -> list[Row]:
        line = Line(protect_numbers(text), self.fmt.size)
        return self._full_width(line, indent=self.fmt.size * 0.9 if bullet else 0.0,
                                bullet=bullet)

    def continuation(self, page: int, pages: int) -> Row:
        text = self.texts["continued"].ar.format(page=page, pages=pages)
        line = Line(text, self.small, colour=GREY)
        _, draws = self._stack([line], self.right, "right")
        return Row(line.height + 2 * mm, draws)


def summary_rows(store: Store, figures: DashboardFigures, layout: SummaryLayout) -> list[Row]:
    f, settings = figures, store.settings
    zone = ZoneInfo(store.policy.calendar.timezone)
    local = f.now.astimezone(zone)
    date_line = message("summary.date", date=format_date(f.today, "ar"),
                        hijri=format_hijri(f.today, "ar"), time=ltr(local.strftime("%H:%M")))[0]
    rows = layout.title(settings.centre_name_ar, date_line)

    def service_name(code: str) -> str:
        service = store.catalogue.get(code)
        return service.name_ar if service else code

    total = f.sla_total()
    rows += layout.section("figures")
    rows += [
        layout.field("label.intake_today", str(sum(f.intake_today.values()))),
        layout.field("label.overdue_total", str(f.overdue_total)),
        layout.field("label.due_soon_total", str(f.due_soon_total)),
        layout.field("label.sla_overall", _percent(total.rate)),
        layout.field("label.follow_up_rate", _percent(f.follow_up_rate)),
        layout.field("label.period", message("summary.period_value",
                                             start=ltr(f.period_start.isoformat()),
                                             end=ltr(f.today.isoformat()))[0]),
    ]
    rows += layout.section("by_status")
    counts = f.by_status()
    rows += [layout.field(f"label.status.{s.value}", str(counts[s.value]))
             for s in Status if counts.get(s.value)]

    def sla_value(sla: Sla) -> str:
        return message("summary.sla_value", rate=_percent(sla.rate), met=sla.met,
                       missed=sla.missed)[0]

    rows += layout.section("sla_by_service")
    for code, sla in sorted(f.sla_by_service.items(), key=lambda kv: service_name(kv[0])):
        rows += layout.paragraph(f"{service_name(code)}: {sla_value(sla)}")

    rows += layout.section("workload")
    if not f.workload:
        rows += layout.paragraph(message("summary.none")[0], bullet=False)
    for w in f.workload:
        who = w.assignee or message("summary.nobody")[0]
        value = message("summary.workload_value", running=w.running, returned=w.returned)[0]
        rows += layout.paragraph(f"{isolate(who)}: {value}")

    def request_lines(listed: list[QueueRow], total_count: int) -> list[Row]:
        if not listed:
            return layout.paragraph(message("summary.none")[0], bullet=False)
        out: list[Row] = []
        for r in listed:
            state, left = f.deadlines.get(r.number, (None, 0))
            days = {"days": abs(left)} if state is not None and left else {}
            kind = state.value if state is not None else "done"
            state_text = message(f"export.deadline.{kind}", **days)[0]
            out += layout.paragraph(message(
                "summary.request_line", number=ltr(parse_number(r.number).display),
                service=service_name(r.service), due=ltr(r.due_date.isoformat()),
                state=state_text)[0])
        if total_count > len(listed):
            out += layout.paragraph(message("summary.more", count=total_count - len(listed))[0],
                                    bullet=False)
        return out

    rows += layout.section("overdue")
    rows += request_lines(f.overdue, f.overdue_total)
    rows += layout.section("due_soon")
    rows += request_lines(f.due_soon, f.due_soon_total)
    return rows


def _texts() -> dict[str, Text]:
    texts = {key: _text(f"summary.{key}") for key in (
        "title", "figures", "by_status", "sla_by_service", "workload", "overdue", "due_soon")}
    texts["continued"] = _text("summary.continued", page="{page}", pages="{pages}")
    for key in ("intake_today", "overdue_total", "due_soon_total", "sla_overall",
                "follow_up_rate", "period"):
        texts[f"label.{key}"] = _text(f"summary.{key}")
    for s in Status:
        texts[f"label.status.{s.value}"] = Text(status_name(s, "ar"), status_name(s, "en"))
    return texts


def write_daily_summary(store: Store, figures: DashboardFigures,
                        out: str | Path | BinaryIO) -> None:
    """Write the summary PDF (A4); safe beside receipts being rendered in other threads."""
    fmt = FORMATS["a4"]
    with _RENDER_LOCK:
        engine = _engine(store.settings.receipt_font)
        layout = SummaryLayout(fmt, engine, _texts())
        rows = summary_rows(store, figures, layout)
        assert fmt.height is not None
        usable = fmt.height - fmt.margin_top - fmt.margin_bottom
        pages = _paginate(rows, usable, usable - layout.continuation(2, 2).height)
        target = str(out) if isinstance(out, Path) else out
        canvas = Canvas(target, pagesize=(fmt.width, fmt.height), pageCompression=1,
                        initialFontName=engine.fonts.regular.name, lang="ar")
        canvas.setTitle(f"{layout.texts['title'].en} {figures.today.isoformat()}")
        canvas.setAuthor(store.settings.centre_name_en)
        canvas.setCreator("Tawasul Desk")
        draw_pages(canvas, pages, layout.continuation, fmt.height - fmt.margin_top)
        canvas.save()
