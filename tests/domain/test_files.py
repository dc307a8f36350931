"""File type sniffing and safe display names."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tawasul_desktop.domain.files import DISPLAY_NAME_MAX_CHARS, display_name, sniff_media_type


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\xff\xd8\xff\xe1Exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (bytearray(b"%PDF-1.4"), "application/pdf"),
        (memoryview(b"\x89PNG\r\n\x1a\nrest"), "image/png"),
    ],
)
def test_accepted_types_are_recognised(content: bytes, media_type: str) -> None:
    assert sniff_media_type(content) == media_type


@pytest.mark.parametrize(
    "content",
    [
        None,
        b"",
        b"%PDF",  # no dash
        b" %PDF-1.4",  # not at the start
        b"\xff\xd8",  # truncated JPEG marker
        b"\x89PNG\r\n\x1a",  # truncated PNG signature
        b"\x89PNG\n\r\x1a\n",  # signature mangled by a text-mode copy
        b"GIF89a",
        b"PK\x03\x04",  # zip / docx
        b"MZ\x90\x00",  # Windows executable
        b"<html><script>",
    ],
)
def test_other_content_is_not_accepted(content: bytes | None) -> None:
    assert sniff_media_type(content) is None


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("scan.pdf", "scan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\x", "x"),
        ("C:\\Users\\أحمد\\Documents\\جواز.pdf", "جواز.pdf"),
        ("\\\\server\\share\\iqama.png", "iqama.png"),
        ("/home/clerk/mixed\\style/photo.jpg", "photo.jpg"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("a\x00b\x1f\nc.pdf", "abc.pdf"),
        ("  my   scan .pdf  ", "my scan .pdf"),
        ("\ud800ok.pdf", "ok.pdf"),
    ],
)
def test_display_name_is_a_clean_basename(name: str, shown: str) -> None:
    assert display_name(name) == shown


@pytest.mark.parametrize("name", ["", "   ", "..", ".", "dir/", "../..", "\u202e", None])
def test_empty_display_names_fall_back(name: str | None) -> None:
    assert display_name(name) == "file"
    assert display_name(name, fallback="مرفق") == "مرفق"


def test_long_names_are_shortened_keeping_the_extension() -> None:
    shown = display_name("x" * 500 + ".pdf")
    assert len(shown) == DISPLAY_NAME_MAX_CHARS
    assert shown.endswith("….pdf") and shown.startswith("xxx")
    no_extension = display_name("y" * 10_000_000)
    assert len(no_extension) == DISPLAY_NAME_MAX_CHARS and no_extension.endswith("…")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=600))
def test_display_name_is_always_safe(name: str) -> None:
    shown = display_name(name)
    assert shown
    assert len(shown) <= DISPLAY_NAME_MAX_CHARS
    assert "/" not in shown and "\\" not in shown
    assert shown.strip(". ") != ""
    for ch in shown:
        assert unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Zl", "Zp"}, repr(ch)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=32))
def test_sniffing_never_raises(content: bytes) -> None:
    assert sniff_media_type(content) in {None, "application/pdf", "image/jpeg", "image/png"}


def test_a_remembered_display_name_is_the_name_worked_out_again():
    """Names of a few characters are remembered (an import names the same files on many
    lines); a long one is worked out each time and not kept."""
    from tawasul_desktop.domain import files

    names = ["id.pdf", "../../etc/passwd", "C:\\Windows\\x.pdf", "a\u202egpj.exe", " . ", "",
             "ملف   الهوية.pdf", "x" * 479 + ".pdf"]
    for name in names * 2:
        assert display_name(name) == files._display_name(name, "file")
        assert display_name(name, "other") == files._display_name(name, "other")
    kept = files._remembered_display_name.cache_info().currsize
    long_name = "y" * (files._REMEMBERED_NAME_CHARS + 1) + ".pdf"
    assert display_name(long_name) == files._display_name(long_name, "file")
    assert files._remembered_display_name.cache_info().currsize == kept
