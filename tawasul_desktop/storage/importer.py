"""Import a backlog of requests taken on paper (JSON Lines), each line standing alone.

Lines are validated, then stored in batches: one transaction per batch for speed, one
savepoint per line so a line refused by the store leaves the others in. Each line's key is
the hash of its content, so running the same file again imports nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from tawasul_desktop.domain.intake_json import draft_from_json
from tawasul_desktop.domain.intake_types import ValidRequest
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.models import Request
from tawasul_desktop.storage.requests import insert_request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

BATCH = 500


@dataclass(frozen=True)
class LineFailure:
    line: int
    problems: list[Problem]


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0
    failed: list[LineFailure] = field(default_factory=list)


@dataclass(frozen=True)
class _Ready:
    line: int
    key: str
    valid: ValidRequest
    submitted_at: dt.datetime | None


def _line_key(obj: object) -> str:
    canonical = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _submitted_at(obj: dict[str, object], now: dt.datetime) -> dt.datetime | None | Problem:
    raw = obj.get("submitted_at")
    if raw in (None, ""):
        return None
    try:
        value = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return Problem.of("import.bad_submitted_at", "submitted_at", value=str(raw)[:40])
    if value.tzinfo is None or value > now:
        return Problem.of("import.bad_submitted_at", "submitted_at", value=str(raw)[:40])
    return value


def _prepare(store: Store, number: int, text: str, base: Path, now: dt.datetime) -> _Ready | LineFailure | None:
    if not text.strip():
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return LineFailure(number, [Problem.of("input.bad_json", "", detail=exc.msg)])
    problems: list[Problem] = []
    submitted_at: dt.datetime | None = None
    if isinstance(obj, dict):
        when = _submitted_at(obj, now)
        if isinstance(when, Problem):
            problems.append(when)
        else:
            submitted_at = when
    draft, shape = draft_from_json(obj, base, store.policy.intake.max_file_bytes)
    valid, found = validate_request(draft, catalogue=store.catalogue, policy=store.policy.intake)
    problems = shape + problems + found
    if problems or valid is None:
        return LineFailure(number, problems)
    return _Ready(number, _line_key(obj), valid, submitted_at)


def import_lines(store: Store, actor: Actor, lines: Iterable[str], base: Path, *,
                 confirm_duplicates: bool = False, now: dt.datetime | None = None) -> ImportReport:
    now = now or dt.datetime.now(dt.UTC)
    report = ImportReport()
    batch: list[_Ready] = []
    for number, text in enumerate(lines, start=1):
        prepared = _prepare(store, number, text, base, now)
        if isinstance(prepared, LineFailure):
            report.failed.append(prepared)
        elif prepared is not None:
            batch.append(prepared)
        if len(batch) >= BATCH:
            _store_batch(store, actor, batch, report, confirm_duplicates, now)
            batch = []
    if batch:
        _store_batch(store, actor, batch, report, confirm_duplicates, now)
    return report


def _store_batch(store: Store, actor: Actor, batch: list[_Ready], report: ImportReport,
                 confirm_duplicates: bool, now: dt.datetime) -> None:
    with store.write() as session:
        keys = [r.key for r in batch]
        present = set(session.execute(select(Request.import_key).where(Request.import_key.in_(keys))).scalars())
        audit = AuditLog(session)
        for ready in batch:
            if ready.key in present:
                report.skipped += 1
                continue
            present.add(ready.key)  # the same line twice in one file counts once
            try:
                with session.begin_nested():
                    insert_request(session, store, actor, ready.valid, audit, now=now,
                                   submitted_at=ready.submitted_at,
                                   confirm_duplicate=confirm_duplicates, import_key=ready.key)
                report.imported += 1
            except TawasulError as err:
                audit._last = None  # the savepoint rolled back any entry it had added
                report.failed.append(LineFailure(ready.line, err.problems))
