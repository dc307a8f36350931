"""Submitting a request: one atomic unit with its files, duplicates, and its timing."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.domain.timing import compute_timing
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.demo import _tiny_png
from tawasul_desktop.storage.models import Attachment, AuditEntry, NumberSequence, Request
from tawasul_desktop.storage.requests import get_request, submit_request
from tawasul_desktop.storage.store import Store

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = dt.datetime(2026, 11, 1, 10, 0, tzinfo=RIYADH)  # a Sunday, a working day


def _counts(store):
    with store.read() as session:
        return tuple(
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Request, Attachment, AuditEntry)
        )


def _files(store):
    root = store.settings.attachments_dir
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_submit_stores_the_request_its_attachments_and_one_audit_entry(
    store, valid_request, supervisor
):
    valid = valid_request()
    summary = submit_request(store, supervisor, valid, now=NOW)
    req = get_request(store, summary.number)
    assert req.status == "submitted"
    assert req.created_by == supervisor.username
    assert [(a.position, a.document, a.media_type, a.size) for a in req.attachments] == [
        (i, a.document, a.media_type, len(a.content)) for i, a in enumerate(valid.attachments)
    ]
    for stored, given in zip(req.attachments, valid.attachments, strict=True):
        digest = hashlib.sha256(given.content).hexdigest()
        assert stored.sha256 == digest
        path = store.settings.attachments_dir / digest[:2] / digest
        assert path.read_bytes() == given.content
    assert _counts(store) == (1, 2, 1)
    with store.read() as session:
        entry = session.execute(select(AuditEntry)).scalar_one()
        assert (entry.action, entry.entity_id, entry.actor) == (
            "request.submit",
            str(req.id),
            supervisor.username,
        )
        assert verify_chain(session) == (1, [])


def test_the_same_bytes_are_stored_once(store, valid_request, supervisor):
    submit_request(store, supervisor, valid_request(), now=NOW)
    submit_request(store, supervisor, valid_request(), now=NOW)
    assert _counts(store)[:2] == (2, 4)
    assert len(_files(store)) == 2
    with store.read() as session:
        assert session.execute(select(func.count(Attachment.sha256.distinct()))).scalar_one() == 2


def test_distinct_bytes_get_distinct_files(store, valid_request, supervisor):
    from tawasul_desktop.storage.demo import _tiny_png

    photo = _tiny_png(os.urandom(64))
    submit_request(store, supervisor, valid_request(photo=photo), now=NOW)
    digest = hashlib.sha256(photo).hexdigest()
    assert f"{digest[:2]}/{digest}" in _files(store)


def test_a_failed_submit_leaves_nothing_behind(store, valid_request, supervisor, monkeypatch):
    """A failure after the files are written rolls the rows back; the sweep takes the files."""
    submit_request(store, supervisor, valid_request(), now=NOW)
    before_counts, before_files = _counts(store), _files(store)

    from tawasul_desktop.storage.audit import AuditLog

    def broken_record(*args, **kwargs):
        raise RuntimeError("disk full")

    # The last step of a submit, after the files are on disk and the rows are written.
    monkeypatch.setattr(AuditLog, "record_many", broken_record)
    photo = _tiny_png(os.urandom(256))
    with pytest.raises(RuntimeError):
        submit_request(store, supervisor, valid_request(photo=photo), now=NOW)
    monkeypatch.undo()

    assert _counts(store) == before_counts
    with store.read() as session:
        assert session.execute(select(NumberSequence.last)).scalar_one() == 1
    assert len(_files(store)) == len(before_files) + 1  # the orphan, until the sweep
    assert store.sweep_orphan_files() == 1
    assert _files(store) == before_files


def test_an_open_request_for_the_same_person_and_service_is_refused(
    store, valid_request, supervisor
):
    first = submit_request(store, supervisor, valid_request(id_number="1000000008"), now=NOW)
    before = _counts(store)
    with pytest.raises(TawasulError) as caught:
        submit_request(store, supervisor, valid_request(id_number="1000000008"), now=NOW)
    problem = caught.value.problems[0]
    assert problem.code == "request.duplicate"
    assert first.number in problem.message_en and first.number in problem.message_ar
    assert _counts(store) == before

    second = submit_request(
        store, supervisor, valid_request(id_number="1000000008"), now=NOW, confirm_duplicate=True
    )
    assert second.duplicate_of == first.number
    assert get_request(store, second.number).duplicate_of == first.id
    assert second.number != first.number


def test_a_decided_request_is_no_duplicate(store, valid_request, supervisor):
    from tawasul_desktop.domain.lifecycle import Action
    from tawasul_desktop.storage.requests import transition

    first = submit_request(store, supervisor, valid_request(id_number="1000000008"), now=NOW)
    transition(store, supervisor, first.number, Action.ACCEPT, now=NOW)
    again = submit_request(store, supervisor, valid_request(id_number="1000000008"), now=NOW)
    assert again.duplicate_of is None


@pytest.mark.parametrize(
    "local",
    [
        dt.datetime(2026, 11, 1, 7, 30),  # Sunday before opening: counts that day
        dt.datetime(2026, 11, 1, 14, 29),  # just before closing
        dt.datetime(2026, 11, 1, 14, 30),  # at closing: next working day
        dt.datetime(2026, 11, 5, 16, 0),  # Thursday afternoon: Sunday
        dt.datetime(2026, 11, 6, 11, 0),  # Friday: Sunday
        dt.datetime(2026, 12, 24, 9, 0),  # due date runs into the next year
    ],
)
def test_timing_fields_follow_the_timing_rules(store, valid_request, supervisor, local):
    submitted = local.replace(tzinfo=RIYADH)
    summary = submit_request(store, supervisor, valid_request(), now=submitted)
    expected = compute_timing(submitted, store.calendar(), store.policy.timing)
    req = get_request(store, summary.number)
    assert req.effective_day == expected.effective_day
    assert req.due_date == summary.due_date == expected.due_date
    assert store.calendar().working_days_between(req.effective_day, req.due_date) == 7
    assert summary.follow_up_from >= submitted + dt.timedelta(hours=72)
    assert summary.follow_up_from == expected.follow_up_from
    assert summary.submitted_at == submitted
    assert summary.submitted_at.utcoffset() == dt.timedelta(hours=3)


def test_a_known_week_by_hand(store, valid_request, supervisor):
    # Sunday 1 Nov 2026, 10:00: effective that day; 7 working days later is Tuesday 10 Nov.
    summary = submit_request(store, supervisor, valid_request(), now=NOW)
    assert summary.due_date == dt.date(2026, 11, 10)
    assert summary.follow_up_from == dt.datetime(2026, 11, 4, 10, 0, tzinfo=RIYADH)


def test_times_come_back_as_aware_utc(store, valid_request, supervisor):
    summary = submit_request(store, supervisor, valid_request(), now=NOW)
    req = get_request(store, summary.number)
    assert req.submitted_at == NOW
    assert req.submitted_at.tzinfo is dt.UTC


def test_store_reopened_sees_the_same_request(settings, store, valid_request, supervisor):
    summary = submit_request(store, supervisor, valid_request(), now=NOW)
    with Store.open(settings) as other:
        assert get_request(other, summary.number).id == summary.id
