"""What an attached file really is, judged by decoding all of it, not by its first bytes.

A PDF is opened with PDFium (the engine that later shows it): it must parse, have at least one
page and no more than the policy allows, and no page larger than the policy's limit (a
333-byte PDF can declare a page of kilometres, which a viewer rasterises into gigabytes).
A JPEG or PNG is decoded whole with Pillow (already needed by ReportLab) after its pixel count
is checked against the policy, and its own structure must end where the file ends: an ELF
behind a JPEG header, a ZIP after a PNG, or a PDF that is also an HTML page is refused.

PDFium is not thread-safe: every use in this program holds :data:`PDFIUM_LOCK`.
Qt-free, for the CLI, import, and the desktop alike.
"""

from __future__ import annotations

import io
import re
import struct
import threading
import warnings
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tawasul_desktop.domain.files import JPEG, PDF, PNG, sniff_media_type

if TYPE_CHECKING:
    from tawasul_desktop.domain.policy import IntakePolicy

PDFIUM_LOCK = threading.RLock()

# Markup a browser would run if the file were served or opened as HTML (a PDF+HTML polyglot).
# Searched in the lower-cased bytes with find(): a case-insensitive regex costs 60 ms a MB.
_STREAM_DATA = re.compile(rb"stream\r?\n.*?endstream", re.S)
_MARKUP = (b"<html", b"<script", b"<body", b"<iframe", b"<svg", b"<!doctype", b"javascript:")
_PDF_TAIL = re.compile(rb"%%EOF[\s\x00]*\Z")
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # JPEG markers without a length


@dataclass(frozen=True)
class ContentVerdict:
    """The media type if the file is acceptable, else the problem code and its parameters."""

    media_type: str | None
    problem: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ContentLimits:
    pdf_max_pages: int = 50
    pdf_max_page_points: float = 5000.0  # about 1.76 m; A0 is 2384 x 3370 points
    image_max_pixels: int = 50_000_000


def content_limits(intake: IntakePolicy) -> ContentLimits:
    # The same (frozen) policy gives the same limits: made once for it, not per attachment
    # (the pair holds the policy, so no other object can take its identity).
    last = _LAST_LIMITS[0] if _LAST_LIMITS else None
    if last is not None and last[0] is intake:
        return last[1]
    limits = ContentLimits(
        pdf_max_pages=intake.pdf_max_pages,
        pdf_max_page_points=intake.pdf_max_page_mm * 72 / 25.4,
        image_max_pixels=int(intake.image_max_megapixels * 1_000_000),
    )
    _LAST_LIMITS[:] = [(intake, limits)]
    return limits


_LAST_LIMITS: list[tuple[IntakePolicy, ContentLimits]] = []


def inspect_content(content: bytes, limits: ContentLimits | None = None) -> ContentVerdict:
    """Decide whether ``content`` is a whole, single PDF, JPEG or PNG within ``limits``."""
    limits = limits or ContentLimits()
    media = sniff_media_type(content)
    if media is None:
        return ContentVerdict(None, "attachment.bad_type")
    try:
        if media == PDF:
            return _inspect_pdf(content, limits)
        return _inspect_image(content, media, limits)
    except (RecursionError, MemoryError):
        return ContentVerdict(None, "attachment.not_decodable")


