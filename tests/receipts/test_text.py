"""Arabic line preparation: shaping, bidi order per line, wrapping by drawn width."""

from __future__ import annotations

import unicodedata

import pytest
from bidi.mirror import MIRRORED
from hypothesis import given, settings
from hypothesis import strategies as st

from tawasul_desktop.domain.bidi import isolate, ltr
from tawasul_desktop.receipts.fonts import find_arabic_font, register_fonts
from tawasul_desktop.receipts.text import (
    TextEngine,
    is_rtl,
    protect_numbers,
    shape,
    visual,
)


@pytest.fixture(scope="module")
def engine() -> TextEngine:
    return TextEngine(register_fonts(find_arabic_font()))


def plain(drawn: str) -> str:
    """Presentation forms back to letters, to compare drawn strings with readable ones."""
    return unicodedata.normalize("NFKC", drawn)


def test_letters_are_joined_presentation_forms() -> None:
    drawn = shape("طلب")
    assert all(0xFE70 <= ord(c) <= 0xFEFC for c in drawn)  # initial, medial, final forms
    assert plain(drawn) == "طلب"
    assert shape("لا") == "\ufefb"  # lam-alef ligature


def test_name_with_allah_is_not_turned_into_the_ligature() -> None:
    assert "\ufdf2" not in shape("عبدالله")


def test_arabic_line_is_reversed_for_drawing_left_to_right() -> None:
    assert plain(visual("رقم الطلب")) == "بلطلا مقر"


def test_request_number_reads_left_to_right_after_a_label() -> None:
    drawn = plain(visual(f"رقم الطلب: {ltr('101-03-26-00042-7')}"))
    assert drawn == "101-03-26-00042-7 :بلطلا مقر"
    # Without the isolate the bidi algorithm reverses the groups (Arabic numbers): the
    # reason known left-to-right fields are marked.
    assert "101-03-26-00042-7" not in plain(visual("رقم الطلب: 101-03-26-00042-7"))


def test_hyphenated_numbers_in_free_text_keep_their_order() -> None:
    text = protect_numbers("ينتهي بتاريخ 2026-12-31 والجواز A12-345 وهاتفي +966501234567")
    drawn = plain(visual(text))
    for token in ("2026-12-31", "A12-345", "+966501234567"):
        assert token in drawn


def test_latin_name_and_plain_numbers_inside_arabic() -> None:
    drawn = plain(visual(f"مقدم الطلب: {isolate('John Michael Smith')} رقم 1448"))
    assert "John Michael Smith" in drawn
    assert "1448" in drawn
    # The Arabic words are mirrored, so the label is at the right end.
    assert drawn.endswith(":بلطلا مدقم")


def test_masked_id_keeps_the_asterisks_before_the_digits() -> None:
    assert "******1234" in plain(visual(f"الهوية {ltr('******1234')}"))


def test_bidi_marks_are_not_drawn() -> None:
    drawn = visual(f"{isolate('Sarah')} {ltr('1-2')}")
    assert not any(unicodedata.category(c) == "Cf" for c in drawn)


def test_paragraph_direction() -> None:
    assert is_rtl("Visa رقم 5")
    assert not is_rtl("Passport renewal 2026")


def test_wrap_keeps_first_logical_line_first(engine: TextEngine) -> None:
    words = [f"كلمة{i}" for i in range(1, 41)]
    lines = engine.wrap(" ".join(words), 150, 10)
    assert len(lines) > 3
    assert lines[0].split()[0] == "كلمة1"
    assert lines[-1].split()[-1] == "كلمة40"
    assert " ".join(lines).split() == words


def test_wrap_measures_the_shaped_text(engine: TextEngine) -> None:
    text = "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات"
    for line in engine.wrap(text, 120, 10):
        assert engine.width(line, 10) <= 120
    # Shaped forms are measured: a joined word is narrower than its isolated letters.
    assert engine.width("مستندات", 10) != pytest.approx(sum(engine.width(c, 10) for c in "مستندات"))


def test_newlines_start_new_lines_and_blank_lines_survive(engine: TextEngine) -> None:
    assert engine.wrap("سطر أول\n\nسطر ثالث", 500, 10) == ["سطر أول", "", "سطر ثالث"]


def test_a_word_wider_than_the_line_is_cut(engine: TextEngine) -> None:
    lines = engine.wrap("x" * 200, 100, 10)
    assert len(lines) > 1
    assert "".join(lines) == "x" * 200
    assert all(engine.width(line, 10) <= 100 for line in lines)


def test_latin_and_arabic_go_to_fonts_that_have_them(engine: TextEngine) -> None:
    fonts = engine.fonts
    drawn = visual("الاسم John 12")
    for run in engine.runs(drawn):
        chars = {
            fonts.regular.name: fonts.regular.chars,
            getattr(fonts.latin_regular, "name", None): getattr(fonts.latin_regular, "chars", ()),
        }[run.font]
        assert all(ord(c) in chars for c in run.text), run


_words = st.text(
    alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويةءأإآ0123456789ABCxyz-", min_size=1, max_size=14
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_words, min_size=1, max_size=40), st.floats(min_value=60, max_value=400))
def test_wrapping_keeps_every_word_in_order(words: list[str], width: float) -> None:
    engine = TextEngine(register_fonts(find_arabic_font()))
    lines = engine.wrap(" ".join(words), width, 9)
    assert "".join("".join(lines).split()) == "".join(words)
    for line in lines:
        if len(line.split()) > 1:  # a single overlong word is cut by characters instead
            assert engine.width(line, 9) <= width + 0.01


