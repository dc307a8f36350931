"""Batched file upload (issue 16, item 3) stays resumable: the uploading process - a real
child process - is killed with SIGKILL inside central's transaction, between central's commit
and the desk's bookkeeping, in the middle of a chunked file and right after a batch settled;
every file still arrives once, intact by its sha256."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess

from synchelp import CLERK, PYTHON, open_desk, python_env, submit_many

from tawasul_desktop.domain.intake_types import Attachment
from tawasul_desktop.storage.models import OutboxEntry
from tawasul_desktop.wire.protocol import KIND_BLOB, PENDING

CHUNK = 1 << 20

CHILD = r"""
import dataclasses, json, os, signal, sys
from pathlib import Path
from tawasul_desktop.config import load_settings
from tawasul_desktop.storage.store import Store
from tawasul_desktop.central.connection import target_from_settings
from tawasul_desktop.sync.engine import SyncEngine

a = json.loads(sys.argv[1])
root = Path(a["root"])
settings = dataclasses.replace(
    load_settings(config_file=root / "none.toml", db=root / "desk-101-1.sqlite3",
                  data_dir=root / "data-101-1"),
    centre_code="101", counter=1, central_dsn=a["dsn"])
seen = 0

def hook(point, conn):
    global seen
    if point == a.get("point"):
        seen += 1
        if seen == a["at"]:
            os.kill(os.getpid(), signal.SIGKILL)

with Store.open(settings) as store:
    engine = SyncEngine(store, target_from_settings(settings), chunk_size=a["chunk"],
                        fault_hook=hook)
    engine.file_batch = a["batch"]
    report = engine.run_once()
    engine.close()
print(json.dumps({"ok": report.ok, "error": report.error, "files": report.files_uploaded,
                  "pending": report.pending_after}))
"""


def with_files(valid, *contents: bytes):
    return dataclasses.replace(valid, attachments=tuple(
        Attachment("national_id_copy" if i == 0 else "photo", f"f{i}.pdf", "application/pdf",
                   content) for i, content in enumerate(contents)))


def run_child(tmp_path, dsn: str, point: str | None = None, at: int = 0):
    env = python_env()
    env["TAWASUL_SITE_CONFIG_DIR"] = os.environ["TAWASUL_SITE_CONFIG_DIR"]
    args = {"root": str(tmp_path), "dsn": dsn, "chunk": CHUNK, "batch": 40, "point": point,
            "at": at}
    return subprocess.run([PYTHON, "-c", CHILD, json.dumps(args)], env=env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)


def test_uploads_killed_at_any_point_deliver_every_file_once_intact(tmp_path, clean_env,
                                                                   central, valid_request):
    shared = os.urandom(3000)  # held by many requests: stored once
    small = [os.urandom(2000 + i) for i in range(200)]
    large = [os.urandom(2 * CHUNK + 12345), os.urandom(3 * CHUNK - 7)]
    forms = [with_files(valid_request(), small[i], small[i + 1], shared)
             for i in range(0, len(small), 2)]
    forms += [with_files(valid_request(), content) for content in large]
    desk = open_desk(tmp_path, central, "101", 1)
    try:
        submit_many(desk.store, CLERK, forms)
    finally:
        desk.close()  # the child process is the desk from here on
    dsn = central.dsn(desk.role)
    everything = {hashlib.sha256(c).hexdigest() for c in [shared, *small, *large]}

    for point, at in (("upload.before_commit", 2),  # inside central's transaction
                      ("upload.settled", 1),        # right after the desk settled a batch
                      ("upload.batch_sent", 1),     # central committed, the desk not yet
                      ("upload.chunk", 2)):         # in the middle of a chunked file
        killed = run_child(tmp_path, dsn, point, at)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stdout, killed.stderr)
    # The small files arrived before the last kill, the large ones not yet (one half).
    assert central.scalar("SELECT count(*) FROM blobs") == len(everything) - 2
    assert central.scalar("SELECT count(*) FROM blob_chunks") == 2

    final = run_child(tmp_path, dsn)
    assert final.returncode == 0, final.stderr
    result = json.loads(final.stdout.strip().splitlines()[-1])
    assert result["ok"] and result["pending"] == 0, result

    with central.admin() as conn:
        rows = conn.execute("SELECT sha256, encode(sha256(content), 'hex') FROM blob_contents"
                            ).fetchall()
        registered = {r[0] for r in conn.execute("SELECT sha256 FROM blobs").fetchall()}
    assert sorted(r[0] for r in rows) == sorted(everything)  # each once
    assert all(stored == digest for stored, digest in rows)  # intact
    assert registered == everything
    assert central.scalar("SELECT count(*) FROM blob_chunks") == 0
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0
    assert central.scalar("SELECT count(*) FROM requests") == len(forms)
    reopened = open_desk(tmp_path, central, "101", 1)
    try:
        with reopened.store.read() as session:
            assert session.query(OutboxEntry).filter(OutboxEntry.kind == KIND_BLOB,
                                                     OutboxEntry.state == PENDING).count() == 0
    finally:
        reopened.close()
