"""The service catalogue: the eight Tawasul services, their documents and extra fields.

Loaded once from resources/catalogue/services.toml and checked at load time, so a broken
catalogue fails at start with a message naming the entry, not later at a counter.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tawasul_desktop.assets import resource

IDENTITY_KINDS = ("national_id", "iqama", "border")
FIELD_TYPES = ("text", "date", "choice")
SERVICE_CODES = (
    "iqama_renewal",
    "huroob_cancellation",
    "absent_person_update",
    "passport",
    "resident_id_issue",
    "family_visit_extension",
    "profession_change",
    "final_exit",
)


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Label:
    code: str
    label_ar: str
    label_en: str

    def label(self, language: str = "ar") -> str:
        return self.label_en if language == "en" else self.label_ar


@dataclass(frozen=True)
class Document(Label):
    pass


@dataclass(frozen=True)
class Choice(Label):
    pass


@dataclass(frozen=True)
class ExtraField(Label):
    type: str
    required: bool
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Service:
    code: str
    name_ar: str
    name_en: str
    identity_kinds: tuple[str, ...]
    conditions_ar: str
    conditions_en: str
    documents: tuple[Document, ...]
    fields: tuple[ExtraField, ...]

    def name(self, language: str = "ar") -> str:
        return self.name_en if language == "en" else self.name_ar

    def conditions(self, language: str = "ar") -> str:
        return self.conditions_en if language == "en" else self.conditions_ar

    # Plain loops: a generator per look-up costs more than the few items it walks.
    def document(self, code: str) -> Document | None:
        for document in self.documents:
            if document.code == code:
                return document
        return None

    def field(self, code: str) -> ExtraField | None:
        for spec in self.fields:
            if spec.code == code:
                return spec
        return None


@dataclass(frozen=True)
class Catalogue:
    services: tuple[Service, ...]

    def get(self, code: str) -> Service | None:
        for service in self.services:
            if service.code == code:
                return service
        return None

    def __iter__(self) -> Iterator[Service]:
        return iter(self.services)

    def __len__(self) -> int:
        return len(self.services)

    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.services)


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: '{key}' must be non-empty text")
    return value


def _labels(entry: dict[str, Any], where: str) -> tuple[str, str, str]:
    return (
        _text(entry, "code", where),
        _text(entry, "label_ar", where),
        _text(entry, "label_en", where),
    )


def parse_catalogue(raw: dict[str, Any], source: str) -> Catalogue:
    services = []
    for index, entry in enumerate(raw.get("service", [])):
        where = f"{source}: service #{index + 1}"
        code = _text(entry, "code", where)
        where = f"{source}: service {code!r}"
        kinds = tuple(entry.get("identity_kinds", ()))
        if not kinds or any(k not in IDENTITY_KINDS for k in kinds):
            raise CatalogueError(f"{where}: identity_kinds must be a subset of {IDENTITY_KINDS}")
        documents = tuple(
            Document(*_labels(d, f"{where} document")) for d in entry.get("documents", ())
        )
        if not documents:
            raise CatalogueError(f"{where}: lists no documents")
        extra = []
        for f in entry.get("fields", ()):
            fcode, far, fen = _labels(f, f"{where} field")
            ftype = f.get("type")
            if ftype not in FIELD_TYPES:
                raise CatalogueError(f"{where} field {fcode!r}: type must be one of {FIELD_TYPES}")
            choices = tuple(
                Choice(*_labels(c, f"{where} field {fcode!r}")) for c in f.get("choices", ())
            )
            if (ftype == "choice") != bool(choices):
                raise CatalogueError(f"{where} field {fcode!r}: choices go with type 'choice' only")
            extra.append(
                ExtraField(fcode, far, fen, ftype, bool(f.get("required", False)), choices)
            )
        services.append(
            Service(
                code=code,
                name_ar=_text(entry, "name_ar", where),
                name_en=_text(entry, "name_en", where),
                identity_kinds=kinds,
                conditions_ar=_text(entry, "conditions_ar", where),
                conditions_en=_text(entry, "conditions_en", where),
                documents=documents,
                fields=tuple(extra),
            )
        )
    codes = [s.code for s in services]
    if sorted(codes) != sorted(SERVICE_CODES):
        raise CatalogueError(
            f"{source}: services must be exactly {SERVICE_CODES}, found {tuple(codes)}"
        )
    return Catalogue(tuple(services))


def load_catalogue(path: Path | None = None) -> Catalogue:
    source = path or resource("catalogue", "services.toml")
    try:
        with source.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{source}: cannot be loaded ({exc})") from None
    return parse_catalogue(raw, str(source))


@cache
def default_catalogue() -> Catalogue:
    return load_catalogue()
