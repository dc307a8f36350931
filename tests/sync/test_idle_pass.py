"""An idle desk's pass is one statement (central c0012), and may go through PgBouncer in
transaction mode over a connection the desk holds between passes: the statement names the
counter for its own transaction only, so nothing of one desk reaches the next client of a
server connection, and a desk with more to do still makes a full pass.

Against the real PostgreSQL of ``$TAWASUL_TEST_PG_DSN`` and Debian's ``pgbouncer`` (counted
through its own admin console: what reached the server).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import test_shared_login
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
from test_shared_login import Counter, become, raw, sees, shared_desk

from tawasul_desktop.central import admin
from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.connection import CentralTarget, desk_key
from tawasul_desktop.config import ConfigError, load_settings
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests
from tawasul_desktop.sync import local

shared = test_shared_login.shared  # fixture: the shared login and three counters

SIGNATURE = "tawasul_desk_pass(text, text, uuid, xid8, bigint, integer)"
PASS = ("SELECT centre, counter, count(id) FROM tawasul_desk_pass(%s, %s, NULL, '0'::xid8, 0, "
        "1000) "
        "GROUP BY centre, counter")


@dataclasses.dataclass
class Bouncer:
    port: int
    db: str

    def dsn(self, central: CentralDb, user: str) -> str:
        return make_conninfo(central.dsn(user), host="127.0.0.1", port=str(self.port))

    def stats(self) -> tuple[int, int, int]:
        """(transactions, statements) PgBouncer passed to the server, and its clients now
        connected as anyone but the admin console's."""
        admin_dsn = f"host=127.0.0.1 port={self.port} dbname=pgbouncer user=postgres"
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            cur = conn.cursor()
            cur.execute("SHOW STATS_TOTALS")
            names = [d.name for d in cur.description or []]
            row = next((dict(zip(names, r, strict=True)) for r in cur.fetchall()
                        if r[0] == self.db), {"xact_count": 0, "query_count": 0})
            cur.execute("SHOW CLIENTS")
            names = [d.name for d in cur.description or []]
            clients = sum(1 for r in cur.fetchall()
                          if dict(zip(names, r, strict=True))["database"] == self.db)
        return int(row["xact_count"]), int(row["query_count"]), clients


@pytest.fixture
def bouncer(central: CentralDb, shared: dict[str, Any]) -> Iterator[Bouncer]:
    # Transaction pooling, one server connection: every client's statement runs on it.
    settings = {"pool_mode": "transaction", "default_pool_size": "1",
                "max_db_connections": "1"}
    with running_pgbouncer(central, [shared["login"], "postgres"], settings) as (port, _):
        yield Bouncer(port, central.name)


def idle_desk(central: CentralDb, root: Path, who: Counter, centre: str, number: int,
              login: str, bouncer: Bouncer, **engine: Any) -> Desk:
    desk = shared_desk(central, root, who, centre, number, central.dsn(login))
    desk.engine.target = dataclasses.replace(desk.engine.target,
                                             idle_dsn=bouncer.dsn(central, login))
    for name, value in engine.items():
        setattr(desk.engine, name, value)
    return desk


def decide(central: CentralDb, numbers: list[str]) -> None:
    with central.admin() as conn:
        for n in numbers:
            hub.decide(conn, n, Action.REJECT, actor="amal", reason="ناقص", policy=POLICY)


def test_an_idle_pass_is_one_statement_over_a_held_connection(
        central, shared, bouncer, tmp_path, valid_request, clean_env):
    desk = idle_desk(central, tmp_path, shared["riyadh"], "101", 1, shared["login"], bouncer)
    try:
        numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(3)])
        assert desk.sync().pushed == 3  # the first pass checks everything, directly
        decide(central, numbers[:2])
        before = bouncer.stats()
        report = desk.sync()
        after = bouncer.stats()
        assert report.requests_changed == 2 and report.pulled == 2
        assert set(report.seconds) == {"idle"}  # no other phase, no other connection
        assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
        assert after[2] == 1  # held between passes
        desk.sync()  # sends the audit entries the decisions wrote here
        with desk.store.read() as session:
            assert not local.anything_unsent(session)
        before = bouncer.stats()
        report = desk.sync()
        assert report.ok and report.pulled == 0 and set(report.seconds) == {"idle"}
        assert bouncer.stats()[:2] == (before[0] + 1, before[1] + 1)
        assert [r.status for r in map(desk_request(desk), numbers)] == \
            ["rejected", "rejected", "submitted"]
    finally:
        desk.close()
    assert bouncer.stats()[2] == 0  # closing the desk lets it go


