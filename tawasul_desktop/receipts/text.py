"""Arabic text for ReportLab: shaping, bidi reordering per line, wrapping and font runs.

ReportLab draws glyphs left to right in the order given and does no shaping, so each line
is prepared here: the logical (typed-order) text is wrapped by measuring every word as it
will be drawn (shaped presentation forms); then each line *separately* is shaped with
``arabic_reshaper`` and reordered with python-bidi's ``get_display``. Reordering a whole
paragraph first and wrapping afterwards would put the last words on the first line.

Numbers written with hyphens (``101-03-26-00042-7``, ``2026-11-25``) are reversed by the
Unicode bidi algorithm after Arabic letters (the digits become Arabic numbers and the
hyphen a neutral), so such tokens, codes such as ``POL-2026-778899`` and known
left-to-right fields are wrapped in left-to-right isolates before reordering; the isolate
marks are removed before drawing.

python-bidi's reordering (the Rust unicode-bidi crate) leaves out rule L4, mirroring: a
"(" laid out right to left must be drawn as ")". Which characters were laid out right to
left is found by the reordering itself: each mirrored character is followed by a marker
of bidi class BN, which takes its level; in a reversed (right-to-left) run the marker ends
up before the character. Those characters are swapped for their mirror glyph
(BidiMirroring.txt, as shipped with python-bidi).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from arabic_reshaper import ArabicReshaper
from bidi import get_display
from bidi.mirror import MIRRORED
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from tawasul_desktop.domain.bidi import ltr
from tawasul_desktop.receipts.fonts import Face, FontSet

log = logging.getLogger(__name__)

_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Runs of Latin letters and digits joined by punctuation (2026-12-31, POL-2026-778899,
# A12/345, 1,500.75, INV#77, ahmed.ali@example.com): plain bidi reverses their groups after
# Arabic letters, and protecting only a part of one (its tail, an e-mail's halves) cuts it
# from the rest. A phone number written in spaced groups (+966 50 123 4567, 050 123 4567)
# is one run too, and is kept on one line.
_PHONE = r"\+[0-9]+(?: [0-9]+)*|0[0-9]{1,3}(?: [0-9]{2,4}){2,}(?![0-9])"
_HYPHENATED_NUMBER = re.compile(
    r"\+?[0-9A-Za-z]+(?:[-+/.:_,#@\u2010\u2011][0-9A-Za-z]+)+|" + _PHONE
)
# A format character of bidi class BN that receipt text never contains (U+206A, deprecated).
_L4_MARK = "\u206a"
_MIRRORABLE = re.compile("[" + re.escape("".join(MIRRORED)) + "]")
_MIRRORED_RTL = re.compile(_L4_MARK + "(" + _MIRRORABLE.pattern + ")")
_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")

# Only the lam-alef ligatures, which every Arabic font maps; the default "Allah" ligature
# would also fire inside names such as عبدالله. Harakat are dropped: without OpenType
# positioning ReportLab would draw them beside the letters instead of above them.
_RESHAPER = ArabicReshaper(configuration={"delete_harakat": True, "ARABIC LIGATURE ALLAH": False})


# Joins the words of a value that must not be split across lines (a date); drawn and
# measured as an ordinary space, so the bidi algorithm sees the same text as before.
NO_BREAK = "\u00a0"


def unbroken(value: str) -> str:
    """``value`` kept on one line when wrapped (dates: "6 ديسمبر 2026" never splits)."""
    return value.replace(" ", NO_BREAK)


def protect_numbers(text: str) -> str:
    """Keep hyphenated numbers and ``+`` phone numbers in typed order inside Arabic text."""
    return _HYPHENATED_NUMBER.sub(lambda m: ltr(unbroken(m.group(0))), text)


def is_rtl(text: str) -> bool:
    """Whether a paragraph is Arabic (any Arabic letter) rather than purely Latin."""
    return _ARABIC_LETTER.search(text) is not None


def shape(text: str) -> str:
    return str(_RESHAPER.reshape(text))


def visual(line: str, rtl: bool = True) -> str:
    """One logical line as the glyph sequence to draw left to right, brackets mirrored
    where they run right to left (UAX #9 rule L4)."""
    line = line.replace(_L4_MARK, "").replace(NO_BREAK, " ")
    shaped = _MIRRORABLE.sub(lambda m: m.group(0) + _L4_MARK, shape(line))
    ordered = get_display(shaped, base_dir="R" if rtl else "L")
    mirrored = _MIRRORED_RTL.sub(lambda m: MIRRORED[m.group(1)], ordered)
    return _BIDI_CONTROLS.sub("", mirrored.replace(_L4_MARK, ""))


@dataclass(frozen=True)
class Run:
    font: str
    text: str


class TextEngine:
    """Measures, wraps and draws receipt text with one registered FontSet."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        self._warned: set[int] = set()

    # --- fonts per character -----------------------------------------------------------

    def _faces(self, bold: bool) -> tuple[Face, Face | None]:
        if bold:
            return self.fonts.bold, self.fonts.latin_bold
        return self.fonts.regular, self.fonts.latin_regular

    def runs(self, drawn: str, bold: bool = False) -> list[Run]:
        """Split a visual line into runs of one font: Arabic in the Arabic font, the rest
        (Latin letters, digits, punctuation) in the Latin companion when there is one."""
        main, latin = self._faces(bold)
        if latin is None:
            self._check(drawn, main.chars, frozenset())
            return [Run(main.name, drawn)] if drawn else []
        out: list[Run] = []
        current: Face | None = None
        start = 0
        for i, ch in enumerate(drawn):
            face = self._face_for(ch, main, latin, current)
            if face is not current:
                if current is not None and i > start:
                    out.append(Run(current.name, drawn[start:i]))
                current, start = face, i
        if current is not None and start < len(drawn):
            out.append(Run(current.name, drawn[start:]))
        return out

    def _face_for(self, ch: str, main: Face, latin: Face, current: Face | None) -> Face:
        cp = ord(ch)
        if ch == " " and current is not None:
            return current
        if _ARABIC_LETTER.match(ch) and cp in main.chars:
            return main
        if cp in latin.chars:
            return latin
        if cp in main.chars:
            return main
        self._check(ch, main.chars, latin.chars)
        return main

    def _check(self, drawn: str, *charsets: frozenset[int]) -> None:
        for ch in drawn:
            cp = ord(ch)
            if cp in self._warned or any(cp in cs for cs in charsets):
                continue
            self._warned.add(cp)
            # The code point only: receipt text may contain personal data.
            log.warning("receipt font has no glyph for U+%04X (%s)", cp, unicodedata.name(ch, "?"))

    # --- measuring and wrapping -----------------------------------------------------------

    def width(self, logical: str, size: float, bold: bool = False) -> float:
        """Width in points of logical text once shaped (order does not change width)."""
        return self._unit_width(logical, bold) * size / 1000.0

    @lru_cache(maxsize=4096)  # noqa: B019 - engines live as long as their fonts (process)
    def _unit_width(self, logical: str, bold: bool) -> float:
        drawn = _BIDI_CONTROLS.sub("", shape(logical.replace(NO_BREAK, " ")))
        return float(sum(stringWidth(r.text, r.font, 1000.0) for r in self.runs(drawn, bold)))

    def wrap(self, logical: str, max_width: float, size: float, bold: bool = False) -> list[str]:
        """Logical lines, first line first, each no wider than ``max_width`` when drawn.

        ``\\n`` starts a new paragraph line; an empty paragraph gives an empty line.
        """
        lines: list[str] = []
        for paragraph in logical.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            lines.extend(self._wrap_paragraph(paragraph, max_width, size, bold))
        return lines

    def _wrap_paragraph(self, text: str, max_width: float, size: float, bold: bool) -> list[str]:
        # Split at spaces only: str.split() would also split at NO_BREAK.
        words = [w for w in re.split(r"[ \t\u2000-\u200a\u3000]+", text) if w]
        if not words:
            return [""]
        space = self.width(" ", size, bold)
        lines: list[str] = []
        current: list[str] = []
        current_width = 0.0
        for word in words:
            for piece in self._split_long_word(word, max_width, size, bold):
                w = self.width(piece, size, bold)
                needed = w if not current else current_width + space + w
                if current and needed > max_width:
                    lines.append(" ".join(current))
                    current, current_width = [piece], w
                else:
                    current.append(piece)
                    current_width = needed
        if current:
            lines.append(" ".join(current))
        return lines

    def _split_long_word(
        self, word: str, max_width: float, size: float, bold: bool
    ) -> Iterator[str]:
        """A word wider than the line (a pasted link, a long number) in line-sized pieces."""
        if self.width(word, size, bold) <= max_width:
            yield word
            return
        piece = ""
        for ch in word:
            if piece and self.width(piece + ch, size, bold) > max_width:
                yield piece
                piece = ""
            piece += ch
        if piece:
            yield piece

    # --- drawing ----------------------------------------------------------------------------

    def draw(
        self,
        canvas: Canvas,
        logical: str,
        x: float,
        y: float,
        size: float,
        *,
        bold: bool = False,
        align: str = "right",
        rtl: bool = True,
    ) -> None:
        """Draw one logical line with its baseline at ``y``; ``x`` is the right edge for
        ``align="right"``, the centre for ``"centre"`` and the left edge for ``"left"``."""
        drawn = visual(logical, rtl)
        runs = self.runs(drawn, bold)
        if not runs:
            return
        widths = [stringWidth(r.text, r.font, size) for r in runs]
        total = sum(widths)
        if align == "right":
            x -= total
        elif align == "centre":
            x -= total / 2
        text = canvas.beginText(x, y)
        for run in runs:
            text.setFont(run.font, size)
            text.textOut(run.text)
        canvas.drawText(text)
