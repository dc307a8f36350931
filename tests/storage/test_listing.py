"""list_requests / count_requests: the filters behind `tawasul request list` and the queue."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.demo import _SAMPLE_PDF

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=RIYADH)
DESCRIPTION = (
    "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات المطلوبة"
)
F = ops.RequestFilter


@pytest.fixture
def made(store, valid_request, supervisor):
    m = {}
    m["ahmad"] = ops.submit_request(
        store, supervisor, valid_request(name="أحمد محمد القحطاني"), now=NOW - dt.timedelta(days=30)
    )
    m["fatima"] = ops.submit_request(
        store, supervisor, valid_request(name="فاطمة علي الشهري"), now=NOW - dt.timedelta(days=10)
    )
    m["ahmed"] = ops.submit_request(
        store, supervisor, valid_request(name="احمد سعد الغامدي"), now=NOW - dt.timedelta(days=30)
    )
    ops.transition(store, supervisor, m["ahmed"].number, Action.ACCEPT, now=NOW)
    m["maria"] = ops.submit_request(
        store, supervisor, valid_request(name="Maria Santos Cruz"), now=NOW
    )
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
    # 01:30 on 29 Nov in Riyadh is still 28 Nov in UTC; the office counts it on the 29th.
    m["rahul"] = ops.submit_request(
        store, supervisor, valid, now=dt.datetime(2026, 11, 29, 1, 30, tzinfo=RIYADH)
    )
    return {k: v.number for k, v in m.items()} | {
        "iqama_id": iqama,
        "ahmad_id": ops.get_request(store, m["ahmad"].number).applicant_id,
    }


def _numbers(store, flt):
    rows = ops.list_requests(store, flt, now=NOW, limit=100)
    assert ops.count_requests(store, flt, now=NOW) == len(rows)
    return {r.number for r in rows}


def test_status_service_counter_overdue(store, made):
    assert _numbers(store, F(status="accepted")) == {made["ahmed"]}
    assert _numbers(store, F(service="iqama_renewal")) == {made["rahul"]}
    assert _numbers(store, F(overdue=True)) == {made["ahmad"]}
    assert _numbers(store, F(counter=1)) == {v for k, v in made.items() if not k.endswith("_id")}
    assert _numbers(store, F(counter=2)) == set()


def test_dates_are_local_days(store, made):
    # rahul was submitted at 01:30 on 29 Nov Riyadh time (22:30 UTC on the 28th).
    assert _numbers(store, F(since=dt.date(2026, 11, 29), until=dt.date(2026, 11, 29))) == {
        made["rahul"]
    }
    assert _numbers(store, F(since=dt.date(2026, 11, 30))) == {made["maria"]}
    assert made["rahul"] not in _numbers(store, F(until=dt.date(2026, 11, 28)))
    assert _numbers(store, F(until=dt.date(2026, 10, 31))) == {made["ahmad"], made["ahmed"]}
    assert _numbers(store, F(since=dt.date(2026, 11, 19), until=dt.date(2026, 11, 20))) == {
        made["fatima"]
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("احمد", {"ahmad", "ahmed"}),  # alef forms fold together
        ("أحمد", {"ahmad", "ahmed"}),
        ("أَحْمَد", {"ahmad", "ahmed"}),  # harakat ignored
        ("احمد القحطاني", {"ahmad"}),  # every word must match
        ("فاطمه", {"fatima"}),  # taa marbuta typed as haa
        ("MARIA", {"maria"}),  # Latin case
        ("rahul nair", {"rahul"}),
        ("nobody", set()),
        ("%", set()),
        ("_", set()),  # LIKE wildcards are literal
    ],
)
def test_text_finds_names(store, made, text, expected):
    assert _numbers(store, F(text=text)) == {made[k] for k in expected}


def test_text_finds_numbers_and_identities(store, made):
    number = made["fatima"]
    assert _numbers(store, F(text=number)) == {number}
    assert _numbers(store, F(text=number.replace("-", ""))) == {number}
    assert _numbers(store, F(text=number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))) == {
        number
    }
    assert _numbers(store, F(text=made["iqama_id"])) == {made["rahul"]}
    assert _numbers(store, F(text=made["ahmad_id"])) == {made["ahmad"]}
    assert (
        _numbers(store, F(text=made["iqama_id"][:6])) == set()
    )  # partial: nothing, not everything
    assert _numbers(store, F(text=number[:-2])) == set()


def test_paging_is_stable_and_newest_first(store, made):
    pages = [ops.list_requests(store, F(), now=NOW, limit=2, offset=o) for o in (0, 2, 4)]
    numbers = [r.number for page in pages for r in page]
    assert len(numbers) == len(set(numbers)) == 5
    submitted = [r.submitted_at for page in pages for r in page]
    assert submitted == sorted(submitted, reverse=True)
    assert numbers[0] == made["maria"]


def test_overdue_lists_read_most_overdue_first(store):
    import datetime as dt

    from tawasul_desktop.storage import requests as ops
    from tawasul_desktop.storage.demo import generate_demo_data
    from tawasul_desktop.storage.users import Actor

    generate_demo_data(store, Actor("t", "admin"), 400, seed=5)
    rows = ops.list_requests(store, ops.RequestFilter(overdue=True), limit=30)
    assert len(rows) >= 5 and all(r.overdue for r in rows)
    dues = [r.due_date for r in rows]
    assert dues == sorted(dues)
    assert dues[0] < dt.date.today()
