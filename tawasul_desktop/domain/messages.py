"""Bilingual messages keyed by stable codes, loaded once from resources/texts/messages.toml."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from tawasul_desktop.assets import resource
from tawasul_desktop.domain.bidi import wrap


class _Blank(dict[str, Any]):
    """format_map helper: a missing placeholder shows as empty text instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    with resource("texts", "messages.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        if "ar" in node and "en" in node and isinstance(node["ar"], str):
            flat[prefix] = {"ar": node["ar"], "en": node["en"]}
            return
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}.{key}" if prefix else key, value)

    walk("", raw)
    return flat


def message(code: str, **params: Any) -> tuple[str, str]:
    """Return (arabic, english) for a message code, with placeholders filled.

    Each value is isolated (domain.bidi.wrap), so a request number, a path or a name keeps
    its own reading order inside either sentence, on screen, in a terminal or on paper.
    """
    texts = _catalogue().get(code)
    if texts is None:
        raise KeyError(f"no message for code {code!r} in messages.toml")
    values = _Blank({key: wrap(value) for key, value in params.items()})
    return texts["ar"].format_map(values), texts["en"].format_map(values)


def known_codes() -> frozenset[str]:
    return frozenset(_catalogue())


@dataclass(frozen=True)
class Problem:
    """One validation or operation error: a stable code, the field it concerns, both messages."""

    code: str
    field: str
    message_ar: str
    message_en: str
    document: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, code: str, field_name: str, document: str | None = None, **params: Any) -> Problem:
        ar, en = message(code, **params)
        return cls(code, field_name, ar, en, document, dict(params))

    def text(self, language: str = "ar") -> str:
        return self.message_en if language == "en" else self.message_ar

    def as_dict(self) -> dict[str, str]:
        out = {
            "code": self.code,
            "field": self.field,
            "message_ar": self.message_ar,
            "message_en": self.message_en,
        }
        if self.document is not None:
            out["document"] = self.document
        return out


class TawasulError(Exception):
    """An expected failure of an operation, carrying one or more Problems for the user."""

    def __init__(self, problems: list[Problem] | Problem, *, invalid_input: bool = True) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        # invalid_input distinguishes "the user typed something wrong" (CLI exit 2)
        # from "the operation failed" (CLI exit 1).
        self.invalid_input = invalid_input
        super().__init__("; ".join(p.message_en for p in self.problems))

    @classmethod
    def of(
        cls, code: str, field_name: str = "", *, invalid_input: bool = True, **params: Any
    ) -> TawasulError:
        return cls(Problem.of(code, field_name, **params), invalid_input=invalid_input)