def desk_request(desk: Desk) -> Any:
    return lambda number: requests.get_request(desk.store, number)


def test_the_idle_statement_acts_as_the_counter_for_its_own_transaction_only(
        central, shared, tmp_path, valid_request, clean_env):
    riyadh, riyadh2, jeddah = shared["riyadh"], shared["riyadh2"], shared["jeddah"]
    desk = shared_desk(central, tmp_path, riyadh, "101", 1, central.dsn(shared["login"]))
    try:
        numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
        desk.sync()
        decide(central, numbers)
    finally:
        desk.close()
    mine = desk_key(riyadh.password, riyadh.role)
    wait_for_feed(central)
    with raw(central.dsn(shared["login"])) as conn:
        rows = conn.execute(PASS, (riyadh.role, mine)).fetchall()
        assert len(rows) == 1 and rows[0][:2] == ("101", 1) and rows[0][2] >= 2
        # The next statement, on the same session: nobody again.
        assert sees(conn) == (None, None, None, 0, 0)
        assert conn.execute("SELECT coalesce(current_setting('tawasul.desk_role', true), ''), "
                            "coalesce(current_setting('tawasul.desk_key', true), '')"
                            ).fetchone() == ("", "")
    attempts = {
        "no key": (riyadh.role, None),
        "the password itself": (riyadh.role, riyadh.password),
        "another counter's key": (riyadh.role, desk_key(riyadh2.password, riyadh2.role)),
        "its key as another counter": (riyadh2.role, mine),
        "another centre's key": (riyadh.role, desk_key(jeddah.password, jeddah.role)),
        "the counters' group": (f"{central.prefix}_counter", mine),
        "no role named": (None, mine),
    }
    for name, (role, key) in attempts.items():
        with raw(central.dsn(shared["login"])) as conn:
            assert conn.execute(PASS, (role, key)).fetchall() == [(None, None, 0)], name
    with raw(central.dsn(shared["login"])) as conn:  # a session naming it does not count
        become(conn, riyadh.role, "a wrong key")
        assert conn.execute(PASS, (None, None)).fetchall() == [(None, None, 0)]
    with central.admin() as conn:  # a counter's own login, no key: itself
        role = admin.add_counter(conn, "101", 3, password="own-pw")[0]
    with raw(central.dsn(role)) as conn:
        assert conn.execute(PASS, (None, None)).fetchone()[:2] == ("101", 3)  # type: ignore[index]
        assert conn.execute(PASS, (riyadh.role, mine)).fetchone()[:2] == ("101", 3), \
            "a counter's own login names nobody else"  # type: ignore[index]


