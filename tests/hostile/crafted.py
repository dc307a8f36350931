"""Crafted files for the hostile-input suite: real PDFs, JPEGs and PNGs, bombs and polyglots.

Built in the tests from their formats' structure (no fixtures on disk), so each is exactly
what its name says.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def pdf(pages: int = 1, box: str = "0 0 595 842", tail: bytes = b"") -> bytes:
    """A PDF of ``pages`` blank pages of MediaBox ``box`` with a proper cross-reference."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>"]
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects.append(f"<</Type/Pages/Kids[{kids}]/Count {pages}>>".encode())
    objects += [f"<</Type/Page/Parent 2 0 R/MediaBox[{box}]>>".encode()] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj".encode() + body + b"endobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out) + tail


def pdf_bomb() -> bytes:
    """A few hundred bytes declaring one page of 200,000 x 200,000 points (70 m square)."""
    return pdf(1, "0 0 200000 200000")


def image(kind: str = "JPEG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, kind)
    return buffer.getvalue()


ELF_HEADER = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 44


def elf_behind_jpeg_header() -> bytes:
    """The JPEG signature and an APP0 segment, then an ELF executable's body."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + (
        ELF_HEADER * 40
    )


def jpeg_then_elf() -> bytes:
    """A whole, decodable JPEG with an executable appended after its end marker."""
    return image("JPEG") + ELF_HEADER * 40


def png_then_zip() -> bytes:
    return image("PNG") + b"PK\x03\x04" + b"\x14\x00" * 20


def pdf_html_polyglot() -> bytes:
    """A valid PDF that a browser also renders as a page running a script."""
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    return pdf(1, tail=page)


def pdf_with_html_inside() -> bytes:
    """HTML hidden in a comment inside the PDF body, %%EOF still last."""
    body = pdf(1)
    return body.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%<html><script>x()</script>\n", 1)


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG declaring width x height pixels, its (all-zero) rows compressed to a few KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(
        b"IEND", b"")


def truncated_png() -> bytes:
    whole = image("PNG", (64, 64))
    return whole[: len(whole) // 2]
