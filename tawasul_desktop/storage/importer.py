"""Import a backlog of requests taken on paper (JSON Lines), each line standing alone.

Lines are validated, then stored in batches: one transaction per batch for speed; what the
store would refuse is checked before writing, so a refused line leaves the others in. Each
line's key is the hash of its content, so running the same file again imports nothing twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tawasul_desktop.domain.file_checks import VerdictMemo, inspect_content
from tawasul_desktop.domain.intake_json import draft_from_json, parse_json_text
from tawasul_desktop.domain.intake_types import ValidRequest
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.models import Request
from tawasul_desktop.storage.requests import (
    BatchMemo,
    NewRequestRows,
    build_request_rows,
    display_number,
    open_duplicates,
    reserve_numbers,
    write_new_requests,
)
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor
from tawasul_desktop.wire.protocol import one_shot

BATCH = 2000
BATCH_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class LineFailure:
    line: int
    problems: list[Problem]


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0
    failed: list[LineFailure] = field(default_factory=list)
    # Stopped by Ctrl-C: the counts are what was committed (a batch cut short rolled back).
    interrupted: bool = False


@dataclass(frozen=True)
class _Ready:
    line: int
    key: str
    valid: ValidRequest
    submitted_at: dt.datetime | None


# Made once (json.dumps with options builds an encoder per call); the same text as
# json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_canonical = one_shot(_CANONICAL)


def _line_key(obj: object) -> str:
    return hashlib.sha256(_canonical(obj).encode("utf-8")).hexdigest()


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


def _prepare(
    store: Store,
    number: int,
    text: str,
    base: Path,
    now: dt.datetime,
    confine: bool = True,
    verdicts: VerdictMemo | None = None,
    resolved_base: Path | None = None,
) -> _Ready | LineFailure | None:
    if not text.strip():
        return None
    obj, bad = parse_json_text(text)
    if bad is not None:
        return LineFailure(number, [bad])
    problems: list[Problem] = []
    submitted_at: dt.datetime | None = None
    if isinstance(obj, dict):
        when = _submitted_at(obj, now)
        if isinstance(when, Problem):
            problems.append(when)
        else:
            submitted_at = when
    draft, shape = draft_from_json(
        obj, base, store.policy.intake.max_file_bytes, confine=confine,
        resolved_base=resolved_base,
    )
    if not isinstance(obj, dict):
        return LineFailure(
            number, shape
        )  # not a request at all; its empty draft's faults are noise
    valid, found = validate_request(
        draft,
        catalogue=store.catalogue,
        policy=store.policy.intake,
        inspect=verdicts.inspect if verdicts is not None else inspect_content,
    )
    problems = shape + problems + found
    if problems or valid is None:
        return LineFailure(number, problems)
    return _Ready(number, _line_key(obj), valid, submitted_at)


@contextlib.contextmanager
def _older_objects_left_alone() -> Iterator[None]:
    """The objects the process held before the import kept out of the collector's full
    passes until it ends (gc.freeze). An import keeps each batch's lines alive until they
    are written, so they reach the oldest generation, and each growth of it by a quarter
    starts a full pass over every object of the process (modules, SQLAlchemy's tables):
    about a tenth of an import's time, finding nothing. The import's own objects are
    collected as before; a heap someone else froze is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def import_lines(
    store: Store,
    actor: Actor,
    lines: Iterable[str],
    base: Path,
    *,
    confirm_duplicates: bool = False,
    now: dt.datetime | None = None,
    progress: Callable[[int, ImportReport], None] | None = None,
    allow_outside: bool = False,
) -> ImportReport:
    """Import each line; a line that cannot be read or validated is reported and the rest go
    on. Attachment paths must stay inside ``base`` unless ``allow_outside``."""
    now = now or dt.datetime.now(dt.UTC)
    report = ImportReport()
    batch: list[_Ready] = []
    batch_bytes = 0
    # Lines of a backlog often attach the same file (a form, a shared ID copy): decode it once.
    verdicts = VerdictMemo()
    # Attachment paths are confined to the folder, resolved once for the file, not per line.
    resolved_base = None if allow_outside else base.resolve()

    def flush() -> None:
        before = (report.imported, report.skipped, len(report.failed))
        try:
            _store_batch(store, actor, batch, report, confirm_duplicates, now)
        except KeyboardInterrupt:  # the batch's transaction rolled back: so do its counts
            report.imported, report.skipped = before[:2]
            del report.failed[before[2]:]
            raise

    try:
        with _older_objects_left_alone():
            for number, text in enumerate(lines, start=1):
                prepared = _prepare(
                    store, number, text, base, now, confine=not allow_outside, verdicts=verdicts,
                    resolved_base=resolved_base,
                )
                if isinstance(prepared, LineFailure):
                    report.failed.append(prepared)
                elif prepared is not None:
                    batch.append(prepared)
                    batch_bytes += sum(len(a.content) for a in prepared.valid.attachments)
                # A batch holds its lines' files in memory: bound it by bytes as well as by lines
                # (500 lines of real scans would be gigabytes).
                if len(batch) >= BATCH or batch_bytes >= BATCH_BYTES:
                    flush()
                    batch, batch_bytes = [], 0
                if progress is not None:
                    progress(number, report)
            if batch:
                flush()
    except KeyboardInterrupt:
        report.interrupted = True
        return report
    if report.imported >= 1000:
        store.refresh_statistics()
    return report


def _store_batch(
    store: Store,
    actor: Actor,
    batch: list[_Ready],
    report: ImportReport,
    confirm_duplicates: bool,
    now: dt.datetime,
) -> None:
    """One transaction for the batch. Everything the store could refuse (already imported,
    open duplicate) is checked up front, so a refused line never spoils the others."""
    zone = ZoneInfo(store.policy.calendar.timezone)
    centre, counter = store.settings.centre_code, store.settings.counter
    with store.write() as session:
        keys = [r.key for r in batch]
        present = set(
            session.execute(
                select(Request.import_key).where(Request.import_key.in_(keys))
            ).scalars()
        )
        open_ones = {
            k: (r.id, r.number)
            for k, r in open_duplicates(
                session, {(r.valid.beneficiary.id_number, r.valid.service) for r in batch}
            ).items()
        }
        # A line may duplicate a stored request or an earlier line of this batch (by its
        # index in ``accepted``; its number and id exist only once the rows are built).
        accepted: list[tuple[_Ready, dt.datetime, uuid.UUID | int | None]] = []
        first_in_batch: dict[tuple[str, str], int] = {}
        refused_for_earlier_line: list[tuple[_Ready, int]] = []
        for ready in batch:
            if ready.key in present:
                report.skipped += 1
                continue
            present.add(ready.key)  # the same line twice in one file counts once
            key = (ready.valid.beneficiary.id_number, ready.valid.service)
            duplicate = open_ones.get(key)
            earlier = first_in_batch.get(key)
            if not confirm_duplicates and duplicate is not None:
                report.failed.append(
                    LineFailure(
                        ready.line,
                        [
                            Problem.of(
                                "request.duplicate", "service", number=display_number(duplicate[1])
                            )
                        ],
                    )
                )
                continue
            if not confirm_duplicates and earlier is not None:
                refused_for_earlier_line.append((ready, earlier))
                continue
            when = ready.submitted_at or now
            if duplicate is None and earlier is None:
                first_in_batch[key] = len(accepted)
            accepted.append((ready, when, duplicate[0] if duplicate else earlier))
        by_year: dict[int, list[int]] = {}
        for index, (_, when, _) in enumerate(accepted):
            by_year.setdefault(when.astimezone(zone).year % 100, []).append(index)
        numbers: dict[int, str] = {}
        for year, indexes in by_year.items():
            numbers.update(
                zip(
                    indexes,
                    reserve_numbers(session, centre, counter, year, len(indexes)),
                    strict=True,
                )
            )
        calendar = store.calendar(session)
        memo = BatchMemo()  # lines often share a file and a submission moment
        rows: list[NewRequestRows] = []
        for index, (ready, when, duplicate_ref) in enumerate(accepted):
            duplicate_id = (
                rows[duplicate_ref].row["id"] if isinstance(duplicate_ref, int) else duplicate_ref
            )
            rows.append(
                build_request_rows(
                    store,
                    actor,
                    ready.valid,
                    number=numbers[index],
                    submitted_at=when,
                    now=now,
                    calendar=calendar,
                    duplicate_of=duplicate_id,
                    import_key=ready.key,
                    batch=memo,
                )
            )
        write_new_requests(session, rows, AuditLog(session), now)
        report.imported += len(rows)
        for ready, earlier in refused_for_earlier_line:
            report.failed.append(
                LineFailure(
                    ready.line,
                    [
                        Problem.of(
                            "request.duplicate", "service", number=display_number(numbers[earlier])
                        )
                    ],
                )
            )