class VerdictMemo:
    """Verdicts already reached during one run, such as an import whose lines share a file:
    the same bytes under the same limits get the same verdict, so decoding them again proves
    nothing. Holds at most ``max_bytes`` of contents (then starts afresh)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        # Per limits, then per content: a run passes the very same limits object every
        # time, found again by identity instead of hashing and comparing the dataclass.
        self._seen: dict[ContentLimits, dict[bytes, ContentVerdict]] = {}
        self._limits: ContentLimits | None = None
        self._verdicts: dict[bytes, ContentVerdict] = {}
        self._held = 0
        self._max = max_bytes

    def inspect(self, content: bytes, limits: ContentLimits | None = None) -> ContentVerdict:
        limits = limits or ContentLimits()
        if limits is not self._limits:
            self._limits, self._verdicts = limits, self._seen.setdefault(limits, {})
        verdict = self._verdicts.get(content)
        if verdict is None:
            verdict = inspect_content(content, limits)
            if len(content) <= self._max:
                if self._held + len(content) > self._max:
                    for verdicts in self._seen.values():
                        verdicts.clear()
                    self._held = 0
                self._verdicts[content] = verdict
                self._held += len(content)
        return verdict


# --- PDF -------------------------------------------------------------------------------------


def _carries_markup(content: bytes) -> bool:
    """Web markup in a PDF: any marker in the PDF's own syntax (objects, comments); inside
    stream data only the long ones. A compressed stream is random bytes, in which a 4-byte
    marker such as ``<svg`` turns up about once in a thousand 3 MB scans: a real document
    must not be refused for that."""
    outside = _STREAM_DATA.sub(b"stream endstream", content).lower()
    if any(marker in outside for marker in _MARKUP):
        return True
    lowered = content.lower()
    return any(marker in lowered for marker in _MARKUP if len(marker) >= 7)


def _inspect_pdf(content: bytes, limits: ContentLimits) -> ContentVerdict:
    if _carries_markup(content) or not _PDF_TAIL.search(content[-1024:]):
        return ContentVerdict(None, "attachment.mixed_content")
    import pypdfium2

    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(content)
        except pypdfium2.PdfiumError:  # damaged, not a PDF after all, or password-protected
            return ContentVerdict(None, "attachment.not_decodable")
        try:
            pages = len(document)
            if pages < 1:
                return ContentVerdict(None, "attachment.not_decodable")
            if pages > limits.pdf_max_pages:
                return ContentVerdict(None, "attachment.too_many_pages",
                                      {"max": limits.pdf_max_pages})
            for index in range(pages):
                width, height = document.get_page_size(index)
                if not (0 < width <= limits.pdf_max_page_points
                        and 0 < height <= limits.pdf_max_page_points):
                    return ContentVerdict(None, "attachment.page_too_large")
            document[0].close()  # the first page must load: it is the one previewed
        except pypdfium2.PdfiumError:
            return ContentVerdict(None, "attachment.not_decodable")
        finally:
            document.close()
    return ContentVerdict(PDF)


# --- images ----------------------------------------------------------------------------------


def _inspect_image(content: bytes, media: str, limits: ContentLimits) -> ContentVerdict:
    end = _png_end(content) if media == PNG else _jpeg_end(content)
    if end is None:
        return ContentVerdict(None, "attachment.not_decodable")
    if not _harmless_tail(content[end:], media):
        return ContentVerdict(None, "attachment.mixed_content")
    from PIL import Image

    too_large = ContentVerdict(None, "attachment.image_too_large",
                               {"max_mp": f"{limits.image_max_pixels / 1e6:g}"})
    kind = ["PNG" if media == PNG else "JPEG"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # ours is lower
            with Image.open(io.BytesIO(content), formats=kind) as image:
                width, height = image.size
                if width < 1 or height < 1:
                    return ContentVerdict(None, "attachment.not_decodable")
                if width * height > limits.image_max_pixels:
                    return too_large
                image.load()  # decode every pixel: a truncated or forged body fails here
    except Image.DecompressionBombError:  # Pillow's own ceiling, met before ours at open
        return too_large
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError, TypeError):
        return ContentVerdict(None, "attachment.not_decodable")
    return ContentVerdict(media)


def _harmless_tail(tail: bytes, media: str, depth: int = 0) -> bool:
    """Bytes after the image: padding, or (JPEG only) further JPEGs as cameras append them
    (multi-picture format); anything else would be a second file riding along."""
    if not tail.strip(b"\x00\xff\r\n\t "):
        return True
    if media == JPEG and depth < 4 and tail.startswith(b"\xff\xd8\xff"):
        end = _jpeg_end(tail)
        return end is not None and _harmless_tail(tail[end:], media, depth + 1)
    return False


def _png_end(content: bytes) -> int | None:
    """Offset just past the IEND chunk, every chunk's CRC checked; None if malformed."""
    pos, view = 8, memoryview(content)
    while pos + 12 <= len(content):
        (length,) = struct.unpack_from(">I", content, pos)
        kind = content[pos + 4:pos + 8]
        data_end = pos + 8 + length
        if data_end + 4 > len(content):
            return None
        (crc,) = struct.unpack_from(">I", content, data_end)
        if zlib.crc32(view[pos + 4:data_end]) != crc:
            return None
        pos = data_end + 4
        if kind == b"IEND":
            return int(pos)
    return None


def _jpeg_end(content: bytes) -> int | None:
    """Offset just past the EOI marker of the JPEG starting at 0; None if malformed."""
    if not content.startswith(b"\xff\xd8"):
        return None
    pos, size = 2, len(content)
    while pos < size:
        if content[pos] != 0xFF:
            return None
        while pos < size and content[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            return None
        marker = content[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if marker in _STANDALONE:
            continue
        if pos + 2 > size:
            return None
        (length,) = struct.unpack_from(">H", content, pos)
        if length < 2:
            return None
        pos += length
        if marker == 0xDA:  # entropy-coded data follows until the next real marker
            while True:
                pos = content.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return None
                following = content[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
    return None
