"""Rendered receipts read back with poppler: words in reading order, pages, fonts, codes."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from html import unescape as html_unescape
from pathlib import Path

import pytest
from receipt_pdf import (
    DESCRIPTION,
    Render,
    assert_reads,
    find_run,
    make_data,
    pdf_fonts,
    pdf_page_size,
    pdf_pages,
    pdf_text,
    tokens,
)

from tawasul_desktop.receipts import ReceiptData, render_receipt
from tawasul_desktop.receipts.texts import receipt_texts

MM = 72 / 25.4
LONG_PARAGRAPHS = [
    "تقدمت بطلب تجديد جواز السفر لابني القاصر عبر منصة Absher بتاريخ 2026-10-02 "
    "ولم يصلني أي إشعار بعد ذلك رغم مرور أكثر من ثلاثة أسابيع على تقديم الطلب.",
    "راجعت المكتب في الرياض مرتين وأفادني الموظف بأن الطلب معلق بسبب عدم وضوح الصورة "
    "الشخصية، فأرفقت صورة جديدة بمقاس 4x6 وخلفية بيضاء كما هو مطلوب.",
    "أرجو التكرم بمراجعة الطلب رقم 55-12345 وإفادتي بما يلزم لاستكماله، "
    "علماً بأن السفر مقرر بعد شهر من الآن.",
]


@pytest.fixture(scope="module")
def a5_text(tmp_path_factory: pytest.TempPathFactory, poppler: None) -> str:
    out = tmp_path_factory.mktemp("a5") / "receipt.pdf"
    render_receipt(make_data(), out, "a5")
    return pdf_text(out)


# --- content and reading order -------------------------------------------------------------


@pytest.mark.parametrize(
    "expected",
    [
        "إيصال استلام طلب تواصل",
        "المديرية العامة للجوازات",
        "مركز خدمات الجوازات — حي الملز، الرياض",
        "الشباك 3",
        "تجديد جواز السفر",
        "Passport renewal",
        "محمد بن عبدالله القحطاني",
        "******1234",
        "5 جمادى الآخرة 1448 هـ",
        "خلال 7 أيام عمل، أي بحلول 6 ديسمبر 2026",
        "16 جمادى الآخرة 1448 هـ",
        "28 نوفمبر 2026",
        "المتابعة اعتباراً من",
        "صورة جواز السفر السابق",
        "سارة الحربي",
        "للاستفسار: 00966114771100 — من الأحد إلى الخميس، من الساعة 08:00 إلى الساعة 14:30",
    ],
)
def test_a5_shows_each_item_in_reading_order(a5_text: str, expected: str) -> None:
    assert_reads(a5_text, expected)


def test_request_number_is_intact(a5_text: str) -> None:
    assert "101-03-26-00042-7" in tokens(a5_text)


def test_submission_time_is_all_there(a5_text: str) -> None:
    # "25 نوفمبر 2026 10:42" is drawn in correct visual order, but poppler's reconstruction
    # keeps two neighbouring numbers ("2026 10:42") in left-to-right order, so only the
    # pieces are checked here; the order is checked on the drawn string in test_text.py.
    assert_reads(a5_text, "25 نوفمبر")
    assert "10:42" in tokens(a5_text)


def test_description_reads_in_order_with_latin_and_numbers(a5_text: str) -> None:
    for paragraph in DESCRIPTION.splitlines():
        assert_reads(a5_text, paragraph)
    have = tokens(a5_text)
    for run in (
        ["رقم", "A1234567", "الذي"],
        ["بتاريخ", "2026-12-31", "علما"],
        ["منصة", "Absher", "ولم"],
        ["جوالي", "0501234567"],
    ):
        assert find_run(have, run) >= 0, run


def test_conditions_notice_is_printed(a5_text: str) -> None:
    body = receipt_texts()["conditions.body"]
    assert_reads(a5_text, body.ar)
    assert_reads(a5_text, body.en)


def test_latin_applicant_name_inside_the_arabic_receipt(render: Render) -> None:
    text = pdf_text(render(applicant_name="John Michael Smith", clerk="Sarah Al-Harbi"))
    assert_reads(text, "John Michael Smith")
    assert_reads(text, "Sarah Al-Harbi")


def test_long_description_wraps_and_reads_in_order(render: Render) -> None:
    pdf = render("a4", description="\n".join(LONG_PARAGRAPHS))
    assert pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    for paragraph in LONG_PARAGRAPHS:
        assert_reads(text, paragraph)
    # Several lines, first logical line on top: its first words come before the last
    # paragraph's last words, line by line.
    lines = [tokens(line) for line in text.splitlines()]
    first = next(i for i, t in enumerate(lines) if t[:3] == ["تقدمت", "بطلب", "تجديد"])
    last = next(i for i, t in enumerate(lines) if t[-3:] == ["شهر", "من", "الآن"])
    assert last - first >= 4


def test_very_long_description_continues_on_more_pages(render: Render) -> None:
    letters = "بتثجحسشصضطظعغفقكلمنهي"
    words = [f"س{a}{b}ت" for a in letters for b in letters][:420]  # distinct Arabic words
    pdf = render("a5", description=" ".join(words))
    pages = pdf_pages(pdf)
    assert pages >= 2
    have = tokens(pdf_text(pdf))
    positions = [have.index(w) for w in words]
    assert positions == sorted(positions)
    assert_reads(pdf_text(pdf), f"تابع الإيصال 101-03-26-00042-7 — صفحة 2 من {pages}")


def test_copy_is_marked_in_both_languages(render: Render) -> None:
    original = tokens(pdf_text(render()))
    copy_text = pdf_text(render(copy=True))
    assert "نسخة" not in original and "COPY" not in original
    assert "نسخة" in tokens(copy_text) and "COPY" in tokens(copy_text)
    # The diagonal watermark is an artifact: it does not break up the extracted text.
    for paragraph in DESCRIPTION.splitlines():
        assert_reads(copy_text, paragraph)


def test_a_renumbered_request_shows_its_former_number(render: Render) -> None:
    assert "Formerly" not in tokens(pdf_text(render()))
    text = pdf_text(render(copy=True, former_numbers=("101-03-26-00017-4",)))
    assert_reads(text, "رقمه السابق")
    assert "Formerly" in tokens(text) and "101-03-26-00017-4" in tokens(text)


# --- pages, formats, fonts -------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "size"), [("a5", (419.5, 595.3)), ("a4", (595.3, 841.9))])
def test_fixed_formats_fit_a_normal_request_on_one_page(
    render: Render, fmt: str, size: tuple[float, float]
) -> None:
    pdf = render(fmt)
    assert pdf_pages(pdf) == 1
    assert pdf_page_size(pdf) == pytest.approx(size, abs=0.5)


def test_roll_is_80_mm_wide_and_as_long_as_its_content(render: Render) -> None:
    short, long = render("roll80"), render("roll80", description="\n".join(LONG_PARAGRAPHS * 3))
    assert pdf_pages(short) == 1 and pdf_pages(long) == 1
    (width, height), (_, long_height) = pdf_page_size(short), pdf_page_size(long)
    assert width == pytest.approx(80 * MM, abs=0.5)
    assert 150 * MM < height < 400 * MM
    assert long_height > height + 40 * MM
    assert_reads(pdf_text(long), LONG_PARAGRAPHS[-1])


def test_fonts_are_embedded_subsets(render: Render) -> None:
    rows = pdf_fonts(render(applicant_name="John Smith"))
    assert rows
    for row in rows:
        assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes"), row
    assert any("Arab" in row["name"] for row in rows)


def test_no_character_is_drawn_without_a_glyph(
    render: Render, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tawasul_desktop.receipts"):
        render(applicant_name="John O'Neil-Smith", description=DESCRIPTION + " (#1) & [ok]?")
    assert "no glyph" not in caplog.text


def test_unusual_character_is_reported_without_the_text(
    render: Render, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tawasul_desktop.receipts"):
        render(description=DESCRIPTION + " \U0001f600")
    assert "U+1F600" in caplog.text
    assert "أرغب" not in caplog.text


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file(),
    reason="needs fonts-dejavu-core",
)
def test_configured_single_font(render: Render) -> None:
    pdf = render(font_path="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    assert {row["name"].split("+")[-1] for row in pdf_fonts(pdf)} == {
        "DejaVuSans",
        "DejaVuSans-Bold",
    }
    assert_reads(pdf_text(pdf), DESCRIPTION.splitlines()[0])


def test_output_to_a_binary_stream_and_to_a_str_path(tmp_path: Path) -> None:
    stream = io.BytesIO()
    render_receipt(make_data(), stream)
    assert stream.getvalue().startswith(b"%PDF-")
    path = tmp_path / "r.pdf"
    render_receipt(make_data(), str(path), "roll80")
    assert path.read_bytes().startswith(b"%PDF-")


def test_worker_threads_can_render_at_the_same_time(tmp_path: Path, poppler: None) -> None:
    # ReportLab's subsetter reads the shared font file through one cursor (TTFontFile._pos),
    # so unserialised saves can corrupt subsets (seen once as a KeyError in makeSubset); the
    # race is rare, so this is a smoke test of the renderer's lock, not a reliable trigger.
    names = ["John Smith", "Maria Santos", "Ahmed Khan", "Li Wei"]

    def one(i: int) -> Path:
        out = tmp_path / f"t{i}.pdf"
        render_receipt(make_data(applicant_name=names[i % 4]), out, ("a5", "roll80")[i % 2])
        return out

    with ThreadPoolExecutor(max_workers=4) as pool:
        paths = list(pool.map(one, range(16)))
    for i, path in enumerate(paths):
        assert_reads(pdf_text(path), names[i % 4])


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="a5, a4, roll80"):
        render_receipt(make_data(), io.BytesIO(), "letter")


@pytest.mark.parametrize("value", ["", "10103260004\u200b27", "101-03", "١٢٣"])
def test_barcode_value_must_be_ascii_digits(value: str) -> None:
    with pytest.raises(ValueError, match="barcode_value"):
        make_data(barcode_value=value)


def test_working_days_text_follows_the_policy_number(render: Render) -> None:
    text = pdf_text(render("a4", resolution_working_days=12, working_weekdays=(7, 1, 3)))
    assert_reads(text, "خلال 12 يوم عمل")
    assert_reads(text, "أيام الأحد، الاثنين، الأربعاء")


# --- barcodes ------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
@pytest.mark.parametrize("fmt", ["a5", "roll80"])
def test_barcode_and_qr_decode_to_the_barcode_value(
    render: Render, tmp_path: Path, fmt: str
) -> None:
    data: ReceiptData = make_data()
    pdf = render(fmt)
    prefix = tmp_path / f"page-{fmt}"
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(prefix)], check=True
    )
    result = subprocess.run(
        [
            "zbarimg",
            "-q",
            "--raw",
            "-Sdisable",
            "-Scode128.enable",
            "-Sqrcode.enable",
            f"{prefix}.png",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    symbols = sorted(result.stdout.split())
    assert symbols == [data.barcode_value, data.barcode_value], result.stderr


# --- mirrored pairs on the page, and text that copies and searches as letters -------------


def _drawn_words(pdf: Path) -> list[str]:
    """Each word's glyphs as drawn, left to right (pdftotext -bbox keeps the drawn order)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [html_unescape(w) for w in re.findall(r"<word [^>]*>([^<]*)</word>", html)]


