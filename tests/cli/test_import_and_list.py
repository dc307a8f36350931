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


def test_import_reports_a_bad_line_and_keeps_the_rest(tawasul, backlog, store, operator):
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


def test_import_of_a_clean_file_exits_0_and_never_twice(tawasul, backlog, store, operator):
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


def test_import_refuses_a_second_open_request_in_the_same_file(tawasul, backlog, store, operator):
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
    """Requests around one target (khalid): for each list option, one request that passes
    every other option but not that one."""
    now = dt.datetime.now(dt.UTC)
    days = dt.timedelta(days=1)

    def submit(name, age, valid=None):
        return ops.submit_request(
            store, supervisor, valid or valid_request(name=name), now=now - age * days
        ).number

    p = {
        "khalid": submit("خالد سعد العتيبي", 25),
        "khalid_accepted": submit("خالد ناصر الحربي", 25),
        "khalid_old": submit("خالد فهد الدوسري", 29),
        "khalid_new": submit("خالد علي الشمري", 2),
        "ahmad": submit("أحمد محمد القحطاني", 25),
        "ahmad_plain": submit("احمد سالم الزهراني", 30),
        "maria": submit("Maria Santos Cruz", 0),
    }
    ops.transition(store, supervisor, p["khalid_accepted"], Action.ACCEPT, now=now)
    from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
    from tawasul_desktop.domain.validation import validate_request

    valid, problems = validate_request(
        RequestDraft(
            service="iqama_renewal",
            applicant=PersonInput(
                "خالد يوسف المالكي", make_identity("2", "50000001"), "0551234567", "k@example.com"
            ),
            description=DESCRIPTION,
            attachments=[
                AttachmentInput("iqama_copy", "i.pdf", _SAMPLE_PDF),
                AttachmentInput("passport_copy", "p.pdf", _SAMPLE_PDF),
            ],
        )
    )
    assert valid is not None, problems
    p["khalid_iqama"] = submit(None, 25, valid)
    return p


def _listed(tawasul, *args):
    ran = tawasul("request", "list", "--json", *args)
    assert ran.code == 0, ran.err
    return {r["number"] for r in ran.data}


def test_list_and_its_filters(tawasul, populated):
    """Each option reaches the query (the filters in depth: tests/storage/test_listing.py)."""
    p = populated
    everything = tawasul("request", "list", "--json")
    assert [r["number"] for r in everything.data][0] == p["maria"]  # newest first
    assert {r["number"] for r in everything.data} == set(p.values())

    # Open and submitted 25 days ago or more: certainly past 7 working days.
    assert _listed(tawasul, "--overdue") == set(p.values()) - {
        p["khalid_accepted"],
        p["khalid_new"],
        p["maria"],
    }

    today = dt.datetime.now(RIYADH).date()
    assert _listed(
        tawasul,
        "--status",
        "submitted",
        "--service",
        "passport",
        "--counter",
        "1",
        "--since",
        (today - 27 * dt.timedelta(days=1)).isoformat(),
        "--until",
        (today - 20 * dt.timedelta(days=1)).isoformat(),
        "--text",
        "خالد",
    ) == {p["khalid"]}

    # Alef forms fold together: "احمد" finds "أحمد" and "احمد".
    assert _listed(tawasul, "--text", "احمد") == {p["ahmad"], p["ahmad_plain"]}
    arabic = p["khalid_old"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert _listed(tawasul, "--text", arabic) == {p["khalid_old"]}


def test_list_refuses_bad_dates_and_limits(tawasul):
    bad = tawasul("request", "list", "--since", "yesterday")
    assert bad.code == 2 and "--since" in bad.err
    bad = tawasul("request", "list", "--limit", "0")
    assert bad.code == 2
