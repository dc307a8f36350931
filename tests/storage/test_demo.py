"""Demo data: whole batches, numbers that real submits continue from, files kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage import demo
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import AuditLog, verify_chain
from tawasul_desktop.storage.models import Attachment, Request

NOW = dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)


def test_demo_rows_are_consistent(store, supervisor):
    assert demo.generate_demo_data(store, supervisor, 120, seed=3, now=NOW) == 120
    with store.read() as session:
        numbers = session.execute(select(Request.number)).scalars().all()
        assert len(set(numbers)) == 120
        assert all(parse_number(n).digits == n for n in numbers)
        missing = session.execute(
            select(func.count())
            .select_from(Request)
            .where(~Request.id.in_(select(Attachment.request_id)))
        ).scalar_one()
        assert missing == 0
        assert verify_chain(session)[1] == []
    assert store.sweep_orphan_files() == 0


def test_real_submits_continue_after_demo_numbers(store, supervisor, valid_request):
    demo.generate_demo_data(store, supervisor, 200, seed=5, now=NOW)
    for _ in range(3):
        ops.submit_request(
            store, supervisor, valid_request(), now=NOW
        )  # counter 1 is a demo counter too


def test_an_interrupted_demo_run_leaves_submits_working(
    store, supervisor, valid_request, monkeypatch
):
    """A Ctrl-C between batches must not leave numbers in use that the counter will hand out."""
    monkeypatch.setattr(demo, "BATCH", 50)
    real_record = AuditLog.record
    calls = {"n": 0}

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_record(self, *args, **kwargs)

    monkeypatch.setattr(AuditLog, "record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        demo.generate_demo_data(store, supervisor, 400, seed=7, now=NOW)
    monkeypatch.undo()
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(Request)).scalar_one() == 100
    made = [ops.submit_request(store, supervisor, valid_request(), now=NOW) for _ in range(5)]
    assert len({m.number for m in made}) == 5
