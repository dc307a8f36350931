"""Printing for the `tawasul` command: human text or one JSON document; errors to stderr."""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from typing import Any

from tawasul_desktop.domain.messages import Problem


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class Output:
    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode

    def data(self, obj: Any, text: str | None = None) -> None:
        if self.json_mode:
            sys.stdout.write(
                json.dumps(obj, ensure_ascii=False, default=_default, indent=None) + "\n"
            )
        elif text is not None:
            sys.stdout.write(text.rstrip("\n") + "\n")
        sys.stdout.flush()

    def line(self, text: str) -> None:
        if not self.json_mode:
            sys.stdout.write(text + "\n")

    def problems(self, problems: list[Problem]) -> None:
        if self.json_mode:
            sys.stdout.write(
                json.dumps({"errors": [p.as_dict() for p in problems]}, ensure_ascii=False) + "\n"
            )
            sys.stdout.flush()
        for p in problems:
            where = f"{p.field}: " if p.field else ""
            sys.stderr.write(f"error [{p.code}] {where}{p.message_en}\n        {p.message_ar}\n")

    def refusal(self, about: str, problems: list[Problem]) -> None:
        """Why one item of a batch was not done, to stderr (a batch's JSON lists it too)."""
        for p in problems:
            where = f"{p.field}: " if p.field else ""
            sys.stderr.write(
                f"error {about}: [{p.code}] {where}{p.message_en}\n        {p.message_ar}\n"
            )

    def warning(self, problem: Problem) -> None:
        """Something the operator must know although the command succeeded (stderr)."""
        sys.stderr.write(
            f"warning [{problem.code}] {problem.message_en}\n        {problem.message_ar}\n"
        )

    def error(self, text: str) -> None:
        sys.stderr.write(f"error: {text}\n")
