"""Opening an older database backs it up beside itself, then migrates it."""

from __future__ import annotations

import contextlib
import sqlite3

from alembic import command

from tawasul_desktop.storage.engine import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from tawasul_desktop.storage.store import Store


def _revision(path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def _older_database(settings, revision: str = "0002") -> None:
    engine = make_engine(settings.db_path)
    command.upgrade(alembic_config(engine), revision)
    if revision == "0001":  # no drafts table yet
        engine.dispose()
        return
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO drafts (id, owner, updated_at, payload) "
            "VALUES (x'0102030405060708090a0b0c0d0e0f10', 'amal', '2026-11-01 08:00:00', '{}')")
    engine.dispose()


def test_an_older_database_is_backed_up_then_migrated(settings):
    _older_database(settings)
    with Store.open(settings) as store:
        assert current_revision(store.engine) == head_revision()
    [backup] = settings.db_path.parent.glob(f"{settings.db_path.stem}.before-upgrade-0002-*")
    assert backup.suffix == settings.db_path.suffix
    assert _revision(backup) == "0002"  # the copy is the database as it was
    with contextlib.closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("SELECT owner FROM drafts").fetchall() == [("amal",)]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _revision(settings.db_path) == head_revision()


def test_a_current_or_new_database_takes_no_backup(settings):
    with Store.open(settings):
        pass
    with Store.open(settings):
        pass
    assert list(settings.db_path.parent.glob("*.before-upgrade-*")) == []


def test_upgrade_returns_the_backup(settings):
    _older_database(settings, "0001")
    engine = make_engine(settings.db_path)
    try:
        backup = upgrade(engine)
    finally:
        engine.dispose()
    assert backup is not None and backup.exists() and _revision(backup) == "0001"
    assert upgrade(make_engine(settings.db_path)) is None
