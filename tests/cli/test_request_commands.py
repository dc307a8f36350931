"""`tawasul request submit/show/decide/follow-up` and `closure add`, run as real processes."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from cli_users import OPERATOR_PASSWORD, map_os_account

from tawasul_desktop.domain.numbers import make_number, parse_number
from tawasul_desktop.domain.timing import compute_timing
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.store import Store

RIYADH = ZoneInfo("Asia/Riyadh")
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
DESCRIPTION = (
    "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات المطلوبة"
)


def request_obj(id_number: str, **changes) -> dict:
    obj = {
        "service": "passport",
        "applicant": {
            "name": "أحمد محمد القحطاني",
            "id_number": id_number,
            "mobile": "0501234567",
            "email": "ahmad@example.com",
        },
        "relation": "self",
        "description": DESCRIPTION,
        "fields": {"passport_action": "renew"},
        "attachments": [
            {"document": "national_id_copy", "path": "files/id.pdf"},
            {"document": "personal_photo", "path": "files/photo.png"},
        ],
    }
    obj.update(changes)
    return obj


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "id.pdf").write_bytes(_SAMPLE_PDF)
    (folder / "photo.png").write_bytes(_tiny_png())
    return folder


def write_json(path, obj):
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def test_submit_from_a_file(tawasul, tmp_path, files, settings, operator):
    request = write_json(tmp_path / "req.json", request_obj("1000000008"))
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ran = tawasul("request", "submit", request, "--json")
    after = dt.datetime.now(dt.UTC)
    assert ran.code == 0, ran.err
    data = ran.data
    assert data["status"] == "submitted" and data["service"] == "passport"
    number = parse_number(data["number"])
    assert data["number"] == number.display and number.counter == 1
    assert ISO_WITH_OFFSET.match(data["submitted_at"]), data["submitted_at"]
    assert ISO_WITH_OFFSET.match(data["follow_up_from"]), data["follow_up_from"]
    submitted = dt.datetime.fromisoformat(data["submitted_at"])
    assert submitted.utcoffset() == dt.timedelta(hours=3)  # shown in the office's time
    assert before <= submitted <= after
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["due_date"])
    with Store.open(settings) as store:
        timing = compute_timing(submitted, store.calendar(), store.policy.timing)
        req = ops.get_request(store, data["number"])
        assert [a.document for a in req.attachments] == ["national_id_copy", "personal_photo"]
    assert dt.date.fromisoformat(data["due_date"]) == timing.due_date
    assert dt.datetime.fromisoformat(data["follow_up_from"]) == timing.follow_up_from


def test_submit_from_stdin_and_duplicates(tawasul, tmp_path, files, operator):
    """Paths in JSON read from stdin are relative to the working folder."""
    text = json.dumps(request_obj("1000000016"), ensure_ascii=False)
    first = tawasul("request", "submit", "-", "--json", stdin=text, cwd=tmp_path)
    assert first.code == 0, first.err
    assert first.data["status"] == "submitted"

    refused = tawasul(
        "request",
        "submit",
        write_json(tmp_path / "again.json", request_obj("1000000016")),
        "--json",
    )
    assert refused.code == 2
    assert [e["code"] for e in refused.data["errors"]] == ["request.duplicate"]
    assert first.data["number"] in refused.data["errors"][0]["message_en"]

    confirmed = tawasul("request", "submit", "-", "--confirm-duplicate", stdin=text, cwd=tmp_path)
    assert confirmed.code == 0, confirmed.err
    assert re.search(r"duplicate of\s+" + re.escape(first.data["number"]), confirmed.out)


def test_invalid_input_lists_every_problem_and_exits_2(
    tawasul, tmp_path, files, settings, operator
):
    bad = request_obj(
        "1000000009",
        description="قصير",
        attachments=[{"document": "national_id_copy", "path": "files/id.pdf"}],
    )
    bad["applicant"]["mobile"] = "12345"
    ran = tawasul("request", "submit", write_json(tmp_path / "bad.json", bad), "--json")
    assert ran.code == 2
    errors = ran.data["errors"]
    for error in errors:
        assert set(error) >= {"code", "field", "message_ar", "message_en"}
        assert error["message_ar"] and error["message_en"]
    by_code = {e["code"]: e for e in errors}
    assert {
        "id.checksum",
        "mobile.invalid",
        "description.too_short",
        "attachment.missing_document",
    } <= set(by_code)
    assert by_code["id.checksum"]["field"] == "applicant.id_number"
    assert by_code["attachment.missing_document"]["document"] == "personal_photo"
    assert "document" not in by_code["mobile.invalid"]
    # Human form: the problems go to stderr in both languages, nothing is stored.
    human = tawasul("request", "submit", tmp_path / "bad.json")
    assert human.code == 2 and human.out == ""
    assert "[attachment.missing_document]" in human.err and "غير مرفق" in human.err
    with Store.open(settings) as store:
        assert ops.count_requests(store, ops.RequestFilter()) == 0


def test_unreadable_input_is_invalid_input(tawasul, tmp_path):
    broken = tawasul("request", "submit", "-", "--json", stdin="{not json")
    assert broken.code == 2
    assert [e["code"] for e in broken.data["errors"]] == ["input.bad_json"]
    assert "line 1" in broken.data["errors"][0]["message_en"]
    missing = tawasul("request", "submit", tmp_path / "nowhere.json", "--json")
    assert missing.code == 2
    assert [e["code"] for e in missing.data["errors"]] == ["input.bad_json"]


@pytest.mark.parametrize("obj", [[1, 2], "a string", 42, None])
def test_json_that_is_not_an_object_reports_only_that(store, obj, tmp_path):
    """The command's own validate_json: no "name required" noise for a non-object."""
    from tawasul_desktop.cli.commands import validate_json
    from tawasul_desktop.domain.messages import TawasulError

    with pytest.raises(TawasulError) as caught:
        validate_json(store, obj, tmp_path)
    assert [p.code for p in caught.value.problems] == ["input.bad_json"]


