"""The receipt's words, loaded once from resources/texts/receipt.toml and checked on load."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tawasul_desktop.assets import resource

# Every key the layout uses, with the placeholders its texts may contain.
REQUIRED: dict[str, frozenset[str]] = {
    "title": frozenset(),
    "copy_mark": frozenset(),
    "counter": frozenset({"counter"}),
    "label.number": frozenset(),
    "label.service": frozenset(),
    "label.applicant": frozenset(),
    "label.applicant_id": frozenset(),
    "label.beneficiary": frozenset(),
    "label.beneficiary_id": frozenset(),
    "label.relation": frozenset(),
    "label.submitted": frozenset(),
    "label.due": frozenset(),
    "label.follow_up": frozenset(),
    "label.documents": frozenset(),
    "label.description": frozenset(),
    "label.clerk": frozenset(),
    "label.former_number": frozenset(),
    "due_value": frozenset({"working_days", "date"}),
    "working_days.one": frozenset({"n"}),
    "working_days.two": frozenset({"n"}),
    "working_days.few": frozenset({"n"}),
    "working_days.many": frozenset({"n"}),
    "no_documents": frozenset(),
    "conditions.title": frozenset(),
    "conditions.body": frozenset(),
    "enquiry": frozenset({"phone"}),
    "hours": frozenset({"first_day", "last_day", "opens", "closes"}),
    "hours_days": frozenset({"days", "opens", "closes"}),
    "keep_receipt": frozenset(),
    "continued": frozenset({"number", "page", "pages"}),
    **{f"weekday.{d}": frozenset() for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}
LANGUAGES = ("ar", "en")


class ReceiptTextsError(ValueError):
    """receipt.toml is missing a text or has a wrong placeholder; the message says which."""


@dataclass(frozen=True)
class Text:
    ar: str
    en: str

    def format(self, **values: Any) -> Text:
        return Text(self.ar.format(**values), self.en.format(**values))


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not set(value) & set(LANGUAGES):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def load_texts(path: Path) -> dict[str, Text]:
    """Read and check a receipt text file; all problems are reported at once."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReceiptTextsError(f"{path}: cannot read the receipt texts ({exc})") from None
    flat = _flatten(raw)
    problems: list[str] = []
    texts: dict[str, Text] = {}
    for key, allowed in REQUIRED.items():
        entry = flat.get(key)
        if not isinstance(entry, dict):
            problems.append(f"[{key}] is missing")
            continue
        values = {}
        for lang in LANGUAGES:
            value = entry.get(lang)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"[{key}] {lang} is missing or empty")
                continue
            used = {name for _, name, _, _ in string.Formatter().parse(value) if name}
            if used - allowed:
                problems.append(f"[{key}] {lang} has unknown placeholders {sorted(used - allowed)}")
            values[lang] = value
        if len(values) == len(LANGUAGES):
            texts[key] = Text(values["ar"], values["en"])
    unknown = sorted(set(flat) - set(REQUIRED))
    if unknown:
        problems.append(f"unknown entries {unknown}")
    if problems:
        raise ReceiptTextsError(f"{path}: " + "; ".join(problems))
    return texts


@cache
def receipt_texts() -> dict[str, Text]:
    return load_texts(resource("texts", "receipt.toml"))