# --- rule L4: paired characters are mirrored where they run right to left -----------------

def letters(drawn: str) -> str:
    """Arabic presentation forms back to letters; other characters (⁽ ⁾ …) untouched."""
    arabic = ("\ufb50", "\ufdff"), ("\ufe70", "\ufeff")
    return "".join(unicodedata.normalize("NFKC", c) if any(a <= c <= b for a, b in arabic)
                   else c for c in drawn)


MIRROR_PAIRS = sorted({tuple(sorted((a, b))) for a, b in MIRRORED.items() if MIRRORED.get(b) == a})


def test_every_mirrored_pair_encloses_its_arabic_content() -> None:
    assert len(MIRROR_PAIRS) > 50  # the whole BidiMirroring table, not a few brackets
    for left, right in MIRROR_PAIRS:
        for opening, closing in ((left, right), (right, left)):
            drawn = letters(visual(f"متكررة {opening}رمز{closing} عند"))
            # Drawn left to right the Arabic is reversed, which would put the closing
            # character first; mirrored, each is drawn as its twin, so the pair still opens
            # towards its content as a right-to-left reader sees it.
            assert drawn == f"دنع {opening}زمر{closing} ةرركتم", (hex(ord(opening)), drawn)


def test_brackets_around_numbers_and_latin_inside_arabic() -> None:
    assert plain(visual("متكررة (رمز 4031) عند")) == "دنع (4031 زمر) ةرركتم"
    assert plain(visual("عبر «Absher» و[مرتين]")) == "[نيترم]و «Absher» ربع"


def test_brackets_in_latin_text_are_left_alone() -> None:
    assert visual("code (A) [B] {C} <D>", rtl=False) == "code (A) [B] {C} <D>"
    assert plain(visual(f"الرمز {ltr('f(x) [1]')}")) == "f(x) [1] زمرلا"


def test_latin_codes_inside_arabic_keep_their_order() -> None:
    for code in ("POL-2026-778899", "AB-12/34", "IQ.2026.7", "X-Y-Z"):
        drawn = plain(visual(protect_numbers(f"رقم الوثيقة {code} لدى الجهة")))
        assert code in drawn, drawn
    assert plain(visual(protect_numbers("الوثيقة (POL-2026-778899) هنا"))) == (
        "انه (POL-2026-778899) ةقيثولا"
    )


def test_email_inside_arabic_reads_as_typed() -> None:
    # Plain bidi keeps an e-mail whole (its punctuation sits between Latin letters);
    # protecting its halves separately put the domain first: "example.com@ahmed.ali".
    for email in ("ahmed.ali@example.com", "a_b+tag@mail.gov.sa", "x@y.co"):
        drawn = plain(visual(protect_numbers(f"والبريد {email} والجوال")))
        assert email in drawn, drawn


def test_phone_number_with_spaced_groups_inside_arabic_reads_as_typed() -> None:
    # "+966 50 123 4567" must not come out group-reversed ("4567 123 50 +966").
    for phone in ("+966 50 123 4567", "+966 11 477 1100", "+9665012345"):
        drawn = plain(visual(protect_numbers(f"والجوال {phone} باسم")))
        assert phone in drawn, drawn
    # A number after a phone number is not swallowed into it across an Arabic word.
    assert plain(visual(protect_numbers("الجوال +966 50 و 3 نسخ"))) == "خسن 3 و +966 50 لاوجلا"


def test_phone_number_is_never_split_across_lines(engine: TextEngine) -> None:
    text = protect_numbers("للتواصل على الجوال +966 50 123 4567 في أي وقت من أوقات الدوام")
    width = engine.width(text, 10) * 0.45
    lines = engine.wrap(text, width, 10)
    assert len(lines) > 2
    assert any("+966 50 123 4567" in plain(visual(line)) for line in lines), lines


def test_amounts_and_hash_codes_inside_arabic_keep_their_order() -> None:
    # Protecting only the tail ("500.75", "2026-77") cut them from their head.
    for code in ("1,500.75", "12,000", "INV#2026-77", "REF#12345"):
        drawn = plain(visual(protect_numbers(f"الرمز {code} هنا")))
        assert code in drawn, drawn


def test_local_phone_number_in_spaced_groups_reads_as_typed() -> None:
    for phone in ("05 0123 4567", "011 477 1100", "050 123 4567"):
        drawn = plain(visual(protect_numbers(f"الجوال {phone} هنا")))
        assert phone in drawn, drawn
    # Plain numbers that are not a phone number stay words of their own.
    assert plain(visual(protect_numbers("بعد 3 أيام و 25 ساعة"))) == "ةعاس 25 و مايأ 3 دعب"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("AZaz0189", min_size=1, max_size=4), min_size=2, max_size=4),
    st.lists(st.sampled_from("-/.:_,#@+"), min_size=3, max_size=3),
)
def test_any_latin_code_inside_arabic_reads_as_typed(parts: list[str], joins: list[str]) -> None:
    code = parts[0] + "".join(j + p for j, p in zip(joins, parts[1:], strict=False))
    drawn = plain(visual(protect_numbers(f"الرمز {code} هنا")))
    assert code in drawn, drawn
