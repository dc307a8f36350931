"""Attacks on the idle pass (central c0012) over a transaction-mode PgBouncer: every desk on
the shared login is lent the same server connections, so whatever one client leaves in a
server session (its search path, temporary objects) is there when the next desk's statement
runs on it.

Against the real PostgreSQL of ``$TAWASUL_TEST_PG_DSN`` and Debian's ``pgbouncer``.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import test_idle_pass
from synchelp import wait_for_feed
from test_idle_pass import idle_desk
from test_shared_login import become, raw, sees

from tawasul_desktop.central import admin
from tawasul_desktop.central.connection import desk_key

shared = test_idle_pass.shared  # fixtures: three counters and the shared login,
bouncer = test_idle_pass.bouncer  # PgBouncer in transaction mode with one server connection

# Left on the server connection by a client of the shared login that knows no key: temporary
# domains named like the types a desk's statement casts its cursor to (first in the search
# path it leaves), whose check queues a deferred trigger; the trigger runs at the commit of
# the next client's transaction, after tawasul_desk_pass() named that client's counter and
# key for it, and keeps both in a temporary table of the session.
PLANT = [
    "SET search_path = pg_temp, pg_catalog, {schema}",
    "CREATE TEMP TABLE loot (role text, key text)",
    "CREATE TEMP TABLE armed (x int)",
    "CREATE FUNCTION pg_temp.grab() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO pg_temp.loot VALUES (current_setting('tawasul.desk_role', true), "
    "current_setting('tawasul.desk_key', true)); RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER grab AFTER INSERT ON pg_temp.armed DEFERRABLE INITIALLY "
    "DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.grab()",
    "CREATE FUNCTION pg_temp.arm() RETURNS boolean LANGUAGE plpgsql AS $$ "
    "BEGIN INSERT INTO pg_temp.armed VALUES (1); RETURN true; END $$",
    "CREATE DOMAIN pg_temp.xid8 AS pg_catalog.xid8 CHECK (pg_temp.arm())",
    "CREATE DOMAIN pg_temp.bigint AS pg_catalog.int8 CHECK (pg_temp.arm())",
    "CREATE DOMAIN pg_temp.int8 AS pg_catalog.int8 CHECK (pg_temp.arm())",
]


def _plant(conn: psycopg.Connection[Any]) -> None:
    schema = conn.execute("SELECT current_schema()").fetchone()[0]  # type: ignore[index]
    for sql in PLANT:
        conn.execute(sql.format(schema=f'"{schema}"'))


def _loot(conn: psycopg.Connection[Any]) -> list[Any]:
    try:
        return conn.execute("SELECT role, key FROM pg_temp.loot "
                            "WHERE coalesce(key, '') <> ''").fetchall()
    except psycopg.errors.UndefinedTable:
        return []


def test_a_client_of_the_shared_login_takes_no_key_from_a_pooled_server_connection(
        central, shared, bouncer, tmp_path, valid_request, clean_env):
    dsn = bouncer.dsn(central, shared["login"])
    victim = idle_desk(central, tmp_path, shared["riyadh"], "101", 1, shared["login"], bouncer)
    try:
        victim.sync()  # the first pass checks everything, directly
        with raw(dsn) as attacker:  # the shared login's password, no key of its own
            _plant(attacker)
        report = victim.sync()
        assert report.ok and set(report.seconds) == {"idle"}
        with raw(dsn) as attacker:  # the same server connection (a pool of one)
            stolen = _loot(attacker)
    finally:
        victim.close()
    with raw(central.dsn(shared["login"])) as conn:  # what the key would be worth
        for role, key in stolen:
            become(conn, role, key)
        assert stolen == [] and sees(conn)[0] is None, \
            "a desk's key, taken off the pooled server connection, acts as its counter"


def test_an_old_desks_statement_on_a_poisoned_connection_leaks_no_key(
        central, shared, bouncer, clean_env):
    """Central's side alone: the statement as a desk of c0012 sent it (its cursor cast to a
    type named without its schema) runs after the trap; nothing the caller's arguments queued
    runs once the counter is named."""
    riyadh = shared["riyadh"]
    dsn = bouncer.dsn(central, shared["login"])
    with raw(dsn) as attacker:
        _plant(attacker)
    with raw(dsn) as desk:
        desk.execute("SELECT count(*) FROM tawasul_desk_pass(%s, %s, NULL, %s::xid8, "
                     "%s::bigint, %s)",
                     (riyadh.role, desk_key(riyadh.password, riyadh.role), "0", 0, 100))
    with raw(dsn) as attacker:
        assert _loot(attacker) == []


def test_odd_callers_and_arguments_read_nothing_of_another_counter(central, shared, clean_env):
    """What held: a supervisor, the counters' group, odd role names, NULL and huge arguments,
    an identity named inside a transaction that is rolled back to a savepoint."""
    riyadh, jeddah = shared["riyadh"], shared["jeddah"]
    with central.admin() as conn:
        for centre, number in [(None, None), ("101", None), ("101", 1), ("202", 1)]:
            conn.execute("INSERT INTO changes (centre, counter, kind, entity_id, payload) "
                         "VALUES (%s, %s, 'noise', 'x', '{}')", (centre, number))
        supervisor = admin.add_supervisor(conn, "202", "sv", password="sv-pw")[0]
    wait_for_feed(central)
    count = ("SELECT count(id) FROM tawasul_desk_pass(%s, %s, NULL, %s::pg_catalog.xid8, %s, "
             "%s)")
    mine = desk_key(riyadh.password, riyadh.role)
    login = central.dsn(shared["login"])
    with raw(login) as conn:
        for role, key, xid, after, lim in [
                ("", mine, "0", 0, 100), (riyadh.role + " ", mine, "0", 0, 100),
                (riyadh.role + "\x01", mine, "0", 0, 100), (riyadh.role.upper(), mine, "0", 0, 100),
                (jeddah.role, mine, "0", 0, None), (jeddah.role, "", None, None, None),
                (f"{central.prefix}_desks", mine, "0", 0, 100)]:
            assert conn.execute(count, (role, key, xid, after, lim)).fetchone() == (0,), role
        with pytest.raises(psycopg.errors.InvalidRowCountInLimitClause):
            conn.execute(count, (riyadh.role, mine, "0", 0, -1))
        with conn.transaction():  # named within a transaction, then a savepoint rolled back
            with pytest.raises(psycopg.errors.DivisionByZero), conn.transaction():
                conn.execute(count.replace("count(id)", "count(id) / (count(*) - count(*))"),
                             (riyadh.role, mine, "0", 0, 100))
            assert sees(conn)[0] is None
        assert conn.execute(count, (riyadh.role, mine, "0", 0, None)).fetchone() == (3,)
        assert sees(conn)[0] is None
    with raw(central.dsn(supervisor)) as conn:  # a supervisor's desk receives no feed
        for role, key in [(None, None), (jeddah.role, desk_key(jeddah.password, jeddah.role))]:
            try:
                got = conn.execute(count, (role, key, "0", 0, 100)).fetchone()
            except psycopg.errors.InsufficientPrivilege:
                continue
            assert got == (0,)


def test_a_search_path_left_on_a_pooled_connection_does_not_turn_idle_passes_off(
        central, shared, bouncer, tmp_path, clean_env, monkeypatch):
    """The desk calls central's function by its schema (learnt at its full check): a search
    path without it, left by another client, neither fails the pass nor makes the desk take
    central for one without the idle statement."""
    from tawasul_desktop.central import operations as hub

    monkeypatch.setattr(hub, "_NO_DESK_PASS", set())
    dsn = bouncer.dsn(central, shared["login"])
    desk = idle_desk(central, tmp_path, shared["riyadh"], "101", 1, shared["login"], bouncer)
    try:
        desk.sync()
        with raw(dsn) as attacker:
            attacker.execute("SET search_path = pg_temp")
        for _ in range(2):
            assert set(desk.sync().seconds) == {"idle"}
        assert not hub._NO_DESK_PASS
    finally:
        desk.close()
