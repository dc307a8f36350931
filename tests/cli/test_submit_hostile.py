"""Random and hostile JSON given to `tawasul request submit` / `request import`.

The same functions the command uses are called in-process (validate_json, submit_request,
import_lines). Whatever comes in, the only exception allowed out is TawasulError, and a
refused input leaves the database exactly as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tawasul_desktop.cli.commands import validate_json
from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.importer import import_lines
from tawasul_desktop.storage.models import Attachment, AuditEntry, NumberSequence, Request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

ACTOR = Actor("fuzz", "clerk")
DESCRIPTION = "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات"
NOW = dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    (base / "id.pdf").write_bytes(_SAMPLE_PDF)
    (base / "photo.png").write_bytes(_tiny_png())
    (base / "empty.pdf").write_bytes(b"")
    (base / "fake.pdf").write_bytes(b"MZ\x90\x00 not a pdf at all")
    (base / "folder").mkdir()
    mp = pytest.MonkeyPatch()
    for name in (
        "TAWASUL_DB",
        "TAWASUL_DATA_DIR",
        "TAWASUL_CONFIG",
        "TAWASUL_COUNTER",
        "TAWASUL_CENTRE",
    ):
        mp.delenv(name, raising=False)
    opened = Store.open(
        load_settings(base / "none.toml", db=base / "fuzz.sqlite3", data_dir=base / "data")
    )
    yield opened, base
    opened.close()
    mp.undo()


def _valid_obj(id_number: str) -> dict:
    return {
        "service": "passport",
        "applicant": {
            "name": "أحمد محمد القحطاني",
            "id_number": id_number,
            "mobile": "0501234567",
            "email": "a@example.com",
        },
        "relation": "self",
        "description": DESCRIPTION,
        "fields": {"passport_action": "renew"},
        "attachments": [
            {"document": "national_id_copy", "path": "id.pdf"},
            {"document": "personal_photo", "path": "photo.png"},
        ],
    }


def _snapshot(store):
    with store.read() as session:
        counts = tuple(
            session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Request, Attachment, AuditEntry)
        )
        sequences = tuple(session.execute(select(NumberSequence.last)).scalars())
    files = (
        sorted(p.name for p in store.settings.attachments_dir.rglob("*") if p.is_file())
        if store.settings.attachments_dir.exists()
        else []
    )
    return counts, sequences, files


def _submit(store, base, obj, confirm=False):
    valid = validate_json(store, obj, base)
    return ops.submit_request(store, ACTOR, valid, now=NOW, confirm_duplicate=confirm)


def _check_outcome(store, base, obj):
    before = _snapshot(store)
    try:
        summary = _submit(store, base, obj)
    except TawasulError as err:
        assert err.problems, "a TawasulError must carry at least one problem"
        for p in err.problems:
            assert p.code and p.message_ar and p.message_en
            json.dumps(p.as_dict(), ensure_ascii=False).encode("utf-8")  # printable by the CLI
        after = _snapshot(store)
        assert after == before, "a refused input changed the database or the files"
        return None
    counts = _snapshot(store)[0]
    req = ops.get_request(store, summary.number)
    assert counts == (before[0][0] + 1, before[0][1] + len(req.attachments), before[0][2] + 1)
    return summary


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)

hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\u202e",
            "\ud800",
            "a" * 5000,
            "أ" * 300,
            "../../../etc/passwd",
            "/etc/passwd",
            "/dev/null",
            "folder",
            "empty.pdf",
            "fake.pdf",
            "id.pdf",
            "photo.png",
            "C:\\Windows\\win.ini",
            "\\\\server\\share\\x.pdf",
            "id.pdf\x00.png",
            "' OR 1=1 --",
            "%s%n",
            "{0}{x}",
            "٠٥٠١٢٣٤٥٦٧",
            "+966 50 123 4567",
            "1000000008",
            "2000000007",
            "passport",
            "iqama_renewal",
            "self",
            "spouse",
            "national_id_copy",
            "personal_photo",
        ]
    ),
)

# Where in a valid request a hostile value may go.
PATHS = [
    ("service",),
    ("relation",),
    ("description",),
    ("applicant",),
    ("applicant", "name"),
    ("applicant", "id_number"),
    ("applicant", "mobile"),
    ("applicant", "email"),
    ("beneficiary",),
    ("fields",),
    ("fields", "passport_action"),
    ("fields", "unknown"),
    ("attachments",),
    ("attachments", 0),
    ("attachments", 0, "path"),
    ("attachments", 1, "path"),
    ("attachments", 1, "document"),
    ("attachments", 2),
]


def _put(obj, path, value):
    target = obj
    for key in path[:-1]:
        if isinstance(target, list) and isinstance(key, int):
            if key >= len(target):
                return
            target = target[key]
        elif isinstance(target, dict):
            target = target.setdefault(key, {})
        else:
            return
    last = path[-1]
    if isinstance(target, list) and isinstance(last, int):
        if last < len(target):
            target[last] = value
        else:
            target.append(value)
    elif isinstance(target, dict):
        target[last] = value


@FUZZ
@given(obj=json_values)
def test_random_json_is_refused_cleanly(world, obj):
    store, base = world
    assert _check_outcome(store, base, obj) is None


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(PATHS), hostile_text | json_values), min_size=1, max_size=4
    ),
    body=st.integers(0, 99_999_999),
)
def test_a_valid_request_with_hostile_parts(world, edits, body):
    store, base = world
    obj = copy.deepcopy(_valid_obj(make_identity("1", f"{body:08d}")))
    for path, value in edits:
        _put(obj, path, value)
    _check_outcome(store, base, obj)


@FUZZ
@given(body=st.integers(0, 99_999_999), confirm=st.booleans())
def test_valid_requests_are_stored_whole(world, body, confirm):
    store, base = world
    obj = _valid_obj(make_identity("1", f"{body:08d}"))
    before = _snapshot(store)[0]
    try:
        summary = _submit(store, base, obj, confirm)
    except TawasulError as err:
        assert [p.code for p in err.problems] == ["request.duplicate"] and not confirm
        assert _snapshot(store)[0] == before
        return
    assert summary.status == "submitted"
    assert _snapshot(store)[0] == (before[0] + 1, before[1] + 2, before[2] + 1)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=40),
            json_values.map(lambda v: json.dumps(v)),
            st.tuples(st.integers(0, 99_999_999), st.sampled_from(PATHS), hostile_text).map(
                lambda t: json.dumps(_edited(t[0], t[1], t[2]), ensure_ascii=False)
            ),
            st.tuples(
                st.integers(0, 99_999_999),
                st.one_of(
                    st.just(None),
                    st.just("2026-10-01T09:00:00+03:00"),
                    st.just("2026-10-01T09:00:00"),
                    st.just("2999-01-01T00:00:00+00:00"),
                    st.just("yesterday"),
                    st.integers(),
                ),
            ).map(
                lambda t: json.dumps(
                    _valid_obj(make_identity("2", f"{t[0]:08d}"))
                    | {
                        "service": "iqama_renewal",
                        "submitted_at": t[1],
                        "fields": {},
                        "attachments": [
                            {"document": "iqama_copy", "path": "id.pdf"},
                            {"document": "passport_copy", "path": "photo.png"},
                        ],
                    }
                )
            ),
        ),
        max_size=6,
    )
)
def test_import_of_hostile_lines_never_breaks(world, lines):
    store, base = world
    before = _snapshot(store)[0]
    report = import_lines(store, ACTOR, lines, base, now=NOW)
    after = _snapshot(store)[0]
    assert report.imported == after[0] - before[0]
    assert after[2] - before[2] == report.imported  # one audit entry per imported line
    nonblank = [line for line in lines if line.strip()]
    assert report.imported + report.skipped + len(report.failed) == len(nonblank)
    for failure in report.failed:
        assert 1 <= failure.line <= len(lines) and failure.problems
    with store.read() as session:
        assert verify_chain(session)[1] == []


def _edited(body, path, value):
    obj = _valid_obj(make_identity("1", f"{body:08d}"))
    _put(obj, path, value)
    return obj
