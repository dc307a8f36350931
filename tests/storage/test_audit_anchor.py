"""The audit log holds against someone who edits the database: deleting the last entries or
all of them, or editing one and recomputing the whole chain, no longer verifies.

Each case edits the SQLite file with raw SQL, as a local editor would, then verifies."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import (
    GENESIS,
    check_log,
    entry_hash,
    entry_mac,
    head_path,
    key_path,
    read_key,
)
from tawasul_desktop.storage.models import AuditEntry

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def logged(store, valid_request, clerk):
    for i in range(5):
        ops.submit_request(store, clerk, valid_request(), now=NOW + dt.timedelta(minutes=i))
    return store


def _sql(store, *statements):
    with contextlib.closing(sqlite3.connect(store.db_path)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def _check(store):
    with store.read() as session:
        return check_log(session)


def _recompute_chain(store, key: bytes | None, strip_macs: bool = False) -> None:
    """What a forger does after an edit: every hash again from the genesis on, and the keyed
    hash with ``key`` (a guessed one, or none)."""
    with store.write() as session:
        prev = GENESIS
        for entry in session.query(AuditEntry).order_by(AuditEntry.seq):
            entry.prev_hash = prev
            entry.hash = entry_hash(prev, entry.at, entry.actor, entry.action, entry.entity,
                                    entry.entity_id, entry.old, entry.new)
            entry.mac = None if strip_macs else (entry_mac(key, entry.hash) if key else entry.mac)
            prev = entry.hash


def test_a_fresh_log_is_intact_and_keyed(logged):
    check = _check(logged)
    assert check.breaks == [] and check.entries == 5 and check.unkeyed == 0
    assert check.head is not None and check.head.seq == 5
    if os.name == "posix":
        for path in (key_path(logged.db_path), head_path(logged.db_path)):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_deleting_the_last_entries_is_detected(logged):
    _sql(logged, "DELETE FROM audit_log WHERE seq > 2")
    breaks = _check(logged).breaks
    assert any("3..5 were deleted" in b.reason for b in breaks), breaks


def test_deleting_every_entry_is_detected(logged):
    _sql(logged, "DELETE FROM audit_log")
    check = _check(logged)
    assert check.entries == 0
    assert any("1..5 were deleted" in b.reason for b in check.breaks), check.breaks


def test_an_edit_with_the_chain_recomputed_is_detected(logged):
    _sql(logged, "UPDATE audit_log SET new = '{\"forged\":true}' WHERE seq = 3")
    _recompute_chain(logged, key=os.urandom(32))  # the chain holds; the key was guessed
    breaks = _check(logged).breaks
    assert {b.seq for b in breaks} >= {1, 2, 3, 4, 5}
    assert all("keyed hash does not match" in b.reason or "anchored head" in b.reason
               for b in breaks)


def test_stripping_the_keyed_hashes_is_detected(logged):
    _sql(logged, "UPDATE audit_log SET new = '{\"forged\":true}' WHERE seq = 3")
    _recompute_chain(logged, key=None, strip_macs=True)
    breaks = _check(logged).breaks
    assert any(b.reason == "its keyed hash was removed" for b in breaks), breaks


def test_a_missing_key_or_a_forged_head_is_reported(logged):
    head = head_path(logged.db_path)
    raw = json.loads(head.read_text())
    head.write_text(json.dumps(raw | {"seq": 2}))  # moved back to hide deleted entries
    assert any("head does not carry" in b.reason for b in _check(logged).breaks)
    key_path(logged.db_path).unlink()
    assert any("audit key is missing" in b.reason for b in _check(logged).breaks)


def test_the_key_is_made_once_and_kept(logged, valid_request, clerk):
    key = read_key(logged.db_path)
    ops.submit_request(logged, clerk, valid_request(), now=NOW)
    assert read_key(logged.db_path) == key and _check(logged).breaks == []


def test_tawasul_audit_verify_says_broken_after_a_tail_deletion(logged, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    # The run's own machine folder; a named configuration file must exist.
    env["TAWASUL_SITE_CONFIG_DIR"] = os.environ["TAWASUL_SITE_CONFIG_DIR"]
    (tmp_path / "none.toml").touch()
    env.update(TAWASUL_DB=str(logged.db_path), TAWASUL_DATA_DIR=str(logged.settings.data_dir),
               TAWASUL_CONFIG=str(tmp_path / "none.toml"), PYTHONPATH=str(REPO))

    def verify():
        return subprocess.run([sys.executable, "-m", "tawasul_desktop.cli.main", "audit",
                               "verify"], capture_output=True, text=True, env=env, timeout=120)

    intact = verify()
    assert intact.returncode == 0 and "intact" in intact.stdout
    assert "central: not configured" in intact.stdout
    _sql(logged, "DELETE FROM audit_log WHERE seq >= 4")
    broken = verify()
    assert broken.returncode == 1 and "BROKEN" in broken.stdout
    assert "4..5 were deleted" in broken.stdout


def test_a_deliberate_restore_moves_the_head_back(logged, valid_request, clerk, tmp_path):
    from tawasul_desktop.storage.backup import backup_database, restore_database

    backup_database(logged.db_path, tmp_path / "monday.sqlite3")
    ops.submit_request(logged, clerk, valid_request(), now=NOW)
    restore_database(tmp_path / "monday.sqlite3", logged.db_path)
    check = _check(logged)
    assert check.breaks == [] and check.head is not None and check.head.seq == 5
