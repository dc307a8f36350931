"""Standard reasons for rejecting or returning a request (resources/texts/decision_reasons.toml).

Loaded once and checked at load time (a broken file fails with the entry named). The stored
reason is the Arabic text, with the supervisor's own words after it when given.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tawasul_desktop.assets import resource

KINDS = ("reject", "return")


class DecisionReasonsError(ValueError):
    """The reasons file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class DecisionReason:
    kind: str  # reject | return
    code: str
    ar: str
    en: str

    def text(self, language: str = "ar") -> str:
        return self.en if language == "en" else self.ar


def load_reasons(path: Path) -> tuple[DecisionReason, ...]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DecisionReasonsError(f"{path}: {exc}") from None
    unknown = set(raw) - set(KINDS)
    if unknown:
        raise DecisionReasonsError(f"{path}: unknown section(s) {sorted(unknown)}")
    found: list[DecisionReason] = []
    seen: set[tuple[str, str]] = set()
    for kind in KINDS:
        for i, entry in enumerate(raw.get(kind, [])):
            where = f"{path}: [[{kind}]] #{i + 1}"
            if not isinstance(entry, dict):
                raise DecisionReasonsError(f"{where}: not a table")
            values = {k: entry.get(k) for k in ("code", "ar", "en")}
            missing = [k for k, v in values.items() if not isinstance(v, str) or not v.strip()]
            if missing:
                raise DecisionReasonsError(f"{where}: missing or empty {', '.join(missing)}")
            if (kind, values["code"]) in seen:
                raise DecisionReasonsError(f"{where}: code {values['code']!r} repeated")
            seen.add((kind, str(values["code"])))
            found.append(DecisionReason(kind, str(values["code"]), str(values["ar"]).strip(),
                                        str(values["en"]).strip()))
    return tuple(found)


@cache
def standard_reasons() -> tuple[DecisionReason, ...]:
    return load_reasons(resource("texts", "decision_reasons.toml"))


def reasons_for(kind: str) -> tuple[DecisionReason, ...]:
    if kind not in KINDS:
        raise ValueError(f"unknown reason kind {kind!r}")
    return tuple(r for r in standard_reasons() if r.kind == kind)


def compose_reason(standard: list[str], free_text: str) -> str:
    """The reason as stored: the chosen standard reasons (Arabic), then the supervisor's words."""
    parts = [s.strip() for s in standard if s.strip()]
    text = " ".join(free_text.split())
    if text:
        parts.append(text)
    return "؛ ".join(parts)