def test_show_tells_a_mistyped_number_from_an_unknown_one(
    tawasul, store, valid_request, supervisor
):
    number = ops.submit_request(store, supervisor, valid_request(id_number="1000000032")).number
    digits = parse_number(number).digits
    typo = (
        digits[:-2] + digits[-1] + digits[-2]
        if digits[-1] != digits[-2]
        else digits[:-1] + str((int(digits[-1]) + 1) % 10)
    )
    mistyped = tawasul("request", "show", typo, "--json")
    assert mistyped.code == 2
    assert mistyped.data["errors"][0]["code"] == "request.bad_number"

    unknown = tawasul("request", "show", make_number("101", 1, 26, 99_998).display, "--json")
    assert unknown.code == 1
    assert unknown.data["errors"][0]["code"] == "request.not_found"

    arabic = number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    shown = tawasul("request", "show", arabic, "--json")
    assert shown.code == 0, shown.err
    detail = shown.data
    assert detail["number"] == number
    assert detail["applicant"]["id_number"] == "1000000032"
    assert [a["document"] for a in detail["attachments"]] == ["national_id_copy", "personal_photo"]


def test_decide_accept_and_reject(tawasul, store, valid_request, supervisor, operator):
    a = ops.submit_request(store, supervisor, valid_request()).number
    b = ops.submit_request(store, supervisor, valid_request()).number
    accepted = tawasul("request", "decide", "--accept", a, "--json", password=OPERATOR_PASSWORD)
    assert accepted.code == 0, accepted.err
    assert accepted.data["status"] == "accepted"

    no_reason = tawasul("request", "decide", "--reject", b, "--json", password=OPERATOR_PASSWORD)
    assert no_reason.code == 2
    assert no_reason.data["errors"][0]["code"] == "request.reason_required"

    rejected = tawasul("request", "decide", "--reject", b, "--reason", "المستندات غير واضحة",
                       "--json", password=OPERATOR_PASSWORD)
    assert rejected.code == 0, rejected.err
    assert (rejected.data["status"], rejected.data["decision_reason"]) == (
        "rejected",
        "المستندات غير واضحة",
    )

    again = tawasul("request", "decide", "--accept", b, "--json", password=OPERATOR_PASSWORD)
    assert again.code == 2
    assert again.data["errors"][0]["code"] == "request.illegal_transition"


