"""The supervisor queue's queries: keyset paging over every sort key, filters, search, scope."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from queue_data import insert_requests, request_row

from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage import queue as queue_module
from tawasul_desktop.storage.queue import (
    UNASSIGNED,
    Deadline,
    PagePlan,
    QueueFilter,
    QueueQuery,
    QueueSort,
    QueueWindow,
    SortKey,
    preset_filter,
)
from tawasul_desktop.storage.supervision import delete_filter, save_filter, saved_filters
from tawasul_desktop.storage.users import Actor

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=RIYADH)  # Monday
TODAY = NOW.date()
BOSS = Actor("sara", "supervisor", "Sara")


def utc(day: int, hour: int = 7, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=dt.UTC)


@pytest.fixture
def tied(store):
    """150 requests whose sort values repeat a lot (ties), some with follow-ups."""
    rng = random.Random(7)
    rows = [
        request_row(
            store,
            counter=rng.choice((1, 2, 3)),
            service=rng.choice(("passport", "final_exit", "iqama_renewal")),
            status=rng.choice(("submitted", "under_review", "returned", "accepted")),
            applicant_name=rng.choice(("أحمد علي", "Maria Cruz", "فاطمة سعد", "Ali Khan")),
            submitted_at=utc(rng.choice((2, 3, 4)), rng.choice((6, 8))),
            due_date=dt.date(2026, 11, rng.choice((10, 11, 12, 13))),
            assignee=rng.choice((None, None, "sara", "omar")),
        )
        for _ in range(150)
    ]
    follow_ups = {i: rng.choice((1, 1, 2, 3)) for i in rng.sample(range(150), 40)}
    insert_requests(store, rows, follow_ups)
    counts = {rows[i]["number"]: n for i, n in follow_ups.items()}
    return rows, counts


def expected_order(rows, counts, sort: QueueSort) -> list[str]:
    def value(row):
        return {
            SortKey.NUMBER: "",
            SortKey.SERVICE: row["service"],
            SortKey.APPLICANT: row["applicant_name"],
            SortKey.COUNTER: row["counter"],
            SortKey.SUBMITTED: row["submitted_at"],
            SortKey.DUE: row["due_date"],
            SortKey.TIME_LEFT: row["due_date"],
            SortKey.STATUS: row["status"],
            SortKey.ASSIGNEE: row["assignee"] or "",
            SortKey.FOLLOW_UPS: counts.get(row["number"], 0),
        }[sort.key]

    ordered = sorted(rows, key=lambda r: (value(r), r["number"]), reverse=sort.descending)
    return [r["number"] for r in ordered]


SORTS = [QueueSort(key, descending) for key in SortKey for descending in (False, True)]


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: f"{s.key}-{'za' if s.descending else 'az'}")
def test_keyset_pages_follow_the_sort_through_ties(store, tied, sort):
    rows, counts = tied
    expected = expected_order(rows, counts, sort)
    query = QueueQuery(store, BOSS, QueueFilter(), sort, now=NOW)
    assert query.count() == len(expected)

    forward = QueueWindow(query, len(expected), page_size=7, max_pages=3)
    seen = [r.number for page in range(forward.page_count) for r in forward.load(page)]
    assert seen == expected

    # From the end back to the start, each page read before the one kept after it.
    backward = QueueWindow(query, len(expected), page_size=7, max_pages=3)
    pages = {page: backward.load(page) for page in reversed(range(backward.page_count))}
    assert [r.number for p in sorted(pages) for r in pages[p]] == expected

    # Jumps anywhere, in any order, from whichever kept page or end is nearest.
    jumping = QueueWindow(query, len(expected), page_size=7, max_pages=2)
    order = list(range(jumping.page_count))
    random.Random(sort.key.value).shuffle(order)
    for page in order:
        got = [r.number for r in jumping.load(page)]
        assert got == expected[page * 7:(page + 1) * 7], page
    assert jumping.kept_rows() <= 14  # never more than max_pages pages

    assert [r.number for r in query.rows(batch=11)] == expected
    assert [r.number for r in query.stream(batch=11)] == expected


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: f"{s.key}-{'za' if s.descending else 'az'}")
def test_long_jumps_skip_by_key_to_the_same_rows(store, tied, sort, monkeypatch):
    # Every skip goes key-first here (normally only past 1,000 rows): same rows as reading on.
    monkeypatch.setattr(queue_module, "KEY_FIRST_OFFSET", 1)
    rows, counts = tied
    expected = expected_order(rows, counts, sort)
    query = QueueQuery(store, BOSS, QueueFilter(), sort, now=NOW)
    for offset in (1, 2, 70, 143, 149):
        assert [r.number for r in query.page(PagePlan(offset=offset, limit=5))] == \
            expected[offset:offset + 5], offset
        tail = query.page(PagePlan(from_end=True, offset=offset, limit=5))
        assert [r.number for r in tail] == expected[::-1][offset:offset + 5][::-1], offset
    assert query.page(PagePlan(offset=150, limit=5)) == []
    assert query.page(PagePlan(offset=400, limit=5)) == []
    middle = query.page(PagePlan(offset=60, limit=1))[0]
    after = query.page(PagePlan(after=query.key_of(middle), offset=10, limit=3))
    assert [r.number for r in after] == expected[71:74]


def test_window_reads_the_end_without_the_middle(store, tied):
    rows, _ = tied
    query = QueueQuery(store, BOSS, QueueFilter(), QueueSort(SortKey.SUBMITTED), now=NOW)
    window = QueueWindow(query, len(rows), page_size=10)
    last = window.page_count - 1
    assert window.plan(last) == PagePlan(from_end=True, offset=0, limit=10)
    window.load(last)
    window.load(last - 1)
    assert window.plan(last - 2).before is not None
    assert window.rows_loaded == 20


def test_rows_carry_no_full_identity(store):
    row = request_row(store, applicant_id="1000000008")
    insert_requests(store, [row])
    [got] = QueueQuery(store, BOSS, QueueFilter(), now=NOW).page()
    assert got.applicant_id_masked == "******0008"
    assert "1000000008" not in repr(got)


def test_only_supervisors_read_the_queue(store):
    for who in (Actor("amal", "clerk"), None):
        with pytest.raises(TawasulError) as caught:
            QueueQuery(store, who, QueueFilter())
        assert caught.value.problems[0].code == "request.not_permitted"
    assert QueueQuery(store, Actor("root", "admin"), QueueFilter()).count() == 0


# --- filters ------------------------------------------------------------------------------


@pytest.fixture
def varied(store):
    spec = {
        "late": dict(status="submitted", due_date=dt.date(2026, 11, 26)),
        "late_returned": dict(status="returned", due_date=dt.date(2026, 11, 26),
                              paused_since=dt.date(2026, 11, 20)),
        "today": dict(status="under_review", due_date=TODAY, assignee="sara"),
        "in_two": dict(status="submitted", due_date=dt.date(2026, 12, 2), counter=2),
        "in_three": dict(status="submitted", due_date=dt.date(2026, 12, 3), assignee="omar"),
        "accepted": dict(status="accepted", due_date=dt.date(2026, 11, 20), service="final_exit",
                         submitted_at=utc(10, 12, 10)),
        "returned": dict(status="returned", due_date=dt.date(2026, 12, 8), assignee="sara"),
    }
    rows = {k: request_row(store, **v) for k, v in spec.items()}
    insert_requests(store, list(rows.values()))
    return {k: r["number"] for k, r in rows.items()}


def numbers(store, flt: QueueFilter, actor: Actor = BOSS) -> set[str]:
    query = QueueQuery(store, actor, flt, now=NOW)
    found = {r.number for r in query.page(PagePlan(limit=500))}
    assert query.count() == len(found)
    return found


def names(varied, *keys: str) -> set[str]:
    return {varied[k] for k in keys}


def test_filters(store, varied):
    assert numbers(store, QueueFilter()) == set(varied.values())
    assert numbers(store, QueueFilter(statuses=("returned",))) == names(
        varied, "late_returned", "returned")
    assert numbers(store, QueueFilter(service="final_exit")) == names(varied, "accepted")
    assert numbers(store, QueueFilter(counter=2)) == names(varied, "in_two")
    assert numbers(store, QueueFilter(since=dt.date(2026, 11, 1), until=dt.date(2026, 11, 1))
                   ) == set(varied.values()) - names(varied, "accepted")
    assert numbers(store, QueueFilter(until=dt.date(2026, 10, 31))) == names(varied, "accepted")
    # The clock of a returned request is paused: past its due date it is not overdue.
    assert numbers(store, QueueFilter(overdue=True)) == names(varied, "late")
    # Due within two working days: today, Tue 1 and Wed 2 December.
    assert numbers(store, QueueFilter(due_within=2)) == names(varied, "today", "in_two")
    assert numbers(store, QueueFilter(assignee="sara")) == names(varied, "today", "returned")
    assert numbers(store, QueueFilter(assignee=UNASSIGNED)) == names(
        varied, "late", "late_returned", "in_two", "accepted")
    assert numbers(store, QueueFilter(assignee="sara", statuses=("returned",))) == names(
        varied, "returned")


def test_presets(store, varied):
    def preset(code):
        return numbers(store, preset_filter(code, BOSS))

    assert preset("my_queue") == names(varied, "today", "returned")
    assert preset("due_soon") == names(varied, "today", "in_two")
    assert preset("overdue") == names(varied, "late")
    assert preset("waiting") == names(varied, "late", "today", "in_two", "in_three")
    assert preset("returned") == names(varied, "late_returned", "returned")


def test_deadline_states(store, varied):
    query = QueueQuery(store, BOSS, QueueFilter(), now=NOW)
    states = {r.number: query.deadline(r) for r in query.page()}
    assert states[varied["late"]] == (Deadline.OVERDUE, -2)
    assert states[varied["today"]] == (Deadline.DUE_TODAY, 0)
    assert states[varied["in_two"]] == (Deadline.ON_TRACK, 2)
    assert states[varied["late_returned"]][0] == Deadline.PAUSED
    assert states[varied["accepted"]][0] == Deadline.DONE


def test_a_centre_scope_leaves_out_the_other_centres(store):
    insert_requests(store, [request_row(store), request_row(store, centre="202")])
    assert QueueQuery(store, BOSS, QueueFilter(), now=NOW).count() == 2  # the whole store
    assert QueueQuery(store, BOSS, QueueFilter(), now=NOW, centre="202").count() == 1


# --- search -------------------------------------------------------------------------------


@pytest.fixture
def named(store):
    people = {
        "ahmad": "أحمد مصطفى القحطاني",
        "ahmed_plain": "احمد مصطفي الغامدي",
        "fatima": "فاطمة إبراهيم الشهري",
        "aisha": "عائشة سعد",
        "maria": "Maria Santos Cruz",
    }
    rows = {k: request_row(store, applicant_name=v) for k, v in people.items()}
    rows["iqama"] = request_row(store, applicant_name="Rahul Nair", applicant_id="2000000006")
    insert_requests(store, list(rows.values()))
    return {k: r["number"] for k, r in rows.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("احمد", {"ahmad", "ahmed_plain"}),  # alef with hamza or without
        ("إحمد", {"ahmad", "ahmed_plain"}),
        ("آحمد", {"ahmad", "ahmed_plain"}),
        ("أَحْمَدُ", {"ahmad", "ahmed_plain"}),  # diacritics ignored
        ("أحـــمد", {"ahmad", "ahmed_plain"}),  # tatweel ignored
        ("مصطفي", {"ahmad", "ahmed_plain"}),  # yaa for alef maqsura
        ("مصطفى", {"ahmad", "ahmed_plain"}),
        ("فاطمه", {"fatima"}),  # haa for taa marbuta
        ("ابراهيم", {"fatima"}),
        ("عايشة", {"aisha"}),  # yaa for the hamza on its seat
        ("عيشة", set()),  # a missing letter is a different name
        ("عائشه", {"aisha"}),
        ("احمد القحطاني", {"ahmad"}),  # every word must match
        ("maria CRUZ", {"maria"}),
        ("%", set()),
        ("", {"ahmad", "ahmed_plain", "fatima", "aisha", "maria", "iqama"}),
    ],
)
def test_arabic_search_variants(store, named, text, expected):
    assert numbers(store, QueueFilter(text=text)) == {named[k] for k in expected}


def test_search_by_number_and_full_identity_only(store, named):
    number = named["fatima"]
    display = parse_number(number).display
    assert numbers(store, QueueFilter(text=display)) == {number}
    arabic_digits = display.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert numbers(store, QueueFilter(text=arabic_digits)) == {number}
    assert numbers(store, QueueFilter(text="2000000006")) == {named["iqama"]}
    assert numbers(store, QueueFilter(text="200000000")) == set()  # partial identity: nothing
    assert numbers(store, QueueFilter(text="0006")) == set()


# --- saved filters ------------------------------------------------------------------------


def test_saved_filters_belong_to_their_user(store):
    mine = QueueFilter(statuses=("submitted",), service="passport", since=dt.date(2026, 11, 1),
                       assignee=UNASSIGNED, text="أحمد", due_within=2)
    save_filter(store, BOSS, "  جوازات   جديدة ", mine)
    save_filter(store, Actor("omar", "supervisor"), "other", QueueFilter(overdue=True))
    [kept] = saved_filters(store, "sara")
    assert kept.name == "جوازات جديدة" and kept.filter == mine

    save_filter(store, BOSS, "جوازات جديدة", QueueFilter(overdue=True))  # replaces
    assert [f.filter for f in saved_filters(store, "sara")] == [QueueFilter(overdue=True)]
    assert delete_filter(store, BOSS, "جوازات جديدة") and saved_filters(store, "sara") == []
    assert [f.name for f in saved_filters(store, "omar")] == ["other"]
    with pytest.raises(TawasulError):
        save_filter(store, BOSS, "   ", mine)


def test_a_saved_filter_is_read_defensively():
    raw = {"statuses": ["submitted", "nonsense"], "counter": True, "since": "2026-13-01",
           "due_within": 900, "text": 5, "overdue": "yes", "service": "passport"}
    assert QueueFilter.from_json(raw) == QueueFilter(statuses=("submitted",), service="passport")
