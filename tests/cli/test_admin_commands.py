"""`tawasul db upgrade`, `user add`, `demo-data`, `audit verify`, `backup` and `restore`."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from cli_users import OPERATOR_PASSWORD, map_os_account

from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.backup import restore_database
from tawasul_desktop.storage.engine import head_revision
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import find_user, login


def _scalar(path, sql):
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchone()[0]


def test_db_upgrade_on_a_fresh_file(tawasul, tmp_path):
    db = tmp_path / "sub" / "fresh.sqlite3"
    ran = tawasul("db", "upgrade", "--db", db, "--json")
    assert ran.code == 0, ran.err
    assert ran.data == {"db": str(db), "status": "up to date"}
    assert _scalar(db, "SELECT version_num FROM alembic_version") == head_revision()
    assert _scalar(db, "PRAGMA journal_mode") == "wal"


def test_a_newer_database_is_refused_calmly(tawasul, settings):
    Store.open(settings).close()
    with contextlib.closing(sqlite3.connect(settings.db_path)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
    ran = tawasul("request", "list")
    assert ran.code == 1
    assert "newer" in ran.err and "Traceback" not in ran.err


def test_user_add_reads_the_password_from_stdin(tawasul, settings, operator):
    ran = tawasul(
        "user",
        "add",
        "noura.k",
        "--role",
        "clerk",
        "--display-name",
        "نورة",
        "--json",
        stdin="a long secret\n",
        password=OPERATOR_PASSWORD,
    )
    assert ran.code == 0, ran.err
    assert ran.data == {"username": "noura.k", "role": "clerk"}
    with Store.open(settings) as store:
        with store.read() as session:
            assert find_user(session, "noura.k").password_hash.startswith("$argon2id$")
        assert login(store, "noura.k", "a long secret").role == "clerk"
    listed = tawasul("user", "list", "--json").data
    assert listed[0] == {
        "username": "noura.k",
        "role": "clerk",
        "display_name": "نورة",
        "active": True,
        "os_accounts": [],
    }

    taken = tawasul("user", "add", "NOURA.K", "--role", "admin", "--json",
                    stdin="another secret\n", password=OPERATOR_PASSWORD)
    assert taken.code == 2 and taken.data["errors"][0]["code"] == "user.exists"
    weak = tawasul("user", "add", "fahad", "--role", "clerk", "--json", stdin="short\n",
                   password=OPERATOR_PASSWORD)
    assert weak.code == 2 and weak.data["errors"][0]["code"] == "user.weak_password"


@pytest.mark.slow
def test_demo_data_then_audit_verify(tawasul, settings):
    ran = tawasul("demo-data", "--count", "300", "--json")
    assert ran.code == 0, ran.err
    assert ran.data["created"] == 300
    assert _scalar(settings.db_path, "SELECT count(*) FROM requests") == 300
    assert _scalar(settings.db_path, "SELECT count(DISTINCT number) FROM requests") == 300
    verified = tawasul("audit", "verify", "--json")
    assert verified.code == 0, verified.err
    assert verified.data["ok"] is True and verified.data["entries"] >= 1
    listed = tawasul("request", "list", "--json", "--limit", "500").data
    assert len(listed) == 300
    assert {r["status"] for r in listed} >= {"submitted", "under_review", "accepted", "closed"}
    # Every attachment the demo rows name is on disk.
    with Store.open(settings) as store, store.read() as session:
        from sqlalchemy import select

        from tawasul_desktop.storage.models import Attachment

        digests = set(session.execute(select(Attachment.sha256)).scalars())
        assert digests and all(store.blobs.exists(d) for d in digests)


@pytest.fixture
def busy(store, valid_request, supervisor):
    for _ in range(4):
        summary = ops.submit_request(store, supervisor, valid_request())
        ops.transition(store, supervisor, summary.number, ops.Action.START_REVIEW)
    return store


def test_audit_verify_names_each_broken_entry(tawasul, busy):
    """One edit, one deletion and one changed link (each alone: tests/storage/test_audit.py)."""
    intact = tawasul("audit", "verify")
    assert intact.code == 0 and "intact: 8 entries" in intact.out
    with contextlib.closing(sqlite3.connect(busy.db_path)) as conn:
        conn.execute("""UPDATE audit_log SET new = '{"status":"accepted"}' WHERE seq = 2""")
        conn.execute("DELETE FROM audit_log WHERE seq = 4")
        conn.execute("UPDATE audit_log SET prev_hash = ? WHERE seq = 7", ("0" * 64,))
        conn.commit()
    broken = tawasul("audit", "verify", "--json")
    assert broken.code == 1
    assert broken.data["ok"] is False and broken.data["entries"] == 7
    reasons = {(b["seq"], b["reason"]) for b in broken.data["breaks"]}
    assert (2, "content was changed after it was written") in reasons
    assert (4, "entries 4..4 are missing") in reasons
    assert (7, "does not follow the previous entry") in reasons
    human = tawasul("audit", "verify")
    assert human.code == 1 and "BROKEN" in human.out
    assert all(f"entry {seq}:" in human.out for seq in (2, 4, 7))


def test_backup_and_restore_round_trip(
    tawasul, tmp_path, settings, store, valid_request, supervisor
):
    kept_before = ops.submit_request(store, supervisor, valid_request())
    backup_file = tmp_path / "backups" / "monday.sqlite3"
    ran = tawasul("backup", backup_file, "--json")
    assert ran.code == 0, ran.err
    assert ran.data == {"backup": str(backup_file)}
    assert _scalar(backup_file, "PRAGMA integrity_check") == "ok"
    assert _scalar(backup_file, "PRAGMA journal_mode") == "delete"  # one self-contained file

    lost = ops.submit_request(store, supervisor, valid_request())
    restored = tawasul("restore", backup_file, "--json")
    assert restored.code == 0, restored.err
    previous = restored.data["previous_kept_as"]
    assert previous and previous != str(settings.db_path)

    numbers = {r["number"] for r in tawasul("request", "list", "--json").data}
    assert numbers == {kept_before.number}
    assert tawasul("audit", "verify").code == 0
    # The database as it was before the restore is kept, with the later request in it.
    assert _scalar(previous, "SELECT count(*) FROM requests") == 2
    assert _scalar(previous, "PRAGMA integrity_check") == "ok"
    # The live database still works normally afterwards (WAL, writable, migrated).
    with Store.open(settings) as reopened:
        assert ops.get_request(reopened, kept_before.number).status == "submitted"
        ops.submit_request(reopened, supervisor, valid_request())
    assert _scalar(settings.db_path, "PRAGMA journal_mode") == "wal"
    assert lost.number not in numbers


def test_restore_refuses_what_is_not_a_backup(tawasul, tmp_path, store):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    ran = tawasul("restore", junk, "--json")
    assert ran.code == 2
    assert ran.data["errors"][0]["code"] == "backup.unusable"
    other = tmp_path / "other.sqlite3"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    assert tawasul("restore", other).code == 2
    assert tawasul("restore", tmp_path / "missing.sqlite3").code == 2


def test_two_restores_in_a_row_keep_both_previous_databases(
    tmp_path, settings, store, valid_request, supervisor
):
    first = ops.submit_request(store, supervisor, valid_request())
    backup_file = tmp_path / "b.sqlite3"
    from tawasul_desktop.storage.backup import backup_database

    backup_database(settings.db_path, backup_file)
    ops.submit_request(store, supervisor, valid_request())
    store.close()
    kept_one = restore_database(backup_file, settings.db_path)
    kept_two = restore_database(backup_file, settings.db_path)
    assert kept_one != kept_two
    assert _scalar(kept_one, "SELECT count(*) FROM requests") == 2
    assert _scalar(kept_two, "SELECT count(*) FROM requests") == 1
    assert first.number


def test_backup_and_restore_refuse_the_live_database_itself(
    tawasul, settings, store, valid_request, supervisor
):
    summary = ops.submit_request(store, supervisor, valid_request())
    onto_itself = tawasul("backup", settings.db_path)
    assert onto_itself.code == 2 and "cannot overwrite" in onto_itself.err
    from_itself = tawasul("restore", settings.db_path, "--json")
    assert from_itself.code == 2
    assert from_itself.data["errors"][0]["code"] == "backup.unusable"
    assert ops.get_request(store, summary.number).status == "submitted"
    assert _scalar(settings.db_path, "PRAGMA integrity_check") == "ok"


def test_restore_from_a_folder_with_uri_characters(
    tmp_path, settings, store, valid_request, supervisor
):
    from tawasul_desktop.storage.backup import backup_database

    summary = ops.submit_request(store, supervisor, valid_request())
    odd = tmp_path / "backups #1 ?x=1 %20" / "b.sqlite3"
    backup_database(settings.db_path, odd)
    ops.submit_request(store, supervisor, valid_request())
    store.close()
    assert restore_database(odd, settings.db_path) is not None
    with Store.open(settings) as reopened:
        assert ops.count_requests(reopened, ops.RequestFilter()) == 1
        assert ops.get_request(reopened, summary.number)


def test_a_deactivated_user_cannot_act_through_the_command(
    tawasul, store, valid_request, supervisor
):
    number = ops.submit_request(store, supervisor, valid_request()).number
    map_os_account(store, "sup.gone", "supervisor", "long password")
    with store.write() as session:
        find_user(session, "sup.gone").active = False
    ran = tawasul("request", "decide", "--accept", number, password="long password")
    assert ran.code == 1 and "deactivated" in ran.err
    assert ops.get_request(store, number).status == "submitted"
