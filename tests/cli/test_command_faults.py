"""Faults of the disk and the database give one bilingual message naming the file and what to
do, never a traceback; reading works while another program holds the write lock; a backup of
a damaged database is refused. Real files, a real tmpfs filled to the last byte, a real
read-only mount, a real second writer."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cli_users import SETUP

from tawasul_desktop.storage import requests as ops


def _one_message(ran, code: str, path: Path) -> None:
    assert ran.code == 1, (ran.code, ran.err)
    assert "Traceback" not in ran.err and "INSERT" not in ran.err and "payload" not in ran.err
    lines = ran.err.splitlines()
    assert len(lines) == 2, ran.err  # English, then Arabic
    assert f"[{code}]" in lines[0] and str(path) in lines[0]
    assert str(path) in lines[1] and any("\u0600" <= ch <= "\u06ff" for ch in lines[1])


def _mount(target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB filesystem of its own, unmounted after the test."""
    folder = tmp_path / "small"
    _mount(folder, "size=3m,mode=0700")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def _fill(folder: Path) -> None:
    # Unbuffered: the write that fails leaves nothing behind to fail again on close.
    with (folder / "filler").open("wb", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 4096)


def test_disk_full(tawasul, small_disk):
    db, data = small_disk / "desk.sqlite3", small_disk / "data"
    where = ["--db", db, "--data-dir", data]
    assert tawasul("db", "upgrade", *where).code == 0
    _fill(small_disk)
    ran = tawasul("demo-data", "--count", "300", *where)
    _one_message(ran, "fault.disk_full", db)
    # Nothing half-written: the database is sound and holds no request of the failed run.
    (small_disk / "filler").unlink()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM requests").fetchone()[0] == 0
    assert tawasul("demo-data", "--count", "3", *where).code == 0


def test_disk_full_while_writing_attachments(tawasul, small_disk, store, operator, valid_request):
    """The attachment files go to the full disk first: the same message, naming that file."""
    from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png

    data = small_disk / "data"
    files = small_disk.parent / "files"
    files.mkdir()
    (files / "id.pdf").write_bytes(_SAMPLE_PDF)
    # Large enough to meet the full disk, and still a picture that decodes whole.
    (files / "photo.png").write_bytes(_tiny_png(b"\0" * 200_000))
    obj = {"service": "passport",
           "applicant": {"name": "أحمد محمد القحطاني", "id_number": "1000000008",
                         "mobile": "0501234567", "email": "a@example.com"},
           "relation": "self",
           "description": "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم "
                          "اكتمال المستندات المطلوبة",
           "fields": {"passport_action": "renew"},
           "attachments": [{"document": "national_id_copy", "path": "id.pdf"},
                           {"document": "personal_photo", "path": "photo.png"}]}
    (files / "r.json").write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    data.mkdir()
    _fill(small_disk)
    ran = tawasul("request", "submit", files / "r.json", "--data-dir", data)
    assert ran.code == 1 and "Traceback" not in ran.err
    assert "[fault.disk_full]" in ran.err and str(data) in ran.err
    assert ops.count_requests(store, ops.RequestFilter()) == 0


def test_read_only_database(tawasul, tmp_path, settings, store, valid_request, operator):
    number = ops.submit_request(store, SETUP, valid_request()).number
    store.close()
    folder = tmp_path / "ro"
    _mount(folder, "size=8m")
    try:
        db = folder / "desk.sqlite3"
        with contextlib.closing(sqlite3.connect(settings.db_path)) as src, \
                contextlib.closing(sqlite3.connect(db)) as dst:
            src.backup(dst)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        ran = tawasul("request", "withdraw", number, "--db", db)
        _one_message(ran, "fault.read_only", db)
        listed = tawasul("request", "list", "--db", db, "--json")
        assert "Traceback" not in listed.err
        assert listed.code == 0 or "[fault.read_only]" in listed.err
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_corrupted_database_header(tawasul, settings, store, valid_request):
    ops.submit_request(store, SETUP, valid_request())
    store.close()
    with open(settings.db_path, "r+b") as fh:
        fh.write(b"this is not sqlite at all")
    for command in (["request", "list"], ["audit", "verify"], ["backup", "b.sqlite3"]):
        _one_message(tawasul(*command), "fault.corrupt", settings.db_path)


def _damage_a_table_page(path: Path) -> None:
    """Overwrite the middle of one of the requests table's pages (not the schema)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'requests'"
        ).fetchone()[0]
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\x0d" + b"\xff" * 40)  # a leaf page header whose cell count lies


def test_backup_refuses_a_damaged_database(tawasul, tmp_path, settings, store, valid_request):
    for _ in range(3):
        ops.submit_request(store, SETUP, valid_request())
    store.close()
    _damage_a_table_page(settings.db_path)
    target = tmp_path / "backup.sqlite3"
    ran = tawasul("backup", target)
    _one_message(ran, "fault.corrupt", settings.db_path)
    assert not target.exists() and not list(tmp_path.glob("backup.sqlite3*"))


@pytest.fixture
def locked(settings, store, valid_request, operator):
    """A stored request, then another program in the middle of a long write: it holds
    SQLite's write lock for the whole test. Returns the request's number."""
    number = ops.submit_request(store, SETUP, valid_request()).number
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO closures VALUES ('2031-01-01', 'x', 'other', '2030-01-01')")
    yield number
    conn.execute("ROLLBACK")
    conn.close()


def test_reading_works_while_another_program_writes(tawasul, tmp_path, locked):
    listed = tawasul("request", "list", "--json")
    assert listed.code == 0, listed.err
    assert [r["number"] for r in listed.data] == [locked]
    for command in (
        ["request", "show", locked],
        ["user", "list"],
        ["closure", "list"],
        ["audit", "verify"],
        ["backup", tmp_path / "while-writing.sqlite3"],
    ):
        ran = tawasul(*command)
        assert ran.code == 0, (command, ran.err)
    with contextlib.closing(sqlite3.connect(tmp_path / "while-writing.sqlite3")) as conn:
        assert conn.execute("SELECT count(*) FROM requests").fetchone()[0] == 1


def test_a_write_waits_then_says_who_holds_the_file(tawasul, settings, locked):
    ran = tawasul("request", "withdraw", locked)
    _one_message(ran, "fault.locked", settings.db_path)
