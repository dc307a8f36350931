"""Rules for typed text: names, the problem description and a service's extra fields.

Each check returns the normalised value or a Problem, so the wizard can call it as the clerk
types and validate_request can collect every problem at once. Limits come from IntakePolicy.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache
from typing import Any

from tawasul_desktop.domain.catalogue import ExtraField
from tawasul_desktop.domain.digits import ascii_digits
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.domain.policy import IntakePolicy, Policy, default_policy

# C0/C1 controls except tab, newline and carriage return; bidi embeddings, overrides, isolates
# and marks (they can make text display differently from what is stored); lone surrogates
# (they cannot be stored as UTF-8); BOM, interlinear annotation marks and non-characters.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff]"
)
# Invisible characters that can hide text or smuggle data (tag characters spell hidden ASCII,
# a soft hyphen or word joiner splits a word a search would find) and private-use code points
# (no meaning outside one font): stripped from descriptions and fields. Zero-width joiner and
# non-joiner stay: Arabic and Persian writing use them.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b\u2060-\u2065\u3164\uffa0"
    "\ue000-\uf8ff\U000e0000-\U000e007f\U000f0000-\U0010ffff]"
)
_WHITESPACE = re.compile(r"\s+")
_NEWLINES = re.compile("\r\n|[\r\u2028\u2029]")
# A word for counting: a run of non-space characters holding at least one letter or digit.
_WORD = re.compile(r"\S*[^\W_]\S*")

# Letters allowed in names: Latin (with accents), Arabic including the hamza and madda forms
# (ء آ أ ؤ إ ئ are inside U+0621–U+064A), alef wasla, and the extra letters residents' names
# use (پ چ ژ ڤ ک گ ی). Arabic vowel marks may follow a letter.
_LETTER = (
    "(?:[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
    "\u0621-\u063a\u0641-\u064a\u0671\u067e\u0686\u0698\u06a4\u06a9\u06af\u06cc]"
    "[\u064b-\u0652\u0670]*)"
)
_NAME_WORD = f"{_LETTER}+(?:['\u2019-]{_LETTER}+)*"
_NAME = re.compile(f"{_NAME_WORD}(?: {_NAME_WORD})*")
_TATWEEL = "\u0640"  # ـ stretches letters for looks; it carries no meaning in a name

_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", re.ASCII)
_DATE_SEPARATORS = str.maketrans({c: "-" for c in "/.\u2010\u2011\u2012\u2013\u2212"})
# Gregorian years a date field may hold; a Hijri year such as 1447 is refused, not mistaken.
_YEARS = range(1900, 2101)
_HIJRI_YEARS = range(1343, 1501)  # what the Umm al-Qura table covers
_HIJRI_MARK = re.compile(r"\s*(?:هـ|ه|AH|A\.H\.)\s*$", re.IGNORECASE)

_MESSAGE_VALUE_CHARS = 60


@cache
def _default_intake() -> IntakePolicy:
    return default_policy().intake


IntakeLimits = IntakePolicy | Policy | None


def resolve_intake(policy: IntakeLimits = None) -> IntakePolicy:
    """The intake policy from an IntakePolicy, a whole Policy, or None (the defaults, cached)."""
    if policy is None:
        return _default_intake()
    return policy if isinstance(policy, IntakePolicy) else policy.intake


def has_forbidden_characters(text: str) -> bool:
    """True if ``text`` holds control characters, bidi controls or lone surrogates."""
    return _FORBIDDEN.search(text) is not None


def clip_for_message(value: Any) -> str:
    """Make a user-supplied value safe and short enough to quote inside a message."""
    text = value if isinstance(value, str) else str(value)
    text = text[: _MESSAGE_VALUE_CHARS * 4]
    text = _WHITESPACE.sub(" ", _FORBIDDEN.sub("", text)).strip()
    if len(text) > _MESSAGE_VALUE_CHARS:
        text = text[: _MESSAGE_VALUE_CHARS - 1] + "…"
    return text


def collapse_spaces(text: str) -> str:
    """Trim and turn every run of whitespace (any script's spaces, newlines) into one space."""
    return _WHITESPACE.sub(" ", text).strip()


def check_name(text: str, field: str, policy: IntakeLimits = None) -> str | Problem:
    """A person's full name, whitespace collapsed and NFKC-normalised, or a name.* Problem."""
    max_chars = resolve_intake(policy).name_max_chars
    if not text or not text.strip():
        return Problem.of("name.required", field)
    # Only bounds the work on hostile input; the real limit is tested after normalising.
    if len(text) > 8 * max_chars + 100:
        return Problem.of("name.too_long", field, max=max_chars)
    # Before collapsing spaces: Python counts \x1c-\x1f and \x85 as whitespace.
    if has_forbidden_characters(text):
        return Problem.of("text.invalid_characters", field)
    # NFKC folds Arabic presentation forms (from PDF copies) and composes alef + madda.
    name = collapse_spaces(unicodedata.normalize("NFKC", text).replace(_TATWEEL, ""))
    if len(name) > max_chars:
        return Problem.of("name.too_long", field, max=max_chars)
    if not name or _NAME.fullmatch(name) is None:
        return Problem.of("name.invalid", field)
    if name.count(" ") < 1:
        return Problem.of("name.too_short", field)
    return name


def strip_invisible(text: str) -> str:
    """``text`` without invisible and private-use characters (see _INVISIBLE)."""
    return _INVISIBLE.sub("", text)


def _clean_description(text: str) -> str:
    return unicodedata.normalize("NFC", _NEWLINES.sub("\n", strip_invisible(text))).strip()


def description_progress(text: str, policy: IntakeLimits = None) -> tuple[int, int, int, int]:
    """(words, characters, min_words, min_chars) for a counter beside the description box."""
    intake = resolve_intake(policy)
    cleaned = _clean_description(text) if text else ""
    return (
        len(_WORD.findall(cleaned)),
        len(cleaned),
        intake.description_min_words,
        intake.description_min_chars,
    )


def check_description(
    text: str, field: str = "description", policy: IntakeLimits = None
) -> str | Problem:
    """The trimmed description (newlines kept, as \\n), or a description.* Problem."""
    intake = resolve_intake(policy)
    if not text or not text.strip():
        return Problem.of("description.required", field)
    if len(text) > 2 * intake.description_max_chars + 1000:
        return Problem.of("description.too_long", field, max=intake.description_max_chars)
    cleaned = _clean_description(text)
    if len(cleaned) > intake.description_max_chars:
        return Problem.of("description.too_long", field, max=intake.description_max_chars)
    if has_forbidden_characters(cleaned):
        return Problem.of("text.invalid_characters", field)
    if (
        len(_WORD.findall(cleaned)) < intake.description_min_words
        or len(cleaned) < intake.description_min_chars
    ):
        return Problem.of(
            "description.too_short",
            field,
            min_words=intake.description_min_words,
            min_chars=intake.description_min_chars,
        )
    return cleaned


def parse_date(text: str) -> dt.date | None:
    """A date from YYYY-MM-DD (Arabic digits and / or . separators accepted): Gregorian, or
    Umm al-Qura Hijri when typed as such, marked "هـ" (or "AH"): 1448-09-06هـ. An unmarked
    1447-05-10 stays invalid rather than guessed."""
    if len(text) > 40:
        return None
    cleaned = ascii_digits(text).strip()
    marked = _HIJRI_MARK.search(cleaned)
    if marked is not None:
        cleaned = cleaned[:marked.start()].strip()
    match = _DATE.fullmatch(cleaned.translate(_DATE_SEPARATORS))
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    if marked is not None:
        from tawasul_desktop.domain.hijri import from_hijri

        return from_hijri(year, month, day) if year in _HIJRI_YEARS else None
    if year not in _YEARS:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def check_field(
    spec: ExtraField, value: Any, field: str, policy: IntakeLimits = None
) -> str | None | Problem:
    """One extra field of a service: the normalised value, None if blank and optional, or a Problem.

    Text is collapsed to one line, dates become YYYY-MM-DD, choices must be one of the codes.
    """
    max_chars = resolve_intake(policy).field_max_chars
    text = "" if value is None else (value if isinstance(value, str) else str(value))
    labels = {"label_ar": spec.label_ar, "label_en": spec.label_en}
    if not text.strip():
        return Problem.of("field.required", field, **labels) if spec.required else None
    if len(text) > 2 * max_chars + 100:
        return Problem.of("field.too_long", field, max=max_chars, **labels)
    if has_forbidden_characters(text):
        return Problem.of("text.invalid_characters", field)
    text = collapse_spaces(unicodedata.normalize("NFC", strip_invisible(text)))
    if len(text) > max_chars:
        return Problem.of("field.too_long", field, max=max_chars, **labels)
    if spec.type == "date":
        date = parse_date(text)
        if date is None:
            return Problem.of("field.invalid_date", field, **labels)
        return date.isoformat()
    if spec.type == "choice":
        if all(choice.code != text for choice in spec.choices):
            return Problem.of("field.invalid_choice", field, **labels)
        return text
    return text
