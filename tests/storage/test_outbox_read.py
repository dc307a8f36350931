"""What a push reads from the outbox: the driver path (no ORM row processing) gives every
entry exactly as the model reads it (ids as UUIDs, the desk's time aware in UTC), in order,
after the cursor, without file uploads or settled entries."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.models import OutboxEntry
from tawasul_desktop.sync import local
from tawasul_desktop.wire.protocol import KIND_BLOB, PENDING, REJECTED, OutgoingOp


def by_orm(store, after: int, limit: int) -> list[OutgoingOp]:
    with store.read() as session:
        rows = session.execute(
            select(OutboxEntry.op_id, OutboxEntry.seq, OutboxEntry.kind,
                   OutboxEntry.schema_version, OutboxEntry.request_id, OutboxEntry.created_at,
                   OutboxEntry.payload)
            .where(OutboxEntry.state == PENDING, OutboxEntry.kind != KIND_BLOB,
                   OutboxEntry.seq > after)
            .order_by(OutboxEntry.seq).limit(limit)).all()
    return [OutgoingOp(*r) for r in rows]


def test_pending_operations_read_as_the_model_reads_them(store, clerk, valid_request):
    first = ops.submit_request(store, clerk, valid_request())  # with files: blob entries too
    second = ops.submit_request(store, clerk, valid_request())
    ops.transition(store, clerk, first.number, Action.WITHDRAW)
    with store.write() as session:  # a refused entry and one without a request
        entries = session.execute(select(OutboxEntry).order_by(OutboxEntry.seq)).scalars().all()
        assert any(e.kind == KIND_BLOB for e in entries)
        refused = next(e for e in entries if e.request_id == second.id)
        refused.state = REJECTED
        session.add(OutboxEntry(op_id=uuid.UUID(int=7), kind="audit.note",
                                schema_version=2, request_id=None, payload="{}",
                                created_at=dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)))
    with store.read() as session:
        read = local.pending_ops(session, 0, 100)
    expected = by_orm(store, 0, 100)
    assert read == expected and len(read) >= 3
    assert all(op.counter_time.tzinfo == dt.UTC for op in read)
    assert read[-1].request_id is None and read[-1].counter_time == dt.datetime(
        2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert all(op.request_id != second.id for op in read)  # the refused one stays out
    with store.read() as session:  # after a cursor, and limited
        assert local.pending_ops(session, read[0].seq, 1) == by_orm(store, read[0].seq, 1)
        assert local.pending_ops(session, read[-1].seq, 10) == []
