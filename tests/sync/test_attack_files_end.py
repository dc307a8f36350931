"""A pass uploads only the files saved before it began, even when the push has emptied the
outbox's tail meanwhile (SQLite hands a deleted row's number to the next row saved)."""

from __future__ import annotations

import dataclasses
import os

from synchelp import CLERK, submit_many

from tawasul_desktop.domain.intake_types import Attachment


def with_files(valid, *sizes: int):
    return dataclasses.replace(valid, attachments=tuple(
        Attachment("national_id_copy", f"{i}.pdf", "application/pdf", os.urandom(size))
        for i, size in enumerate(sizes)))


def test_a_request_saved_after_the_push_emptied_the_outbox_waits_for_the_next_pass(
        desks, central, valid_request, monkeypatch):
    """Three requests without files wait when the pass begins (the outbox's last position
    3); the push sends and deletes them, and the clerk then saves a request with a file.
    Its file must not go in this pass, whose push did not send its request, whatever
    number the outbox gave it."""
    desk = desks()
    submit_many(desk.store, CLERK, [with_files(valid_request()) for _ in range(3)])
    engine_type = type(desk.engine)
    real = engine_type._push_audit

    def saved_meanwhile(self, *args):
        submit_many(desk.store, CLERK, [with_files(valid_request(), 5000)])
        return real(self, *args)

    monkeypatch.setattr(engine_type, "_push_audit", saved_meanwhile)
    first = desk.engine.run_once()
    assert first.ok, first.error
    assert (first.pushed, first.files_uploaded, first.pending_after) == (3, 0, 2)
    monkeypatch.setattr(engine_type, "_push_audit", real)
    second = desk.engine.run_once()
    assert second.ok, second.error
    assert (second.pushed, second.files_uploaded, second.pending_after) == (1, 1, 0)
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0