def test_a_transaction_pooled_connection_carries_no_identity_between_clients(
        central, shared, bouncer, tmp_path, valid_request, clean_env):
    riyadh, jeddah = shared["riyadh"], shared["jeddah"]
    dsn = bouncer.dsn(central, shared["login"])
    first = idle_desk(central, tmp_path, riyadh, "101", 1, shared["login"], bouncer)
    second = idle_desk(central, tmp_path, jeddah, "202", 1, shared["login"], bouncer)
    try:
        mine = submit_many(first.store, CLERK, [valid_request() for _ in range(2)])
        theirs = submit_many(second.store, CLERK, [valid_request()])
        first.sync()
        second.sync()
        decide(central, mine + theirs)
        pids = set()
        assert first.sync().requests_changed == 2
        with raw(dsn) as conn:  # the next client of the same server connection
            pids.add(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
            assert sees(conn) == (None, None, None, 0, 0)
            # A client that leaves another counter's identity on the server connection, with
            # that counter's real key: the next desk still acts only as itself.
            become(conn, riyadh.role, desk_key(riyadh.password, riyadh.role))
        assert second.sync().requests_changed == 1
        with raw(dsn) as conn:
            pids.add(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        assert len(pids) == 1
        statuses = {n: desk_request(second)(n) for n in theirs}
        assert [r.status for r in statuses.values()] == ["rejected"]
        with second.store.read() as session:
            from tawasul_desktop.storage.models import Request
            assert {r.number for r in session.query(Request)} == set(theirs)
    finally:
        first.close()
        second.close()


def test_a_central_without_the_idle_statement_gets_full_passes(
        central, shared, tmp_path, valid_request, clean_env, monkeypatch):
    monkeypatch.setattr(hub, "_NO_DESK_PASS", set())
    desk = shared_desk(central, tmp_path, shared["riyadh"], "101", 1,
                       central.dsn(shared["login"]))
    try:
        numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
        desk.sync()
        assert set(desk.sync().seconds) == {"idle"}  # one statement on its own connection
        with central.admin() as conn:  # as a central before c0012
            conn.execute(f"ALTER FUNCTION {SIGNATURE} RENAME TO tawasul_desk_pass_hidden")
        decide(central, numbers[:1])
        report = desk.sync()
        assert report.requests_changed == 1 and "connect" in report.seconds
        assert len(hub._NO_DESK_PASS) == 1  # asked once, not at every pass
    finally:
        desk.close()
        with central.admin() as conn:
            conn.execute(f"ALTER FUNCTION {SIGNATURE.replace('pass', 'pass_hidden', 1)} "
                         "RENAME TO tawasul_desk_pass")


def test_a_disabled_counter_hears_it_at_its_next_idle_pass(
        central, shared, bouncer, tmp_path, valid_request, clean_env):
    riyadh = shared["riyadh"]
    desk = idle_desk(central, tmp_path, riyadh, "101", 1, shared["login"], bouncer)
    try:
        desk.sync()
        assert set(desk.sync().seconds) == {"idle"}
        with central.admin() as conn:
            conn.execute(f'ALTER ROLE "{riyadh.role}" NOLOGIN')
        report = desk.engine.run_once()
        assert not report.ok and "did not accept this desk" in (report.error or "")
    finally:
        desk.close()


def test_a_full_first_batch_goes_on_as_a_full_pass(
        central, shared, bouncer, tmp_path, valid_request, clean_env):
    desk = idle_desk(central, tmp_path, shared["riyadh"], "101", 1, shared["login"], bouncer,
                     pull_batch=3)
    try:
        numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(8)])
        desk.sync()
        decide(central, numbers)
        report = desk.sync()
        assert report.requests_changed == 8 and {"idle", "connect", "pull"} <= set(report.seconds)
        assert {desk_request(desk)(n).status for n in numbers} == {"rejected"}
    finally:
        desk.close()


def test_a_held_connection_that_went_stale_is_made_again(
        central, shared, bouncer, tmp_path, valid_request, clean_env):
    desk = idle_desk(central, tmp_path, shared["riyadh"], "101", 1, shared["login"], bouncer)
    try:
        numbers = submit_many(desk.store, CLERK, [valid_request()])
        desk.sync()
        desk.sync()
        assert bouncer.stats()[2] == 1
        admin_dsn = f"host=127.0.0.1 port={bouncer.port} dbname=pgbouncer user=postgres"
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f"KILL {central.name}")  # every client of the database dropped
            conn.execute(f"RESUME {central.name}")
        decide(central, numbers)
        report = desk.sync()
        assert report.requests_changed == 1 and set(report.seconds) == {"idle"}
    finally:
        desk.close()


def test_idle_dsn_is_read_and_may_not_hold_a_password(tmp_path, clean_env, monkeypatch):
    config = tmp_path / "tawasul.toml"
    config.write_text('[central]\ndsn = "host=c dbname=t user=u"\n'
                      'idle_dsn = "host=b port=6433 dbname=t_idle user=u"\n')
    settings = load_settings(config_file=config, db=tmp_path / "d.sqlite3",
                             data_dir=tmp_path / "data")
    assert settings.central_idle_dsn == "host=b port=6433 dbname=t_idle user=u"
    from tawasul_desktop.central.connection import target_from_settings
    assert target_from_settings(settings).idle_dsn == settings.central_idle_dsn
    monkeypatch.setenv("TAWASUL_CENTRAL_IDLE_DSN", "host=e dbname=t user=u")
    assert load_settings(config_file=config, db=tmp_path / "d.sqlite3",
                         data_dir=tmp_path / "data").central_idle_dsn == \
        "host=e dbname=t user=u"
    monkeypatch.delenv("TAWASUL_CENTRAL_IDLE_DSN")
    config.write_text('[central]\nidle_dsn = "host=b dbname=t user=u password=secret"\n')
    with pytest.raises(ConfigError, match="idle_dsn must not hold a password"):
        load_settings(config_file=config, db=tmp_path / "d.sqlite3",
                      data_dir=tmp_path / "data")


