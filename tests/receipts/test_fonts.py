"""Finding a font that draws Arabic and Latin; refusing clearly when there is none."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from receipt_pdf import make_data

from tawasul_desktop.receipts import ReceiptFontError, find_arabic_font, render_receipt
from tawasul_desktop.receipts.fonts import has_arabic, has_latin

NOTO_SANS = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_system_font_covers_arabic_and_latin() -> None:
    pair = find_arabic_font()
    assert has_arabic(pair.regular) and has_arabic(pair.bold)
    latin_regular = pair.latin_regular or pair.regular
    latin_bold = pair.latin_bold or pair.bold
    assert has_latin(latin_regular) and has_latin(latin_bold)
    assert pair.bold.is_file()


def test_missing_configured_font_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "Arabic.ttf"
    with pytest.raises(ReceiptFontError) as error:
        find_arabic_font(str(missing))
    message = str(error.value)
    assert str(missing) in message
    assert "receipt.font" in message and "fonts-noto-core" in message


def test_rendering_with_a_missing_font_writes_no_pdf(tmp_path: Path) -> None:
    out = io.BytesIO()
    with pytest.raises(ReceiptFontError):
        render_receipt(make_data(), out, font_path=str(tmp_path / "missing.ttf"))
    assert out.getvalue() == b""


def test_a_file_that_is_not_a_font_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.ttf"
    fake.write_bytes(b"not a font")
    with pytest.raises(ReceiptFontError, match="not a TrueType font"):
        find_arabic_font(str(fake))


@pytest.mark.skipif(not NOTO_SANS.is_file(), reason="needs fonts-noto-core")
def test_a_configured_font_without_arabic_is_refused() -> None:
    with pytest.raises(ReceiptFontError, match="no Arabic letters"):
        find_arabic_font(str(NOTO_SANS))


@pytest.mark.skipif(not DEJAVU_SANS.is_file(), reason="needs fonts-dejavu-core")
def test_a_configured_font_with_both_scripts_needs_no_companion() -> None:
    pair = find_arabic_font(str(DEJAVU_SANS))
    assert pair.regular == DEJAVU_SANS
    assert pair.bold.name == "DejaVuSans-Bold.ttf"
    assert pair.latin_regular is None