def test_every_mirrored_pair_the_fonts_have_is_drawn_around_its_content(
    render: Render,
) -> None:
    from bidi.mirror import MIRRORED

    from tawasul_desktop.receipts.fonts import find_arabic_font, register_fonts

    fonts = register_fonts(find_arabic_font())
    drawable = set(fonts.regular.chars) | set(fonts.latin_regular.chars if fonts.latin_regular
                                              else ())
    pairs = sorted({tuple(sorted((a, b))) for a, b in MIRRORED.items()
                    if MIRRORED.get(b) == a and ord(a) in drawable and ord(b) in drawable})
    assert {("(", ")"), ("<", ">"), ("[", "]"), ("{", "}"), ("«", "»")} <= set(pairs)
    description = " و ".join(f"{o}رمز{c}" for o, c in pairs)
    pdf = render(description=f"متكررة {description} عند")
    words = set(_drawn_words(pdf))  # letters already, through the ToUnicode map
    for opening, closing in pairs:
        # Right to left the pair opens at the right: drawn left to right, mirrored, the
        # opening character's twin comes first (unmirrored it read "]زمر[").
        assert f"{opening}زمر{closing}" in words, (opening, closing)


def test_brackets_with_numbers_read_back_in_place(render: Render) -> None:
    pdf = render(description="رسالة خطأ متكررة (رمز 4031) عند السداد")
    words = _drawn_words(pdf)
    at = words.index("زمر)")
    assert words[at - 1] == "(4031"


def test_copied_text_is_ordinary_arabic_letters(render: Render) -> None:
    pdf = render(applicant_name="عبدالرحمن بن سعد", description="لا إله إلا الله")
    text = pdf_text(pdf)
    assert "عبدالرحمن بن سعد" in text  # found by a plain search, no normalising
    assert "لا إله إلا الله" in text  # lam-alef ligatures read as lam + alef
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufefe]", text), "presentation forms in the text"
    assert all(font["uni"] == "yes" for font in pdf_fonts(pdf))


def test_email_and_phone_in_the_description_read_as_typed(render: Render) -> None:
    description = ("أرجو التواصل عبر البريد ahmed.ali@example.com أو الجوال +966 50 123 4567 "
                   "بخصوص الوثيقة POL-2026-778899 شاكراً لكم.")
    for fmt in ("a5", "roll80"):
        text = pdf_text(render(fmt, description=description))
        assert "ahmed.ali@example.com" in text, text
        assert "+966 50 123 4567" in text, text
        assert "POL-2026-778899" in text
