"""`audit verify` compares the desk's log with the copy it pushed to central: whoever holds
the desk's key file can rewrite the chain, the keyed hashes and the head, but not central's
copy. Real PostgreSQL, the desk's own counter login."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3

from synchelp import CLERK, submit_many

from tawasul_desktop.storage.audit import (
    GENESIS,
    Head,
    check_log,
    entry_hash,
    entry_mac,
    head_path,
    read_key,
)
from tawasul_desktop.storage.models import AuditEntry
from tawasul_desktop.sync.audit_check import central_comparison


def _check(store):
    with store.read() as session:
        check = check_log(session)
    central_comparison(store, check)
    return check


def _forge_with_the_key(store, edit: str | None = None, delete_after: int | None = None):
    """An insider with the key file: edits or deletes, then recomputes everything local."""
    with contextlib.closing(sqlite3.connect(store.db_path)) as conn:
        if edit:
            conn.execute(edit)
        if delete_after is not None:
            conn.execute("DELETE FROM audit_log WHERE seq > ?", (delete_after,))
        conn.commit()
    key = read_key(store.db_path)
    assert key is not None
    with store.write() as session:
        prev, last = GENESIS, None
        for entry in session.query(AuditEntry).order_by(AuditEntry.seq):
            entry.prev_hash = prev
            entry.hash = entry_hash(prev, entry.at, entry.actor, entry.action, entry.entity,
                                    entry.entity_id, entry.old, entry.new)
            entry.mac = entry_mac(key, entry.hash)
            prev, last = entry.hash, entry
    assert last is not None
    head = Head(last.seq, last.hash, 1)
    head_path(store.db_path).write_text(json.dumps(
        dataclasses.asdict(head) | {"mac": entry_mac(key, f"head:{head.seq}:{head.hash}:1")}))
    with store.read() as session:
        assert check_log(session).breaks == []  # locally, the forgery holds


def test_a_pushed_log_matches_central(desks, valid_request):
    desk = desks("101", 1)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(3)])
    desk.sync()
    check = _check(desk.store)
    assert check.breaks == [] and check.central_compared == check.entries >= 3
    assert "compared" in check.central_note


def test_deleted_pushed_entries_show_against_central(desks, valid_request):
    desk = desks("101", 2)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(4)])
    desk.sync()
    total = _check(desk.store).entries
    _forge_with_the_key(desk.store, delete_after=1)
    breaks = _check(desk.store).breaks
    assert [b.seq for b in breaks] == [2]
    assert f"{total - 1} entries between 2 and {total}" in breaks[0].reason


def test_an_edit_recomputed_with_the_key_shows_against_central(desks, valid_request):
    desk = desks("101", 3)
    submit_many(desk.store, CLERK, [valid_request() for _ in range(3)])
    desk.sync()
    _forge_with_the_key(desk.store, edit="UPDATE audit_log SET actor = 'someone.else' "
                                         "WHERE seq = 2")
    breaks = _check(desk.store).breaks
    assert breaks and breaks[0].seq == 2 and "differs from the copy" in breaks[0].reason


def test_unreachable_central_is_said_not_hidden(desks, valid_request):
    desk = desks("101", 4)
    submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    desk.store.settings = dataclasses.replace(
        desk.store.settings, central_dsn="host=127.0.0.1 port=1 dbname=x user=y")
    check = _check(desk.store)
    assert check.breaks == [] and check.central_compared is None
    assert "not reachable" in check.central_note
