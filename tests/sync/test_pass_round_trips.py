"""What a pass costs a desk far from central: the times it waits on central, counted in
libpq's own trace of every connection the pass opens (each wait is one network round trip:
at 30 ms from central, ten waits are 300 ms of a pass)."""

from __future__ import annotations

import dataclasses
import os

import pytest
from synchelp import CLERK, libpq_trace, round_trips, submit_many

from tawasul_desktop.central.connection import CentralTarget
from tawasul_desktop.domain.intake_types import Attachment


@pytest.fixture
def traced(monkeypatch, tmp_path):
    """Every central connection the desk opens is traced; the traces' paths, in order."""
    paths: list = []
    tracing: list = []  # held: a collected generator would stop its trace at once
    real = CentralTarget.connect

    def connect(self, **kwargs):
        conn = real(self, **kwargs)
        path = tmp_path / f"conn{len(paths)}.trace"
        tracing.append(libpq_trace(conn, path))
        tracing[-1].__enter__()
        paths.append(path)
        return conn

    monkeypatch.setattr(CentralTarget, "connect", connect)
    return paths


def waits(paths) -> int:
    return sum(round_trips(p.read_text()) for p in paths)


def test_a_pass_sending_a_request_with_new_files_waits_on_central_seven_times(
        desks, central, valid_request, traced):
    """After the first pass (which checks who the desk is and binds it), a pass that sends
    one request with two new small files waits on central seven times: the schema check,
    the push (its statement, then the files' rows with the commit), the audit entries, the
    pull, which files central has, and the files. Before, the push's and the files' BEGIN,
    COMMIT and closing syncs took six waits more (thirteen)."""
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request()])
    assert desk.sync().pushed == 1
    files = tuple(Attachment("national_id_copy", f"{i}.pdf", "application/pdf",
                             os.urandom(3000)) for i in range(2))
    submit_many(desk.store, CLERK, [dataclasses.replace(valid_request(), attachments=files)])
    traced.clear()
    report = desk.engine.run_once()  # the pass alone (Desk.sync also waits for the feed)
    assert report.ok and report.pushed == 1 and report.files_uploaded == 2
    assert waits(traced) == 7
