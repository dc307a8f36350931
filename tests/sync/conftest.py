"""Sync fixtures: a fresh central database per test module on the real PostgreSQL, and
desks (real SQLite stores) logged in as their own counter roles. Helpers are in synchelp.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from synchelp import (
    DATA_TABLES,
    CentralDb,
    Desk,
    create_central_db,
    drop_central_db,
    open_desk,
    server_or_skip,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/sync/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="module")
def central_db() -> Iterator[CentralDb]:
    server_or_skip()
    db = create_central_db()
    try:
        yield db
    finally:
        drop_central_db(db)


@pytest.fixture
def central(central_db: CentralDb) -> CentralDb:
    """The module's central database, emptied of data (roles and their mapping stay)."""
    with central_db.admin() as conn:
        # A worker of the previous test may still be reading (a widget closed at teardown can
        # start one as the language switches back): end such sessions, or TRUNCATE deadlocks.
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        conn.execute(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE")
        # Each test's desks are new stores: the counters' logins are free to bind again.
        conn.execute("UPDATE counters SET desk_id = NULL, desk_label = NULL, "
                     "desk_bound_at = NULL")
    return central_db


@pytest.fixture
def desks(tmp_path: Path, clean_env: None, central: CentralDb) -> Iterator[Any]:
    """Factory: ``desks(centre="101", counter=1)`` opens a desk; all are closed afterwards."""
    opened: list[Desk] = []

    def make(centre: str = "101", counter: int = 1, **kwargs: Any) -> Desk:
        desk = open_desk(tmp_path, central, centre, counter, **kwargs)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()
