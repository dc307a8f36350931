"""Opening the store: SQLite pragmas, migrations, refusing a database from a newer program."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from sqlalchemy import text

from tawasul_desktop.storage.demo import _tiny_png
from tawasul_desktop.storage.engine import (
    StoreVersionError,
    current_revision,
    head_revision,
    open_store,
)
from tawasul_desktop.storage.store import Store


def test_connections_use_wal_and_foreign_keys(store):
    with store.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert session.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
    with store.write() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_the_file_itself_is_in_wal_mode(store):
    with contextlib.closing(sqlite3.connect(store.db_path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_keys_are_enforced(store):
    with pytest.raises(Exception, match="FOREIGN KEY"), store.write() as session:
        session.execute(
            text(
                "INSERT INTO attachments (id, request_id, position, document, display_name, "
                "media_type, size, sha256) VALUES (x'00', x'01', 0, 'd', 'n', 'm', 1, 'x')"
            )
        )


def test_open_applies_every_migration(settings):
    assert not settings.db_path.exists()
    with Store.open(settings) as store:
        assert current_revision(store.engine) == head_revision()
        tables = {
            r[0]
            for r in store.engine.connect().execute(
                text("SELECT name FROM sqlite_master WHERE type='table'")
            )
        }
    assert {
        "requests",
        "attachments",
        "follow_ups",
        "closures",
        "number_sequences",
        "audit_log",
        "users",
        "alembic_version",
    } <= tables


def test_reopening_a_current_database_keeps_its_data(settings, valid_request, supervisor):
    from tawasul_desktop.storage.requests import get_request, submit_request

    with Store.open(settings) as store:
        number = submit_request(store, supervisor, valid_request()).number
    with Store.open(settings) as store:
        assert get_request(store, number).status == "submitted"


def test_a_database_from_a_newer_program_is_refused(settings):
    Store.open(settings).close()
    with contextlib.closing(sqlite3.connect(settings.db_path)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        conn.commit()
    with pytest.raises(StoreVersionError, match="9999_from_the_future"):
        open_store(settings.db_path)
    with pytest.raises(StoreVersionError):
        Store.open(settings)
    # Refusing must not have touched the schema stamp.
    with contextlib.closing(sqlite3.connect(settings.db_path)) as conn:
        assert (
            conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            == "9999_from_the_future"
        )


def test_restore_keeps_the_files_of_the_database_it_set_aside(
    settings, valid_request, clerk, tmp_path
):
    """Files of requests only in the kept pre-restore database survive the next start's sweep."""
    from tawasul_desktop.storage import requests as ops
    from tawasul_desktop.storage.backup import backup_database, restore_database
    from tawasul_desktop.storage.store import Store

    backup = tmp_path / "early.sqlite3"
    with Store.open(settings) as store:
        ops.submit_request(store, clerk, valid_request())
        backup_database(settings.db_path, backup)
        later = ops.submit_request(
            store, clerk, valid_request(photo=_tiny_png(b"later" * 50))
        )
        later_files = {a.sha256 for a in ops.get_request(store, later.number).attachments}
    restore_database(backup, settings.db_path)
    with Store.open(settings) as store:
        kept = {p.name for _, p in store.blobs.stored_digests()}
    assert later_files <= kept


def test_the_planner_has_statistics_after_open_and_after_demo_data(settings):
    from tawasul_desktop.storage.demo import generate_demo_data
    from tawasul_desktop.storage.store import Store
    from tawasul_desktop.storage.users import Actor

    with Store.open(settings) as store:
        assert store.has_statistics()
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE sqlite_stat1")
        assert not store.has_statistics()
        generate_demo_data(store, Actor("t", "admin"), 50)
        assert store.has_statistics()
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'requests'"
            ).all()
        assert rows  # the requests table was analysed with its 50 rows
