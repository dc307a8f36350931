"""Crash safety with real processes: a submitting process is killed at random moments.

After every kill, reopening the store (which sweeps orphan files) must leave a consistent
pair of database and attachment folder: whole requests only, every referenced file present
with the right content, nothing unreferenced, no temporary files, an intact audit chain.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.models import Attachment, AuditEntry, Request
from tawasul_desktop.storage.store import Store

REPO = Path(__file__).resolve().parents[2]
KILLS = 6

_SUBMITTER = r"""
import os, sys
from pathlib import Path
from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.requests import submit_request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

db, data, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = Store.open(load_settings(Path(data) / "none.toml", db=db, data_dir=data))
actor = Actor("crash.test", "clerk")
noise = os.urandom(3_000_000)
for i in range(10_000):
    # Fresh content for both files, so every submit writes new blobs (1 to 3 MB each);
    # most of a submit's time goes into writing them, where a crash hurts most.
    tag = f"{seed}:{i}".encode()
    # The noise rides inside each format (a PDF stream, a private PNG chunk): intake decodes
    # files whole and refuses bytes stuck after their end.
    blob = tag + noise[: 1_000_000 + (seed * 7919 + i * 104729) % 2_000_000]
    pdf = _SAMPLE_PDF.replace(b"trailer", b"4 0 obj<</Length %d>>stream\n" % len(blob) + blob
                              + b"\nendstream endobj\ntrailer")
    png = _tiny_png(tag + noise[: 1_000_000 + (seed * 104729 + i * 7919) % 2_000_000])
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput("أحمد محمد القحطاني", make_identity("1", f"{seed:03d}{i:05d}"),
                              "0501234567", "a@example.com"),
        description="تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات",
        fields={"passport_action": "issue"},
        attachments=[AttachmentInput("national_id_copy", "id.pdf", pdf),
                     AttachmentInput("personal_photo", "photo.png", png)],
    )
    valid, problems = validate_request(draft)
    assert valid is not None, problems
    submit_request(store, actor, valid, confirm_duplicate=True)
    if i == 0:
        # The clock starts after one whole submit: intake decodes each file (PDFium, Pillow)
        # and a loaded machine must still see commits before the first kill.
        sys.stdout.write("started\n")
        sys.stdout.flush()
"""


def _check_consistent(settings) -> tuple[int, int]:
    """Reopen (sweeping orphans) and check every invariant; return (requests, orphans swept)."""
    with contextlib.closing(sqlite3.connect(settings.db_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store.open(settings, sweep=False) as store:
        orphans = store.sweep_orphan_files()
    with Store.open(settings) as store, store.read() as session:
        requests = session.execute(select(func.count()).select_from(Request)).scalar_one()
        per_request = session.execute(
            select(Request.number, func.count(Attachment.id))
            .outerjoin(Attachment, Attachment.request_id == Request.id)
            .group_by(Request.id)
        ).all()
        assert all(count == 2 for _, count in per_request), per_request
        positions = session.execute(
            select(Attachment.request_id, func.group_concat(Attachment.position)).group_by(
                Attachment.request_id
            )
        ).all()
        assert all(sorted(p.split(",")) == ["0", "1"] for _, p in positions)

        digests = set(session.execute(select(Attachment.sha256)).scalars())
        sizes = dict(session.execute(select(Attachment.sha256, Attachment.size)).all())
        root = settings.attachments_dir
        on_disk = {p.name: p for p in root.rglob("*") if p.is_file()} if root.exists() else {}
        assert not [n for n in on_disk if n.startswith(".incoming-")]
        assert set(on_disk) == digests  # nothing missing, nothing unreferenced
        for digest in digests:
            content = on_disk[digest].read_bytes()
            assert hashlib.sha256(content).hexdigest() == digest
            assert len(content) == sizes[digest]
            assert on_disk[digest].parent.name == digest[:2]

        count, breaks = verify_chain(session)
        assert breaks == []
        submits = session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "request.submit")
        ).scalar_one()
        assert submits == requests == count
    return requests, orphans


@pytest.mark.slow
def test_killing_a_submitting_process_leaves_a_consistent_store(settings):
    Store.open(settings).close()
    rng = random.Random(1447)
    env = os.environ | {"PYTHONPATH": str(REPO)}
    totals = []
    for kill in range(KILLS):
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _SUBMITTER,
                str(settings.db_path),
                str(settings.data_dir),
                str(kill),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert child.stdout.readline().strip() == "started", child.stderr.read()
            time.sleep(rng.uniform(0.05, 0.6))
            assert child.poll() is None, child.stderr.read()
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(10)
        assert child.returncode == -signal.SIGKILL
        totals.append(_check_consistent(settings))
    requests = [r for r, _ in totals]
    assert requests == sorted(requests)  # nothing committed was lost by a later crash
    assert requests[-1] > 0, "the child never got as far as committing a request"
    print("requests after each kill:", requests, "orphans swept:", [o for _, o in totals])


def test_the_sweep_removes_temporary_and_unreferenced_files(store, valid_request, supervisor):
    from tawasul_desktop.storage.requests import submit_request

    submit_request(store, supervisor, valid_request())
    root = store.settings.attachments_dir
    stray = root / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left by a crash before the commit")
    temp = root / "ab" / ".incoming-x1y2z3"
    temp.write_bytes(b"half a file")
    assert store.sweep_orphan_files() == 2
    assert not stray.exists() and not temp.exists()
    _check_consistent(store.settings)