def test_a_registered_clerk_running_the_command_may_not_decide(
    tawasul, store, valid_request, supervisor
):
    number = ops.submit_request(store, supervisor, valid_request()).number
    map_os_account(store, "clerk.one", "clerk", "long password")
    refused = tawasul("request", "decide", "--accept", number, "--json", password="long password")
    assert refused.code == 1
    assert refused.data["errors"][0]["code"] == "request.not_permitted"
    assert ops.get_request(store, number).status == "submitted"


def test_follow_up_before_72_hours_is_refused(tawasul, store, valid_request, supervisor, operator):
    recent = ops.submit_request(
        store, supervisor, valid_request(), now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=71)
    )
    ran = tawasul("request", "follow-up", recent.number, "--note", "اتصال", "--json")
    assert ran.code == 2
    error = ran.data["errors"][0]
    assert error["code"] == "request.follow_up_too_early"
    opens = recent.follow_up_from.strftime("%Y-%m-%d %H:%M")
    assert opens in error["message_en"] and opens in error["message_ar"]


def test_follow_up_after_72_hours_is_recorded(tawasul, store, valid_request, supervisor, operator):
    # A month back: 72 hours on, and then the office's next opening, have surely passed.
    old = ops.submit_request(
        store, supervisor, valid_request(), now=dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    )
    ran = tawasul("request", "follow-up", old.number, "--note", "اتصل المراجع", "--json")
    assert ran.code == 0, ran.err
    assert [f.note for f in ops.get_request(store, old.number).follow_ups] == ["اتصل المراجع"]


def test_closure_add_moves_due_dates(tawasul, store, valid_request, supervisor, operator):
    summary = ops.submit_request(store, supervisor, valid_request())
    due = summary.due_date
    ran = tawasul("closure", "add", due.isoformat(), "--reason", "إجازة", "--json",
                  password=OPERATOR_PASSWORD)
    assert ran.code == 0, ran.err
    assert ran.data == {"day": due.isoformat(), "moved": 1}
    with store.read() as session:
        calendar = store.calendar(session)  # re-reads the closures the command added
    assert not calendar.is_working_day(due)
    assert ops.get_request(store, summary.number).due_date == calendar.add_working_days(due, 1)
    listed = tawasul("closure", "list", "--json").data
    assert [(c["day"], c["reason"]) for c in listed] == [(due.isoformat(), "إجازة")]


def test_withdraw_and_answer_commands(tawasul, store, valid_request, supervisor, operator):
    number = ops.submit_request(store, supervisor, valid_request()).number
    returned = tawasul("request", "decide", "--return", number, "--reason", "صورة أوضح",
                       "--json", password=OPERATOR_PASSWORD)
    assert returned.data["status"] == "returned"
    answered = tawasul("request", "answer", number, "--json")
    assert answered.code == 0 and answered.data["status"] == "under_review"
    withdrawn = tawasul("request", "withdraw", number, "--json")
    assert withdrawn.code == 0 and withdrawn.data["status"] == "withdrawn"


def test_show_gives_the_follow_up_at_the_first_working_moment(tawasul, store, valid_request,
                                                               supervisor):
    # Monday 2 Nov 2026 15:00 + 72 h is Thursday 15:00, after closing: Sunday 08:00.
    riyadh = dt.timezone(dt.timedelta(hours=3))
    monday = dt.datetime(2026, 11, 2, 15, 0, tzinfo=riyadh)
    summary = ops.submit_request(store, supervisor, valid_request(), now=monday)
    ran = tawasul("request", "show", summary.number, "--json")
    assert ran.code == 0, ran.err
    assert ran.data["follow_up_from"] == "2026-11-08T08:00:00+03:00"
    text = tawasul("request", "show", summary.number)
    assert "2026-11-08T08:00" in text.out
