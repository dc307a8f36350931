"""Find, check and register the fonts a receipt is drawn with.

ReportLab draws characters through the font's character map only: it does no OpenType
shaping. Arabic is therefore drawn as the presentation forms that ``arabic_reshaper``
produces, and a usable Arabic font must map those forms (U+FB50–U+FEFC). Many good Arabic
fonts (Noto Sans Arabic, Noto Naskh Arabic) carry no Latin letters; they are paired with a
Latin companion font (Noto Sans, DejaVu Sans…) that draws Latin letters, digits and
punctuation. Fonts with both scripts (DejaVu Sans, Tahoma, Arial, Segoe UI) need no companion.

The search runs once per process (fontconfig on Linux, the Windows fonts folder, known
paths elsewhere); registration with ReportLab happens once per font file.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import arabic_reshaper
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from tawasul_desktop.receipts import tounicode

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "install a TrueType font with Arabic letters (on Debian/Ubuntu: apt install fonts-noto-core) "
    "or set receipt.font in the configuration file to the path of such a .ttf file"
)

# Every letter of the Arabic alphabet (plus hamza forms, taa marbuta, alef maksura and the
# Persian letters common in names) in isolated, initial, medial and final position, and the
# lam-alef ligatures: the presentation forms a font must map to draw our shaped text.
_ARABIC_SAMPLE_LETTERS = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىيپچژکگی"
_ARABIC_SAMPLE = " ".join(
    [_ARABIC_SAMPLE_LETTERS]
    + [f"{c} ب{c} ب{c}ب {c}ب" for c in _ARABIC_SAMPLE_LETTERS]
    + ["لا لأ لإ لآ بلا بلأ بلإ بلآ ، ؛ ؟"]
)
_LATIN_SAMPLE = "".join(chr(c) for c in range(0x21, 0x7F))

# Preferred fontconfig families, best first. A family missing here is still used if it
# passes the coverage check, after these.
_PREFERRED_ARABIC_FAMILIES = (
    "Noto Sans Arabic UI",
    "Noto Sans Arabic",
    "Noto Naskh Arabic UI",
    "Noto Naskh Arabic",
    "DejaVu Sans",
    "Tahoma",
    "Arial",
    "Segoe UI",
)
_PREFERRED_LATIN_FAMILIES = ("Noto Sans", "DejaVu Sans", "Liberation Sans", "Arial")
# Families that have Arabic glyphs but are the wrong register for a receipt.
_AVOIDED_FAMILIES = ("Mono", "Nastaliq", "Kufi")

# (regular, bold) file names in %WINDIR%\Fonts, best first.
_WINDOWS_FONTS = (
    ("tahoma.ttf", "tahomabd.ttf"),
    ("arial.ttf", "arialbd.ttf"),
    ("segoeui.ttf", "segoeuib.ttf"),
)
# Known paths where fontconfig is missing (minimal containers, macOS).
_KNOWN_PATHS = (
    (
        "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/System/Library/Fonts/Supplemental/Tahoma.ttf",
        "/System/Library/Fonts/Supplemental/Tahoma Bold.ttf",
    ),
    (
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    ),
)
_KNOWN_LATIN_PATHS = (
    (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
)


class ReceiptFontError(RuntimeError):
    """No usable font: the message says what to install or configure."""


@dataclass(frozen=True)
class FontPair:
    """Regular and bold font files; ``latin_*`` when the Arabic font lacks Latin letters."""

    regular: Path
    bold: Path
    latin_regular: Path | None = None
    latin_bold: Path | None = None

    def describe(self) -> str:
        text = f"{self.regular.name} / {self.bold.name}"
        if self.latin_regular is not None and self.latin_bold is not None:
            text += f" with {self.latin_regular.name} / {self.latin_bold.name} for Latin"
        return text


@dataclass(frozen=True)
class Face:
    """A registered ReportLab font and the characters it can draw."""

    name: str
    chars: frozenset[int]


@dataclass(frozen=True)
class FontSet:
    """The registered faces of a FontPair: ``latin`` is None when ``main`` covers Latin."""

    regular: Face
    bold: Face
    latin_regular: Face | None
    latin_bold: Face | None


def _reshaped_sample() -> str:
    return str(arabic_reshaper.reshape(_ARABIC_SAMPLE)).replace(" ", "")


def _font_name(path: Path) -> str:
    return f"Tawasul-{path.stem}-{zlib.crc32(str(path).encode()):08x}"


@cache
def _load(path: Path) -> TTFont | None:
    """The parsed font, or None when ReportLab cannot use the file."""
    try:
        return TTFont(_font_name(path), str(path))
    except (TTFError, OSError, ValueError) as exc:
        log.debug("font %s is not usable by ReportLab: %s", path, exc)
        return None


@cache
def _charset(path: Path) -> frozenset[int] | None:
    """The code points a TrueType file maps, or None when ReportLab cannot use the file."""
    font = _load(path)
    return None if font is None else frozenset(font.face.charToGlyph)


def _covers(path: Path, text: str) -> bool:
    chars = _charset(path)
    return chars is not None and all(ord(c) in chars for c in text)


def has_arabic(path: Path) -> bool:
    return _covers(path, _reshaped_sample())


def has_latin(path: Path) -> bool:
    return _covers(path, _LATIN_SAMPLE)


def _bold_sibling(regular: Path) -> Path:
    """The bold file beside a regular one, by the usual naming schemes; else the regular."""
    stem, suffix = regular.stem, regular.suffix
    names = []
    for marker in ("Regular", "Book", "regular", "book"):
        if marker in stem:
            names.append(stem.replace(marker, "Bold"))
    names += [f"{stem}-Bold", f"{stem}Bold", f"{stem}bd", f"{stem}b", f"{stem} Bold"]
    for name in names:
        candidate = regular.with_name(name + suffix)
        if candidate != regular and candidate.is_file():
            return candidate
    return regular


# --- system search ---------------------------------------------------------------------------


def _fc_list(pattern: str) -> list[tuple[str, str, Path]]:
    """(family, style, file) of fontconfig matches, or [] without fontconfig."""
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run(
            [exe, pattern, "family", "style", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        # "/path/file.ttf: Family,Alt family:style=Bold,Other"
        path, _, rest = line.partition(": ")
        family, _, style = rest.partition(":style=")
        found.append((family.split(",")[0].strip(), style.split(",")[0].strip(), Path(path)))
    return found


def _fc_pairs(pattern: str, preferred: Iterable[str]) -> Iterator[tuple[Path, Path]]:
    """(regular, bold) files per fontconfig family, preferred families first."""
    by_family: dict[str, dict[str, Path]] = {}
    for family, style, path in _fc_list(pattern):
        if path.suffix.lower() != ".ttf" or any(a in family for a in _AVOIDED_FAMILIES):
            continue
        by_family.setdefault(family, {})[style.lower()] = path
    order = [f for f in preferred if f in by_family]
    order += sorted(f for f in by_family if f not in order)
    for family in order:
        styles = by_family[family]
        regular = styles.get("regular") or styles.get("book")
        if regular is None:
            continue
        yield regular, styles.get("bold", regular)


def _windows_pairs() -> Iterator[tuple[Path, Path]]:
    if sys.platform != "win32":
        return
    folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    for regular, bold in _WINDOWS_FONTS:
        reg, bld = folder / regular, folder / bold
        if reg.is_file():
            yield reg, bld if bld.is_file() else reg


def _known_pairs(pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[Path, Path]]:
    for regular, bold in pairs:
        reg, bld = Path(regular), Path(bold)
        if reg.is_file():
            yield reg, bld if bld.is_file() else reg


def _arabic_candidates() -> Iterator[tuple[Path, Path]]:
    yield from _windows_pairs()
    yield from _fc_pairs(":lang=ar", _PREFERRED_ARABIC_FAMILIES)
    yield from _known_pairs(_KNOWN_PATHS)


def _latin_candidates() -> Iterator[tuple[Path, Path]]:
    yield from _windows_pairs()
    yield from _fc_pairs(":lang=en", _PREFERRED_LATIN_FAMILIES)
    yield from _known_pairs(_KNOWN_LATIN_PATHS)


def _with_latin(regular: Path, bold: Path) -> FontPair | None:
    """A FontPair for an Arabic font, adding a Latin companion when it needs one."""
    if has_latin(regular) and has_latin(bold):
        return FontPair(regular, bold)
    for latin_regular, latin_bold in _latin_candidates():
        if has_latin(latin_regular) and has_latin(latin_bold):
            return FontPair(regular, bold, latin_regular, latin_bold)
    return None


@cache
def find_arabic_font(configured: str | None = None) -> FontPair:
    """The fonts to draw receipts with: the configured file, else the best system font.

    Raises ReceiptFontError (naming what to install or configure) when nothing can draw
    both Arabic and Latin text; a receipt is never drawn with missing glyphs.
    """
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise ReceiptFontError(f"the receipt font {path} does not exist; {INSTALL_HINT}")
        if _charset(path) is None:
            raise ReceiptFontError(
                f"the receipt font {path} is not a TrueType font ReportLab can embed "
                f"(PostScript-outline .otf fonts are not supported); {INSTALL_HINT}"
            )
        if not has_arabic(path):
            raise ReceiptFontError(f"the receipt font {path} has no Arabic letters; {INSTALL_HINT}")
        bold = _bold_sibling(path)
        if not has_arabic(bold):
            bold = path
        pair = _with_latin(path, bold)
        if pair is None:
            raise ReceiptFontError(
                f"the receipt font {path} has no Latin letters and no Latin font was found "
                "to go with it; install fonts-noto-core or fonts-dejavu-core"
            )
        return pair
    for regular, bold in _arabic_candidates():
        if not has_arabic(regular):
            continue
        if not has_arabic(bold):
            bold = regular
        pair = _with_latin(regular, bold)
        if pair is not None:
            log.info("receipt font: %s", pair.describe())
            return pair
    raise ReceiptFontError(f"no font for Arabic receipts was found; {INSTALL_HINT}")


def _face(path: Path) -> Face:
    font, chars = _load(path), _charset(path)
    if font is None or chars is None:  # pragma: no cover - checked by find_arabic_font
        raise ReceiptFontError(f"the receipt font {path} cannot be read; {INSTALL_HINT}")
    if font.fontName not in pdfmetrics.getRegisteredFontNames():
        # ReportLab embeds TrueType fonts as subsets of the glyphs used, per document.
        pdfmetrics.registerFont(font)
    return Face(font.fontName, chars)


@cache
def register_fonts(pair: FontPair) -> FontSet:
    """Register the fonts of ``pair`` with ReportLab (once per process) and return them."""
    tounicode.install()  # copied and searched text reads as letters, not presentation forms
    latin_regular = _face(pair.latin_regular) if pair.latin_regular else None
    latin_bold = _face(pair.latin_bold) if pair.latin_bold else None
    return FontSet(_face(pair.regular), _face(pair.bold), latin_regular, latin_bold)
