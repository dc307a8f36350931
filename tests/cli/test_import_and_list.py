"""`tawasul request import` (JSON Lines backlog) and `tawasul request list` filters."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.timing import compute_timing
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png

RIYADH = ZoneInfo("Asia/Riyadh")
DESCRIPTION = (
    "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات المطلوبة"
)


def line(id_number: str, name: str = "أحمد محمد القحطاني", **extra) -> str:
    obj = {
        "service": "passport",
        "applicant": {
            "name": name,
            "id_number": id_number,
            "mobile": "0501234567",
            "email": "a@example.com",
        },
        "relation": "self",
        "description": DESCRIPTION,
        "fields": {"passport_action": "issue"},
        "attachments": [
            {"document": "national_id_copy", "path": "scans/id.pdf"},
            {"document": "personal_photo", "path": "scans/photo.png"},
        ],
    } | extra
    return json.dumps(obj, ensure_ascii=False)


@pytest.fixture
def backlog(tmp_path):
    scans = tmp_path / "backlog" / "scans"
    scans.mkdir(parents=True)
    (scans / "id.pdf").write_bytes(_SAMPLE_PDF)
    (scans / "photo.png").write_bytes(_tiny_png())
    return tmp_path / "backlog"


def test_import_reports_a_bad_line_and_keeps_the_rest(tawasul, backlog, store):
    past = (dt.datetime.now(RIYADH) - dt.timedelta(days=20)).replace(
        hour=9, minute=15, second=0, microsecond=0
    )
    lines = [
        line(make_identity("1", "20000001")),
        line(make_identity("1", "20000002"), submitted_at=past.isoformat()),
        '{"service": "passport", "applicant": ',  # line 3: cut short
        line("1234567890"),  # line 4: bad identity
        "",  # blank lines are skipped
        line(make_identity("1", "20000003"), name="فاطمة علي الشهري"),
        line(make_identity("1", "20000004"), submitted_at="2026-01-01T09:00:00"),  # no offset
    ]
    path = backlog / "paper.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    ran = tawasul("request", "import", path, "--json")
    assert ran.code == 2  # some lines were refused
    report = ran.data
    assert (report["imported"], report["skipped"]) == (3, 0)
    failed = {f["line"]: [e["code"] for e in f["errors"]] for f in report["failed"]}
    assert failed == {3: ["input.bad_json"], 4: ["id.checksum"], 7: ["import.bad_submitted_at"]}
    assert ops.count_requests(store, ops.RequestFilter()) == 3

    # A line with submitted_at in the past keeps that time and is timed from it.
    old = ops.find_by_identity(store, make_identity("1", "20000002"))[0]
    assert old.submitted_at == past
    expected = compute_timing(past, store.calendar(), store.policy.timing)
    assert (old.effective_day, old.due_date) == (expected.effective_day, expected.due_date)
    assert old.import_key
    fresh = ops.find_by_identity(store, make_identity("1", "20000001"))[0]
    assert dt.datetime.now(dt.UTC) - fresh.submitted_at < dt.timedelta(minutes=5)

    # Human output names the lines too.
    again = tawasul("request", "import", path)
    assert again.code == 2
    assert "imported 0, already present 3, refused 3" in again.out
    assert "line 4: [id.checksum]" in again.out
    assert ops.count_requests(store, ops.RequestFilter()) == 3


def test_import_of_a_clean_file_exits_0_and_never_twice(tawasul, backlog, store):
    path = backlog / "clean.jsonl"
    path.write_text(
        "\ufeff" + "\n".join(line(make_identity("1", f"3000000{i}")) for i in range(3)),
        encoding="utf-8",
    )  # Windows Notepad's UTF-8 starts with a BOM
    first = tawasul("request", "import", path, "--json")
    assert first.code == 0, first.out
    assert first.data == {"imported": 3, "skipped": 0, "failed": []}
    second = tawasul("request", "import", path, "--json")
    assert second.data == {"imported": 0, "skipped": 3, "failed": []}
    assert ops.count_requests(store, ops.RequestFilter()) == 3


def test_import_refuses_a_second_open_request_in_the_same_file(tawasul, backlog, store):
    same = make_identity("1", "40000001")
    path = backlog / "twice.jsonl"
    path.write_text(
        "\n".join([line(same), line(same, description=DESCRIPTION + " مرة ثانية")]),
        encoding="utf-8",
    )
    ran = tawasul("request", "import", path, "--json")
    assert ran.data["imported"] == 1
    assert [(f["line"], [e["code"] for e in f["errors"]]) for f in ran.data["failed"]] == [
        (2, ["request.duplicate"])
    ]
    confirmed = tawasul("request", "import", path, "--confirm-duplicates", "--json")
    assert (confirmed.data["imported"], confirmed.data["skipped"]) == (1, 1)
    rows = ops.find_by_identity(store, same)
    assert len(rows) == 2
    first, second = sorted(rows, key=lambda r: r.number)
    assert second.duplicate_of == first.id


def test_import_of_a_missing_file(tawasul, tmp_path):
    ran = tawasul("request", "import", tmp_path / "nowhere.jsonl")
    assert ran.code == 2
    assert "cannot read" in ran.err


# --- list ---------------------------------------------------------------------------------


@pytest.fixture
def populated(store, valid_request, supervisor):
    """Five requests over the last month, in several states and services."""
    now = dt.datetime.now(dt.UTC)
    made = {}
    made["ahmad"] = ops.submit_request(
        store, supervisor, valid_request(name="أحمد محمد القحطاني"), now=now - dt.timedelta(days=30)
    )  # long overdue
    made["fatima"] = ops.submit_request(
        store, supervisor, valid_request(name="فاطمة علي الشهري"), now=now - dt.timedelta(days=10)
    )
    made["ahmed_accepted"] = ops.submit_request(
        store, supervisor, valid_request(name="احمد سعد الغامدي"), now=now - dt.timedelta(days=30)
    )
    ops.transition(store, supervisor, made["ahmed_accepted"].number, Action.ACCEPT, now=now)
    made["today"] = ops.submit_request(
        store, supervisor, valid_request(name="Maria Santos Cruz"), now=now
    )
    from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
    from tawasul_desktop.domain.validation import validate_request

    iqama = make_identity("2", "50000001")
    valid, problems = validate_request(
        RequestDraft(
            service="iqama_renewal",
            applicant=PersonInput("Rahul Kumar Nair", iqama, "0551234567", "r@example.com"),
            description=DESCRIPTION,
            attachments=[
                AttachmentInput("iqama_copy", "i.pdf", _SAMPLE_PDF),
                AttachmentInput("passport_copy", "p.pdf", _SAMPLE_PDF),
            ],
        )
    )
    assert valid is not None, problems
    made["iqama"] = ops.submit_request(store, supervisor, valid, now=now - dt.timedelta(days=1))
    return {k: v.number for k, v in made.items()} | {"iqama_id": iqama}


def _listed(tawasul, *args):
    ran = tawasul("request", "list", "--json", *args)
    assert ran.code == 0, ran.err
    return {r["number"] for r in ran.data}


def test_list_and_its_filters(tawasul, populated):
    """Each option reaches the query (the filters themselves: tests/storage/test_listing.py)."""
    p = populated
    everything = tawasul("request", "list", "--json")
    assert [r["number"] for r in everything.data][0] == p["today"]  # newest first
    assert {r["number"] for r in everything.data} == {v for k, v in p.items() if k != "iqama_id"}
    row = next(r for r in everything.data if r["number"] == p["ahmad"])
    assert row["overdue"] is True and row["status"] == "submitted"

    assert _listed(tawasul, "--overdue") == {p["ahmad"]}
    today = dt.datetime.now(RIYADH).date()
    # Every option below removes at least one request the others would let through.
    assert _listed(
        tawasul,
        "--status",
        "submitted",
        "--service",
        "passport",
        "--counter",
        "1",
        "--since",
        (today - dt.timedelta(days=31)).isoformat(),
        "--until",
        (today - dt.timedelta(days=9)).isoformat(),
        "--text",
        "احمد",
    ) == {p["ahmad"]}
    arabic = p["fatima"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert _listed(tawasul, "--text", arabic) == {p["fatima"]}
    assert _listed(tawasul, "--text", p["iqama_id"], "--limit", "1") == {p["iqama"]}


def test_list_refuses_bad_dates_and_limits(tawasul):
    bad = tawasul("request", "list", "--since", "yesterday")
    assert bad.code == 2 and "--since" in bad.err
    bad = tawasul("request", "list", "--limit", "0")
    assert bad.code == 2
