"""import_lines in-process: batches, duplicates inside one file, the byte budget of a batch."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.storage import importer
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.models import Request

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
