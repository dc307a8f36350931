"""Names, the description and a service's extra fields."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tawasul_desktop.domain.catalogue import Choice, ExtraField
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.domain.policy import default_policy
from tawasul_desktop.domain.text_rules import (
    check_description,
    check_field,
    check_name,
    clip_for_message,
    description_progress,
    parse_date,
    resolve_intake,
)

INTAKE = default_policy().intake  # min 8 words, 40 chars; max 4000; names 100; fields 200
GOOD_DESCRIPTION = "My iqama renewal has been pending for three weeks without any reply"
BIDI_AND_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                     "\u2068", "\u2069", "\u200e", "\u200f", "\u061c", "\x00", "\x07", "\x1b",
                     "\x7f", "\x85", "\x1f", "\ufeff", "\ud800"]  # fmt: skip


def code(result: object) -> str:
    assert isinstance(result, Problem), result
    return result.code


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "محمد عبدالله",
        "أحمد بن إبراهيم آل سعود",
        "مؤمن هائل",
        "عبدُ الله الشَّمري",
        "Ahmad Ali",
        "Sean O'Brien",
        "Sean O\u2019Brien",
        "Fatimah Al-Harbi",
        "José Ñúñez",
        "Ahmad محمد",
    ],
)
def test_valid_names_are_kept(name: str) -> None:
    assert check_name(name, "applicant.name") == name


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Ahmad    Ali  ", "Ahmad Ali"),
        ("Ahmad\tAli\nSaleh", "Ahmad Ali Saleh"),
        ("محمد\u00a0علي", "محمد علي"),
        ("محمــــد علي", "محمد علي"),  # tatweel removed
        ("ﻣﺤﻤﺪ ﻋﻠﻲ", "محمد علي"),  # presentation forms from a PDF copy
        ("ا\u0653منة علي", "آمنة علي"),  # alef + combining madda composes to آ
    ],
)
def test_names_are_normalised(typed: str, stored: str) -> None:
    assert check_name(typed, "n") == stored


@pytest.mark.parametrize("name", ["", "   ", "\n\t"])
def test_missing_name(name: str) -> None:
    assert code(check_name(name, "n")) == "name.required"


@pytest.mark.parametrize("name", ["Ahmad", "محمد", "Al-Harbi", "  Ahmad  "])
def test_single_word_name_is_too_short(name: str) -> None:
    assert code(check_name(name, "n")) == "name.too_short"


@pytest.mark.parametrize(
    "name",
    [
        "Ahmad Ali 2",
        "محمد ٣ علي",
        "Ahmad @Ali",
        "'; DROP TABLE x;--",
        "-Ahmad Ali",
        "Ahmad Ali-",
        "Ahmad Al--Harbi",
        "Ali' Omar",
        "../../etc/passwd",
        "C:\\Windows\\x",
        "Ahmad_Ali Omar",
        "Ahmad \u200bAli",  # zero-width space
    ],
)
def test_names_with_other_characters_are_invalid(name: str) -> None:
    assert code(check_name(name, "n")) == "name.invalid"


@pytest.mark.parametrize("bad", BIDI_AND_CONTROLS)
def test_names_with_control_or_bidi_characters_are_refused(bad: str) -> None:
    assert code(check_name(f"Ahmad {bad}Ali", "n")) == "text.invalid_characters"


def test_name_length_limit_comes_from_policy() -> None:
    at_limit = "Ahmad " + "a" * (INTAKE.name_max_chars - 6)
    assert check_name(at_limit, "n") == at_limit
    result = check_name(at_limit + "b", "n")
    assert code(result) == "name.too_long"
    assert isinstance(result, Problem) and result.params["max"] == INTAKE.name_max_chars
    short_policy = dataclasses.replace(INTAKE, name_max_chars=10)
    assert code(check_name("Ahmad Alawi", "n", short_policy)) == "name.too_long"
    assert code(check_name("a " * 1_000_000, "n")) == "name.too_long"


# --- description -----------------------------------------------------------------------


def test_valid_description_is_trimmed() -> None:
    assert check_description(f"  {GOOD_DESCRIPTION}\n ") == GOOD_DESCRIPTION


def test_description_keeps_newlines_and_tabs_and_unifies_line_ends() -> None:
    typed = "First line of the problem\r\n\tsecond line with more words\rthird line here"
    assert check_description(typed) == (
        "First line of the problem\n\tsecond line with more words\nthird line here"
    )


@pytest.mark.parametrize("text", ["", "  \n\t "])
def test_missing_description(text: str) -> None:
    assert code(check_description(text)) == "description.required"


def test_description_needs_enough_words() -> None:
    # 7 words, well over 40 characters.
    text = "Extraordinarily complicated renewal circumstances unfortunately persist everywhere"
    assert len(text) >= 40
    result = check_description(text)
    assert code(result) == "description.too_short"
    assert isinstance(result, Problem)
    assert result.params == {"min_words": 8, "min_chars": 40}


def test_description_needs_enough_characters() -> None:
    text = "a b c d e f g h i j"  # 10 words, 19 characters
    assert code(check_description(text)) == "description.too_short"


def test_description_at_both_minimums_passes() -> None:
    text = "one two three four five six seven eight!!!!!!!!!!!!!"
    assert (len(text), description_progress(text)[0]) == (52, 8)
    exact = "aaaa bbbb cccc dddd eeee ffff gggg hhhhhhh"  # 8 words, 42 chars
    assert check_description(exact) == exact
    assert code(check_description(exact[:-3])) == "description.too_short"  # 39 chars


def test_punctuation_alone_is_not_a_word() -> None:
    text = "help - - - - - - - please, the renewal is stuck"
    assert description_progress(text)[0] == 6


def test_description_too_long() -> None:
    limit = INTAKE.description_max_chars
    text = ("word " * limit)[:limit].strip()
    assert check_description(text) == text
    result = check_description(text + " more")
    assert code(result) == "description.too_long"
    assert isinstance(result, Problem) and result.params["max"] == limit
    assert code(check_description("x" * 10_000_000)) == "description.too_long"


@pytest.mark.parametrize("bad", BIDI_AND_CONTROLS)
def test_description_refuses_control_and_bidi_characters(bad: str) -> None:
    assert code(check_description(GOOD_DESCRIPTION + bad + " end")) == "text.invalid_characters"


def test_description_limits_follow_the_policy() -> None:
    lenient = dataclasses.replace(INTAKE, description_min_words=2, description_min_chars=5)
    assert check_description("Lost passport", policy=lenient) == "Lost passport"
    assert code(check_description("Lost passport")) == "description.too_short"


def test_description_progress() -> None:
    assert description_progress("  جواز   السفر مفقود  ") == (3, 18, 8, 40)
    assert description_progress("") == (0, 0, 8, 40)


def test_resolve_intake_accepts_policy_intake_or_none() -> None:
    policy = default_policy()
    assert resolve_intake(policy) == policy.intake
    assert resolve_intake(policy.intake) is policy.intake
    assert resolve_intake(None) == policy.intake


# --- extra fields ----------------------------------------------------------------------

TEXT = ExtraField("report_number", "رقم البلاغ", "Report number", "text", True)
OPTIONAL_DATE = ExtraField("iqama_expiry", "تاريخ الانتهاء", "Expiry date", "date", False)
ACTION = ExtraField(
    "passport_action",
    "نوع الإجراء",
    "Action",
    "choice",
    True,
    (Choice("issue", "إصدار", "Issue"), Choice("renew", "تجديد", "Renewal")),
)


def test_text_field_is_collapsed_to_one_line() -> None:
    assert check_field(TEXT, "  R-2024\n 55 ", "fields.report_number") == "R-2024 55"


def test_required_field_missing() -> None:
    result = check_field(TEXT, "  ", "fields.report_number")
    assert code(result) == "field.required"
    assert isinstance(result, Problem)
    assert result.field == "fields.report_number"
    assert result.params == {"label_ar": "رقم البلاغ", "label_en": "Report number"}
    assert code(check_field(TEXT, None, "f")) == "field.required"


def test_optional_field_blank_is_none() -> None:
    assert check_field(OPTIONAL_DATE, "", "f") is None


def test_field_too_long() -> None:
    assert check_field(TEXT, "x" * 200, "f") == "x" * 200
    result = check_field(TEXT, "x" * 201, "f")
    assert code(result) == "field.too_long"
    assert isinstance(result, Problem) and result.params["max"] == 200


@pytest.mark.parametrize("bad", BIDI_AND_CONTROLS)
def test_field_refuses_control_characters(bad: str) -> None:
    assert code(check_field(TEXT, f"R{bad}1", "f")) == "text.invalid_characters"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-03-05", "2026-03-05"),
        ("٢٠٢٦-٠٣-٠٥", "2026-03-05"),
        ("۲۰۲۶-۰۳-۰۵", "2026-03-05"),
        ("2026/3/5", "2026-03-05"),
        (" 2024-02-29 ", "2024-02-29"),
    ],
)
def test_date_field_is_normalised(typed: str, stored: str) -> None:
    assert check_field(OPTIONAL_DATE, typed, "f") == stored


@pytest.mark.parametrize(
    "typed",
    ["2026-02-30", "2025-02-29", "05-03-2026", "20260305", "tomorrow", "1447-05-10", "2026-13-01",
     "２０２６-０３-０５", "2026-03-05T00:00"],
)  # fmt: skip
def test_invalid_date_field(typed: str) -> None:
    assert code(check_field(OPTIONAL_DATE, typed, "f")) == "field.invalid_date"
    assert parse_date(typed) is None


def test_choice_field() -> None:
    assert check_field(ACTION, " renew ", "f") == "renew"
    assert code(check_field(ACTION, "Renewal", "f")) == "field.invalid_choice"
    assert code(check_field(ACTION, "cancel", "f")) == "field.invalid_choice"


def test_clip_for_message_is_short_and_clean() -> None:
    assert clip_for_message("iqama\u202e_renewal") == "iqama_renewal"
    clipped = clip_for_message("x" * 10_000)
    assert len(clipped) == 60 and clipped.endswith("…")
    assert clip_for_message(42) == "42"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=300))
def test_text_rules_never_raise(text: str) -> None:
    for result in (
        check_name(text, "n"),
        check_description(text),
        check_field(TEXT, text, "f"),
        check_field(OPTIONAL_DATE, text, "f"),
        check_field(ACTION, text, "f"),
    ):
        assert result is None or isinstance(result, str | Problem)
    name = check_name(text, "n")
    if isinstance(name, str):
        assert " " in name and not any(ch.isdigit() for ch in name)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1448-09-06هـ", "2027-02-13"), ("١٤٤٨/٠٩/٠٦ هـ", "2027-02-13"),
     ("1448-09-06 AH", "2027-02-13")],
)
def test_a_hijri_date_typed_as_such_is_accepted(typed: str, stored: str) -> None:
    """Issue 13 §5: marked Hijri (هـ) is converted by the Umm al-Qura table."""
    assert check_field(OPTIONAL_DATE, typed, "f") == stored
    assert parse_date("1448-13-01هـ") is None and parse_date("1200-01-01هـ") is None
