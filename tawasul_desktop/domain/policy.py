"""The rules' numbers (calendar, timing, intake limits, lockout) as one typed policy.

Defaults come from resources/policy.toml; a configuration file's [policy.*] tables override
individual keys. Every consumer receives a Policy object rather than reading files itself.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, fields, replace
from typing import Any

from tawasul_desktop.assets import resource


class PolicyError(ValueError):
    """A policy value is missing or of the wrong type; names the key."""


@dataclass(frozen=True)
class CalendarPolicy:
    timezone: str
    working_weekdays: tuple[int, ...]
    office_opens: dt.time
    office_closes: dt.time
    extra_closures: tuple[dt.date, ...]


@dataclass(frozen=True)
class TimingPolicy:
    resolution_working_days: int
    follow_up_after_hours: int


@dataclass(frozen=True)
class IntakePolicy:
    description_min_words: int
    description_min_chars: int
    description_max_chars: int
    name_max_chars: int
    field_max_chars: int
    require_email: bool
    max_file_mb: float
    max_request_mb: float
    # What an attachment may hold (domain/file_checks.py): bounded so that showing it is too.
    pdf_max_pages: int = 50
    pdf_max_page_mm: int = 1760
    image_max_megapixels: float = 50.0

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_mb * 1024 * 1024)


@dataclass(frozen=True)
class SecurityPolicy:
    max_failed_logins: int
    lockout_minutes: int
    password_min_chars: int


@dataclass(frozen=True)
class ContactPolicy:
    enquiry_phone: str


@dataclass(frozen=True)
class Policy:
    calendar: CalendarPolicy
    timing: TimingPolicy
    intake: IntakePolicy
    security: SecurityPolicy
    contact: ContactPolicy

    def with_overrides(self, overrides: dict[str, Any], source: str = "configuration") -> Policy:
        """Return a copy with keys of ``{"section": {"key": value}}`` replaced, type-checked."""
        changed: dict[str, Any] = {}
        for section_name, section_values in overrides.items():
            current = getattr(self, section_name, None)
            if current is None or not isinstance(section_values, dict):
                raise PolicyError(f"{source}: unknown policy section [policy.{section_name}]")
            merged = {f.name: getattr(current, f.name) for f in fields(current)}
            for key, value in section_values.items():
                if key not in merged:
                    raise PolicyError(f"{source}: unknown policy key policy.{section_name}.{key}")
                merged[key] = _coerce(f"policy.{section_name}.{key}", merged[key], value, source)
            changed[section_name] = replace(current, **merged)
        return replace(self, **changed)


def _parse_time(key: str, value: Any, source: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{source}: {key} must be a time like 14:30, not {value!r}") from None


def _parse_date(key: str, value: Any, source: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(
            f"{source}: {key} must hold dates like 2026-03-20, not {value!r}"
        ) from None


def _coerce(key: str, current: Any, value: Any, source: str) -> Any:
    if isinstance(current, dt.time):
        return _parse_time(key, value, source)
    if isinstance(current, tuple):
        if not isinstance(value, list):
            raise PolicyError(f"{source}: {key} must be a list")
        if key.endswith("extra_closures"):
            return tuple(_parse_date(key, v, source) for v in value)
        if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 7 for v in value):
            raise PolicyError(f"{source}: {key} must list ISO weekday numbers 1 (Mon) to 7 (Sun)")
        return tuple(value)
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise PolicyError(f"{source}: {key} must be true or false")
        return value
    if isinstance(current, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise PolicyError(f"{source}: {key} must be a non-negative number")
        return type(current)(value) if isinstance(current, float) else int(value)
    if isinstance(current, str):
        if not isinstance(value, str):
            raise PolicyError(f"{source}: {key} must be text")
        return value
    raise PolicyError(f"{source}: {key} has an unsupported type")


def _build(raw: dict[str, Any], source: str) -> Policy:
    try:
        cal = raw["calendar"]
        return Policy(
            calendar=CalendarPolicy(
                timezone=str(cal["timezone"]),
                working_weekdays=tuple(cal["working_weekdays"]),
                office_opens=_parse_time("calendar.office_opens", cal["office_opens"], source),
                office_closes=_parse_time("calendar.office_closes", cal["office_closes"], source),
                extra_closures=tuple(
                    _parse_date("calendar.extra_closures", d, source) for d in cal["extra_closures"]
                ),
            ),
            timing=TimingPolicy(**raw["timing"]),
            intake=IntakePolicy(**raw["intake"]),
            security=SecurityPolicy(**raw["security"]),
            contact=ContactPolicy(**raw["contact"]),
        )
    except (KeyError, TypeError) as exc:
        raise PolicyError(f"{source}: incomplete policy ({exc})") from None


def default_policy() -> Policy:
    path = resource("policy.toml")
    with path.open("rb") as fh:
        return _build(tomllib.load(fh), str(path))