def test_a_target_without_idle_dsn_holds_nothing(central, shared, tmp_path, valid_request,
                                                 clean_env):
    desk = shared_desk(central, tmp_path, shared["riyadh"], "101", 1,
                       central.dsn(shared["login"]))
    try:
        desk.sync()
        desk.sync()
        assert isinstance(desk.engine.target, CentralTarget)
        assert central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s "
                              "AND datname = current_database()", shared["login"]) == 0
    finally:
        desk.close()


def test_the_pull_reads_exactly_what_row_security_admits(central, shared, clean_env):
    """tawasul_pull() reads the feed as its owner and picks the caller's rows itself: for every
    kind of caller it returns what a plain read of ``changes`` under row security returns."""
    riyadh, riyadh2, jeddah = shared["riyadh"], shared["riyadh2"], shared["jeddah"]
    with central.admin() as conn:
        for centre, number in [(None, None), ("101", None), ("101", 1), ("101", 2),
                               ("202", None), ("202", 1), ("303", None)]:
            for _ in range(2):
                conn.execute("INSERT INTO changes (centre, counter, kind, entity_id, payload) "
                             "VALUES (%s, %s, 'noise', 'x', '{}')", (centre, number))
    wait_for_feed(central)
    login = central.dsn(shared["login"])
    callers = {
        "riyadh's own login": (central.dsn(riyadh.role), None),
        "riyadh on the shared login": (login, (riyadh.role, desk_key(riyadh.password,
                                                                    riyadh.role))),
        "riyadh2 on the shared login": (login, (riyadh2.role, desk_key(riyadh2.password,
                                                                      riyadh2.role))),
        "jeddah on the shared login": (login, (jeddah.role, desk_key(jeddah.password,
                                                                    jeddah.role))),
        "a wrong key": (login, (riyadh.role, desk_key(jeddah.password, riyadh.role))),
        "the shared login alone": (login, None),
    }
    seen = {}
    for name, (dsn, who) in callers.items():
        with raw(dsn) as conn:
            if who is not None:
                become(conn, *who)
            pulled = {r[0] for r in conn.execute(
                "SELECT id FROM tawasul_pull('0'::xid8, 0, 1000) WHERE id IS NOT NULL")}
            admitted = {r[0] for r in conn.execute("SELECT id FROM changes")}
            assert pulled == admitted, name
            seen[name] = len(pulled)
    assert seen["riyadh on the shared login"] == seen["riyadh's own login"] == 6
    assert seen["jeddah on the shared login"] == 6
    assert seen["a wrong key"] == seen["the shared login alone"] == 0
    with raw(central.dsn(riyadh.role)) as conn:  # as the counters' group: still only itself
        conn.execute(f'SET ROLE "{central.prefix}_counter"')
        pulled = {r[0] for r in conn.execute(
            "SELECT id FROM tawasul_pull('0'::xid8, 0, 1000) WHERE id IS NOT NULL")}
        assert len(pulled) == 6


def test_a_desk_whose_login_was_bound_to_another_store_hears_it_at_its_next_idle_pass(
        central, shared, bouncer, tmp_path, clean_env):
    riyadh = shared["riyadh"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = idle_desk(central, tmp_path / "a", riyadh, "101", 1, shared["login"], bouncer)
    second = idle_desk(central, tmp_path / "b", riyadh, "101", 1, shared["login"], bouncer)
    try:
        first.sync()
        assert set(first.sync().seconds) == {"idle"}
        with central.admin() as conn:  # the administrator moves the counter to a new computer
            admin.release_desk(conn, "101", 1)
        second.sync()
        report = first.engine.run_once()
        assert not report.ok and "release-desk" in (report.error or ""), report.error
    finally:
        first.close()
        second.close()
