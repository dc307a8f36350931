"""Plain data for a request being taken at the counter (before and after validation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RELATIONS = ("self", "spouse", "parent", "child", "sibling", "dependant", "sponsored")


@dataclass
class PersonInput:
    """A person as typed at the counter: raw text, not yet normalised."""

    name: str = ""
    id_number: str = ""
    mobile: str = ""
    email: str = ""

    @classmethod
    def from_mapping(cls, data: Any) -> PersonInput:
        if not isinstance(data, dict):
            return cls()
        return cls(**{k: _as_text(data.get(k)) for k in ("name", "id_number", "mobile", "email")})


@dataclass
class AttachmentInput:
    """A file offered for one of the service's documents. ``name`` is for display only."""

    document: str
    name: str
    content: bytes | None = None  # None: the file could not be read
    read_error: str | None = None
    refusal: str | None = None  # a problem code when the path itself was refused


@dataclass
class RequestDraft:
    service: str = ""
    applicant: PersonInput = field(default_factory=PersonInput)
    beneficiary: PersonInput | None = None
    relation: str = "self"
    description: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    attachments: list[AttachmentInput] = field(default_factory=list)


@dataclass(frozen=True)
class Person:
    """A validated, normalised person."""

    name: str
    id_number: str
    id_kind: str  # national_id | iqama | border
    mobile: str  # E.164, e.g. +966501234567
    email: str | None


@dataclass(frozen=True)
class Attachment:
    document: str
    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class ValidRequest:
    """A request that passed every intake rule; the only thing the store accepts."""

    service: str
    applicant: Person
    beneficiary: Person  # the applicant themself when relation is "self"
    relation: str
    description: str
    fields: dict[str, str]
    attachments: tuple[Attachment, ...]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
