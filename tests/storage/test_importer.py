"""import_lines in-process: batches, duplicates inside one file, the byte budget of a batch."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.timing import compute_timing
from tawasul_desktop.storage import importer
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.models import Attachment, Request

NOW = dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)
DESCRIPTION = (
    "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات المطلوبة"
)


@pytest.fixture
def base(tmp_path):
    (tmp_path / "id.pdf").write_bytes(_SAMPLE_PDF)
    (tmp_path / "photo.png").write_bytes(_tiny_png())
    return tmp_path


def line(id_number: str, note: str = "") -> str:
    return json.dumps(
        {
            "service": "passport",
            "applicant": {
                "name": "أحمد محمد القحطاني",
                "id_number": id_number,
                "mobile": "0501234567",
                "email": "a@example.com",
            },
            "description": DESCRIPTION + note,
            "fields": {"passport_action": "issue"},
            "attachments": [
                {"document": "national_id_copy", "path": "id.pdf"},
                {"document": "personal_photo", "path": "photo.png"},
            ],
        },
        ensure_ascii=False,
    )


def _rows(store):
    with store.read() as session:
        return session.execute(select(Request).order_by(Request.number)).scalars().all()


@pytest.mark.parametrize("batch", [500, 1, 2])
def test_duplicates_within_one_file(store, supervisor, base, monkeypatch, batch):
    monkeypatch.setattr(importer, "BATCH", batch)
    a, b = make_identity("1", "60000001"), make_identity("1", "60000002")
    lines = [line(a), line(b), line(a, " ثانية"), line(a, " ثالثة")]
    report = importer.import_lines(store, supervisor, lines, base, now=NOW)
    assert report.imported == 2
    assert sorted((f.line, f.problems[0].code) for f in report.failed) == [
        (3, "request.duplicate"),
        (4, "request.duplicate"),
    ]
    first = next(r for r in _rows(store) if r.beneficiary_id == a)
    assert all(ops.display_number(first.number) in f.problems[0].message_en for f in report.failed)

    confirmed = importer.import_lines(
        store, supervisor, lines, base, now=NOW, confirm_duplicates=True
    )
    assert (confirmed.imported, confirmed.skipped, confirmed.failed) == (2, 2, [])
    for_a = [r for r in _rows(store) if r.beneficiary_id == a]
    assert len(for_a) == 3
    assert sorted(str(r.duplicate_of) for r in for_a if r.id != first.id) == [str(first.id)] * 2


def test_confirmed_duplicates_in_one_batch_link_to_the_first_line(store, supervisor, base):
    a = make_identity("1", "60000003")
    report = importer.import_lines(
        store, supervisor, [line(a), line(a, " ثانية")], base, now=NOW, confirm_duplicates=True
    )
    assert report.imported == 2
    first, second = _rows(store)
    assert (first.duplicate_of, second.duplicate_of) == (None, first.id)


def test_a_batch_is_bounded_by_bytes(store, supervisor, base, monkeypatch):
    """With a tiny byte budget every line is its own batch; nothing is lost or doubled."""
    stored: list[int] = []
    real = importer._store_batch

    def counting(store_, actor, batch, *args):
        stored.append(len(batch))
        return real(store_, actor, batch, *args)

    monkeypatch.setattr(importer, "BATCH_BYTES", 1)
    monkeypatch.setattr(importer, "_store_batch", counting)
    lines = [line(make_identity("1", f"6100000{i}")) for i in range(4)]
    report = importer.import_lines(store, supervisor, lines, base, now=NOW)
    assert report.imported == 4
    assert stored == [1, 1, 1, 1]
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(Request)).scalar_one() == 4
        assert verify_chain(session)[1] == []
    numbers = [ops.display_number(r.number) for r in _rows(store)]
    assert len(set(numbers)) == 4


def test_a_line_that_is_not_an_object_reports_only_that(store, supervisor, base):
    report = importer.import_lines(store, supervisor, ["[1, 2]", '"text"', "42"], base, now=NOW)
    assert [(f.line, [p.code for p in f.problems]) for f in report.failed] == [
        (1, ["input.bad_json"]),
        (2, ["input.bad_json"]),
        (3, ["input.bad_json"]),
    ]


def test_a_bad_line_mid_batch_leaves_the_rest_of_the_batch_in(store, supervisor, base):
    """One batch: lines that fail validation, one that repeats an earlier line's person, one
    submitted at the same moment written in another offset. The others go in with their
    files, dates as compute_timing gives them, and an audit chain that verifies."""
    submitted = dt.datetime(2026, 10, 29, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    ids = [make_identity("1", f"6200000{i}") for i in range(6)]
    objs = [json.loads(line(i)) for i in ids]
    objs[1]["applicant"]["email"] = "not an address"
    objs[3]["attachments"][0]["path"] = "../id.pdf"
    objs[4]["applicant"]["id_number"] = ids[0]  # the first line's person and service
    objs[0]["submitted_at"] = submitted.isoformat()
    objs[2]["submitted_at"] = submitted.astimezone(dt.UTC).isoformat()
    (base / "other.png").write_bytes(_tiny_png(b"another photo"))
    objs[5]["attachments"][1]["path"] = "other.png"
    lines = [json.dumps(o, ensure_ascii=False) for o in objs]
    report = importer.import_lines(store, supervisor, lines, base, now=NOW)
    assert report.imported == 3
    assert sorted((f.line, f.problems[0].code) for f in report.failed) == [
        (2, "email.invalid"), (4, "attachment.outside_folder"), (5, "request.duplicate")]
    rows = _rows(store)
    assert sorted(r.beneficiary_id for r in rows) == [ids[0], ids[2], ids[5]]
    calendar = store.calendar()
    for row in rows:
        timing = compute_timing(row.submitted_at, calendar, store.policy.timing)
        assert (row.effective_day, row.due_date) == (timing.effective_day, timing.due_date)
    with store.read() as session:
        assert verify_chain(session) == (3, [])
        stored = session.execute(select(Attachment.sha256)).scalars().all()
    assert len(stored) == 6 and len(set(stored)) == 3
    for digest in stored:
        assert store.blobs.exists(digest)


def test_a_batch_rolled_back_puts_its_files_again_next_time(store, supervisor, base, monkeypatch):
    """The files a batch put are remembered for that batch only: after it rolled back and
    its files were swept, the next run writes them again."""
    real = importer.write_new_requests
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "write_new_requests", failing_once)
    lines = [line(make_identity("1", f"6300000{i}")) for i in range(3)]
    with pytest.raises(OSError):
        importer.import_lines(store, supervisor, lines, base, now=NOW)
    assert store.sweep_orphan_files() == 2  # the batch's two files, referenced by nothing
    report = importer.import_lines(store, supervisor, lines, base, now=NOW)
    assert report.imported == 3
    with store.read() as session:
        digests = set(session.execute(select(Attachment.sha256)).scalars())
    assert len(digests) == 2 and all(store.blobs.exists(d) for d in digests)


def test_the_heap_is_frozen_during_an_import_only(store, supervisor, base):
    """The objects held before an import are out of the collector's full passes while it
    runs (gc.freeze), and back in afterwards, also when it is interrupted or fails; a heap
    frozen by someone else stays frozen as it was."""
    import gc

    seen: list[int] = []
    lines = [line(make_identity("1", f"6400000{i}")) for i in range(3)]
    report = importer.import_lines(store, supervisor, lines, base, now=NOW,
                                   progress=lambda n, r: seen.append(gc.get_freeze_count()))
    assert report.imported == 3 and min(seen) > 0 and gc.get_freeze_count() == 0

    def interrupt(number: int, report: importer.ImportReport) -> None:
        raise KeyboardInterrupt

    assert importer.import_lines(store, supervisor, lines, base, now=NOW,
                                 progress=interrupt).interrupted
    assert gc.get_freeze_count() == 0
    with pytest.raises(ZeroDivisionError):
        importer.import_lines(store, supervisor, lines, base, now=NOW,
                              progress=lambda n, r: 1 / 0)
    assert gc.get_freeze_count() == 0

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        importer.import_lines(store, supervisor, ["{bad"], base, now=NOW)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
