"""Label/value tables for Qt rich text, laid out from the right in Arabic.

Qt's rich-text engine never mirrors a table: its first cell is always at the left, whatever
the direction of the text. So in Arabic each row is written value first and label last, and
the table spans the width, which puts every label at the far right, where an Arabic line
begins; English stays label first. The confirm page, the enquiry view and the supervisor's
detail pane build their tables with these, so the three read alike.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


def row(label: str, value: str | None, rtl: bool, *, raw: bool = False) -> str:
    """One label/value row; ``raw`` when ``value`` is already HTML."""
    shown = (value or "—") if raw else html.escape(value or "—")
    side = "right" if rtl else "left"
    # The label never wraps (a squeezed column broke it letter by letter); the value takes
    # the rest of the width and wraps.
    label_cell = f"<th align='{side}' style='white-space:nowrap'>{html.escape(label)}</th>"
    value_cell = f"<td align='{side}' width='100%'>{shown}</td>"
    return f"<tr>{value_cell}{label_cell}</tr>" if rtl else f"<tr>{label_cell}{value_cell}</tr>"


def table(rows: Iterable[str], rtl: bool, spacing: int = 4) -> str:
    direction = "rtl" if rtl else "ltr"
    return (f"<table dir='{direction}' width='100%' cellspacing='{spacing}'>"
            f"{''.join(rows)}</table>")


def paragraph(text: str, rtl: bool) -> str:
    """A paragraph of the user's text, aligned where its language begins."""
    return f"<p dir='{'rtl' if rtl else 'ltr'}' align='{'right' if rtl else 'left'}'>" \
           f"{html.escape(text)}</p>"


def document(parts: Iterable[str], rtl: bool) -> str:
    """The whole page in the interface's direction (headings and lists included)."""
    return f"<div dir='{'rtl' if rtl else 'ltr'}'>{''.join(parts)}</div>"
