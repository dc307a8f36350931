"""Desks through a real PgBouncer in transaction mode, and without it: no connection held
between passes, no session state carried from one transaction to the next, and row-level
security still keyed on each counter's own login when server connections are pooled.

PgBouncer (Debian's ``pgbouncer``; ``.ci/run`` installs it) is started here on a port of its
own, in front of the module's central database. Without it the tests fail under CI and are
skipped elsewhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from synchelp import (
    CLERK,
    POLICY,
    CentralDb,
    Desk,
    running_pgbouncer,
    submit_many,
    wait_for_feed,
)

from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.connection import CentralTarget
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.sync.engine import SyncEngine


@dataclasses.dataclass
class Bouncer:
    port: int
    folder: Path

    def dsn(self, central: CentralDb, user: str) -> str:
        return make_conninfo(central.dsn(user), host="127.0.0.1", port=str(self.port))

    def clients(self, user: str) -> int:
        """Client connections PgBouncer holds for ``user`` (its admin console)."""
        with psycopg.connect(host="127.0.0.1", port=self.port, dbname="pgbouncer",
                             user="postgres", autocommit=True) as admin:
            rows = admin.execute("SHOW CLIENTS").fetchall()
        return sum(1 for r in rows if r[1] == user)


@pytest.fixture(scope="module")
def bouncer(central_db: CentralDb) -> Iterator[Bouncer]:
    with psycopg.connect(central_db.dsn(), autocommit=True) as conn:
        roles = [r[0] for r in conn.execute("SELECT role_name FROM counters")]
    users = ["postgres", *roles, *(f"{central_db.prefix}_c{c}" for c in ("101_01", "202_01"))]
    settings = {"pool_mode": "transaction", "default_pool_size": "2",
                "max_client_conn": "200", "server_reset_query": ""}
    with running_pgbouncer(central_db, users, settings) as (port, folder):
        yield Bouncer(port, folder)


def pooled_desk(desks: Any, bouncer: Bouncer, central: CentralDb, centre: str, counter: int,
                **engine_args: Any) -> Desk:
    """A desk whose [central] dsn names PgBouncer (``pooled``: nothing prepared)."""
    desk = desks(centre, counter)
    desk.engine.close()
    target = CentralTarget(bouncer.dsn(central, desk.role), pooled=True)
    desk.engine = SyncEngine(desk.store, target, **engine_args)
    return desk


def test_a_desk_holds_no_connection_between_passes(desks, central, valid_request):
    desk = desks()
    submit_many(desk.store, CLERK, [valid_request() for _ in range(3)])
    assert desk.sync().pushed == 3
    assert central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                          desk.role) == 0
    assert desk.sync().pushed == 0
    assert central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                          desk.role) == 0


def test_counters_alternating_through_pgbouncer_see_only_their_own(desks, central, bouncer,
                                                                   valid_request):
    # One operation a batch: each pass runs the same statements more often than psycopg
    # would prepare one after (5); pooled, nothing is prepared on a server connection.
    one = pooled_desk(desks, bouncer, central, "101", 1, batch_size=1, pull_batch=3)
    other = pooled_desk(desks, bouncer, central, "202", 1, batch_size=1, pull_batch=3)
    made = {one.role: [], other.role: []}
    served: dict[str, set[int]] = {one.role: set(), other.role: set()}

    def note_backend(point: str, conn: psycopg.Connection[Any]) -> None:
        # Inside the pass's transaction: the server connection PgBouncer gave it, and whose.
        if point == "push.before_commit":
            pid, user, session_user = conn.execute(
                "SELECT pg_backend_pid(), current_user, session_user").fetchone()
            assert user == session_user
            served[user].add(pid)

    for desk in (one, other):
        desk.engine.fault_hook = note_backend
    # Passes of the two counters alternate; every transaction may land on another server
    # connection of its own counter's pool.
    for round_ in range(3):
        for desk in (one, other):
            made[desk.role] += submit_many(desk.store, CLERK, [valid_request() for _ in range(9)])
            report = desk.sync()
            assert report.pushed == 9, report
            assert bouncer.clients(desk.role) == 0  # let go at the end of the pass
        with central.admin() as conn:  # decisions for both, pulled by the next passes
            for numbers in made.values():
                hub.decide(conn, numbers[round_ * 9], Action.ACCEPT, actor="amal",
                           policy=POLICY)
        wait_for_feed(central)
    for desk in (one, other):
        desk.sync()
    assert served[one.role] and served[other.role]
    assert not served[one.role] & served[other.role]  # never one server session for both

    # Each desk received its own decisions only, and holds only its own requests.
    for desk, centre in ((one, "101"), (other, "202")):
        with desk.store.read() as session:
            from sqlalchemy import select

            from tawasul_desktop.storage.models import Request
            rows = session.execute(select(Request.number, Request.status, Request.centre)
                                   ).all()
        assert {r.centre for r in rows} == {centre}
        assert sorted(r.number for r in rows if r.status == "accepted") == sorted(
            made[desk.role][i * 9] for i in range(3))

    # Raw SQL through the pooler as the first counter: the other centre's rows stay unseen,
    # and its identity cannot be taken.
    with psycopg.connect(bouncer.dsn(central, one.role), autocommit=True,
                         prepare_threshold=None) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == one.role
        assert conn.execute("SELECT count(*) FROM requests WHERE centre = '202'"
                            ).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM changes WHERE centre = '202'"
                            ).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM audit_entries WHERE centre = '202'"
                            ).fetchone()[0] == 0
        assert conn.execute("UPDATE requests SET status = 'withdrawn' WHERE centre = '202'"
                            ).rowcount == 0
        for attempt in (f'SET ROLE "{other.role}"', f'SET SESSION AUTHORIZATION "{other.role}"'):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attempt)
    assert central.scalar("SELECT count(*) FROM requests WHERE centre = '202'") == 27
    assert central.scalar("SELECT count(*) FROM requests WHERE centre = '101'") == 27


def test_the_pooled_setting_reaches_the_connection(tmp_path, central, bouncer):
    from tawasul_desktop.central.connection import target_from_settings
    from tawasul_desktop.config import load_settings

    with central.admin() as conn:
        from tawasul_desktop.central import admin

        role, _ = admin.add_counter(conn, "101", 1)
    config = tmp_path / "desk.toml"
    config.write_text(f'[central]\ndsn = "{bouncer.dsn(central, role)}"\npooled = true\n')
    settings = load_settings(config_file=config, db=tmp_path / "d.sqlite3",
                             data_dir=tmp_path / "data")
    assert settings.central_pooled and not settings.warnings
    target = target_from_settings(settings)
    assert target.pooled
    with target.connect(autocommit=True) as conn:
        assert conn.prepare_threshold is None  # nothing prepared on a pooled server connection
        assert conn.execute("SELECT current_user").fetchone()[0] == role
    config.write_text(f'[central]\ndsn = "{bouncer.dsn(central, role)}"\n')
    assert not target_from_settings(load_settings(config_file=config, db=tmp_path / "d.sqlite3",
                                                  data_dir=tmp_path / "data")).pooled
