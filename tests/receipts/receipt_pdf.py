"""Receipt test helpers: sample data and reading PDFs back with poppler.

Text is read back with ``pdftotext`` (poppler-utils). Poppler detects right-to-left lines
and writes them in logical order, wrapping left-to-right runs in U+202A…U+202C embedding
marks; the Arabic comes out as letters (receipts/tounicode.py). ``tokens`` undoes the rest
(NFKC, marks and harakat removed) and splits into Arabic words and Latin/number tokens, so
tests compare word sequences, not spacing around punctuation.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from tawasul_desktop.receipts import ReceiptData

POPPLER = ("pdftotext", "pdfinfo", "pdffonts", "pdftoppm")

_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u064b-\u065f\u0670]")
_TOKEN = re.compile(
    r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]+|[A-Za-z0-9*]+(?:[-:/.][A-Za-z0-9*]+)*"
)

DESCRIPTION = (
    "أرغب في تجديد جواز السفر رقم A1234567 الذي تنتهي صلاحيته بتاريخ 2026-12-31، "
    "علماً بأنني قدمت طلباً سابقاً عبر منصة Absher ولم يكتمل بسبب خطأ في الصورة.\n"
    "أرجو التكرم بإنهاء الإجراء في أقرب وقت ممكن، ورقم جوالي 0501234567."
)


def make_data(**changes: object) -> ReceiptData:
    values: dict[str, object] = dict(
        number="101-03-26-00042-7",
        barcode_value="1010326000427",
        service_name_ar="تجديد جواز السفر",
        service_name_en="Passport renewal",
        applicant_name="محمد بن عبدالله القحطاني",
        applicant_id_masked="******1234",
        submitted_at="25 نوفمبر 2026 10:42",
        submitted_at_hijri="5 جمادى الآخرة 1448 هـ",
        due_date="6 ديسمبر 2026",
        due_date_hijri="16 جمادى الآخرة 1448 هـ",
        follow_up_from="28 نوفمبر 2026",
        follow_up_from_hijri="8 جمادى الآخرة 1448 هـ",
        documents=("صورة الهوية الوطنية", "صورة جواز السفر السابق", "صورة شخصية حديثة"),
        description=DESCRIPTION,
        clerk="سارة الحربي",
        centre_name="مركز خدمات الجوازات — حي الملز، الرياض",
        directorate_name="المديرية العامة للجوازات",
        counter="3",
    )
    values.update(changes)
    return ReceiptData(**values)  # type: ignore[arg-type]


def tokens(text: str) -> list[str]:
    """Arabic words and Latin/number tokens in order, as a reader would list them."""
    return _TOKEN.findall(_MARKS.sub("", unicodedata.normalize("NFKC", text)))


def find_run(haystack: Sequence[str], needle: Sequence[str]) -> int:
    """Index where ``needle`` occurs as a contiguous run in ``haystack``, or -1."""
    n = len(needle)
    for i in range(len(haystack) - n + 1):
        if list(haystack[i : i + n]) == list(needle):
            return i
    return -1


def assert_reads(extracted: str, expected: str) -> None:
    """The words of ``expected`` appear in ``extracted`` contiguously and in order."""
    have, want = tokens(extracted), tokens(expected)
    assert want, "nothing to look for"
    assert find_run(have, want) >= 0, f"not found in reading order: {want}\nextracted: {have}"


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_text(path: Path, *, layout: bool = False) -> str:
    return _run("pdftotext", *(["-layout"] if layout else []), str(path), "-")


def pdf_pages(path: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(path)), re.M)
    assert match
    return int(match.group(1))


def pdf_page_size(path: Path) -> tuple[float, float]:
    match = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", _run("pdfinfo", str(path)), re.M)
    assert match
    return float(match.group(1)), float(match.group(2))


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts rows as dicts (name, emb, sub, uni)."""
    lines = _run("pdffonts", str(path)).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name … type … encoding … emb sub uni object ID
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


Render = Callable[..., Path]  # the ``render`` fixture: (fmt, font_path, **changes) -> PDF path
