"""Desks on the desks' shared login (central c0011): each acts only as the counter whose key it
shows, whatever it sends as raw SQL, and a server connection that PgBouncer hands from one
desk to the next (session mode, reset as README recommends) carries no identity across.

Against the real PostgreSQL of ``$TAWASUL_TEST_PG_DSN`` and, for the pooled part, Debian's
``pgbouncer`` (``.ci/run`` installs it; without it the test fails under CI, is skipped
elsewhere).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from synchelp import CLERK, POLICY, CentralDb, Desk, running_pgbouncer, submit_many

from tawasul_desktop.central import admin
from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.connection import CentralTarget, desk_key
from tawasul_desktop.config import ConfigError, load_settings
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests
from tawasul_desktop.storage.store import Store
from tawasul_desktop.sync.engine import SyncEngine
from tawasul_desktop.wire.protocol import CONFLICT

READS = r"(?<![\w.(])(current_user|session_user)\b"


@dataclasses.dataclass
class Counter:
    role: str
    password: str
    password_file: Path


def counter(central: CentralDb, folder: Path, centre: str, number: int) -> Counter:
    password = f"pw-{centre}-{number}-{os.getpid()}"
    with central.admin() as conn:
        role, _ = admin.add_counter(conn, centre, number, password=password)
    path = folder / f"{role}.password"
    path.write_text(password + "\n")
    path.chmod(0o600)
    return Counter(role, password, path)


@pytest.fixture
def shared(central: CentralDb, tmp_path: Path) -> dict[str, Any]:
    with central.admin() as conn:
        login, _ = admin.enable_desk_login(conn)
    return {"login": login, "riyadh": counter(central, tmp_path, "101", 1),
            "riyadh2": counter(central, tmp_path, "101", 2),
            "jeddah": counter(central, tmp_path, "202", 1)}


def shared_desk(central: CentralDb, root: Path, who: Counter, centre: str, number: int,
                dsn: str) -> Desk:
    settings = load_settings(config_file=root / "none.toml",
                             db=root / f"shared-{centre}-{number}.sqlite3",
                             data_dir=root / f"shared-data-{centre}-{number}")
    settings = dataclasses.replace(settings, centre_code=centre, counter=number,
                                   central_dsn=dsn, central_password_file=who.password_file,
                                   central_desk_role=who.role)
    store = Store.open(settings)
    target = CentralTarget(dsn, password_file=who.password_file, desk_role=who.role)
    return Desk(store, SyncEngine(store, target), who.role)


def raw(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn, autocommit=True)


def become(conn: psycopg.Connection[Any], role: str, key: str | None) -> None:
    conn.execute("SELECT set_config('tawasul.desk_role', %s, false)", (role,))
    if key is not None:
        conn.execute("SELECT set_config('tawasul.desk_key', %s, false)", (key,))


# Every table with rows of a centre or a person. (``blobs``' digests and sizes, without the
# bytes, are open to every counter so that a file is sent once: not listed.)
PERSONAL = ("requests", "request_attachments", "audit_entries", "follow_ups", "changes",
            "ops", "users", "counters", "closures", "conflicts", "blob_chunks",
            "blob_contents", "desk_keys")


def sees(conn: psycopg.Connection[Any]) -> tuple[Any, ...]:
    """(who central takes it for, its centre, its counter, requests it reads, rows of every
    other table it reads); a table it may not read at all counts 0."""
    row = conn.execute("SELECT tawasul_caller(current_user), tawasul_centre(), "
                       "tawasul_counter(), (SELECT count(*) FROM requests)").fetchone()
    assert row is not None
    others = 0
    for table in PERSONAL[1:]:
        try:
            with conn.transaction():
                others += conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        except psycopg.errors.InsufficientPrivilege:
            pass
    return (*row, others)


def test_every_read_of_the_login_role_goes_through_the_caller(central):
    with central.admin() as conn:
        functions = conn.execute(
            "SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace "
            "AND proname NOT IN ('tawasul_caller', 'tawasul_desk_role', 'tawasul_desk_side') "
            "AND regexp_replace(prosrc, 'tawasul_caller\\((current|session)_user\\)', '', 'gi') "
            "~* '(current|session)_user'").fetchall()
        policies = conn.execute(
            "SELECT policyname FROM pg_policies WHERE schemaname = current_schema() AND "
            "regexp_replace(coalesce(qual, '') || coalesce(with_check, ''), "
            "'tawasul_caller\\((current|session)_user\\)', '', 'gi') ~* '(current|session)_user'"
        ).fetchall()
        defaults = conn.execute(
            "SELECT adrelid::regclass::text FROM pg_attrdef WHERE regexp_replace("
            "pg_get_expr(adbin, adrelid), 'tawasul_caller\\((current|session)_user\\)', '', "
            "'gi') ~* '(current|session)_user'").fetchall()
    assert (functions, policies, defaults) == ([], [], [])


def test_a_desk_on_the_shared_login_syncs_as_its_own_counter(central, shared, tmp_path,
                                                             valid_request, clean_env):
    riyadh = shared["riyadh"]
    desk = shared_desk(central, tmp_path, riyadh, "101", 1, central.dsn(shared["login"]))
    try:
        submit_many(desk.store, CLERK, [valid_request() for _ in range(3)])
        report = desk.sync()
        assert report.pushed == 3
        assert central.scalar("SELECT count(*) FROM requests WHERE counter = 1 AND centre = "
                              "'101'") == 3
        assert central.scalar("SELECT array_agg(DISTINCT origin) FROM ops") == [riyadh.role]
        assert central.scalar("SELECT desk_label FROM counters WHERE role_name = %s",
                              riyadh.role) is not None  # bound as itself
    finally:
        desk.close()


def test_the_shared_login_acts_only_with_the_counters_own_key(central, shared, tmp_path,
                                                              valid_request, clean_env):
    riyadh, riyadh2, jeddah = shared["riyadh"], shared["riyadh2"], shared["jeddah"]
    desk = shared_desk(central, tmp_path, riyadh, "101", 1, central.dsn(shared["login"]))
    try:
        submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
        desk.sync()
    finally:
        desk.close()
    dsn = central.dsn(shared["login"])
    with raw(dsn) as conn:  # the login alone reads nothing, and cannot become a counter
        assert sees(conn) == (None, None, None, 0, 0)
        for other in (riyadh.role, f"{central.prefix}_supervisor", "postgres"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f'SET ROLE "{other}"')
    with raw(dsn) as conn:
        become(conn, riyadh.role, desk_key(riyadh.password, riyadh.role))
        mine = sees(conn)
        assert mine[:4] == (riyadh.role, "101", 1, 2) and mine[4] > 0
    attempts = {
        "no key": (riyadh.role, None),
        "a setting naming the role": (riyadh.role, riyadh.role),
        "the password itself": (riyadh.role, riyadh.password),
        "another counter's key": (riyadh.role, desk_key(riyadh2.password, riyadh2.role)),
        "its key as another counter": (riyadh2.role, desk_key(riyadh.password, riyadh.role)),
        "its password's key for another": (riyadh2.role, desk_key(riyadh.password,
                                                                  riyadh2.role)),
        "another centre's key": (riyadh.role, desk_key(jeddah.password, jeddah.role)),
        "the counters' group": (f"{central.prefix}_counter",
                                desk_key(riyadh.password, riyadh.role)),
        "no role named": ("", desk_key(riyadh.password, riyadh.role)),
    }
    for name, (role, key) in attempts.items():
        with raw(dsn) as conn:
            become(conn, role, key)
            assert sees(conn) == (None, None, None, 0, 0), name
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute("INSERT INTO ops (op_id, centre, counter, kind, schema_version) "
                             "VALUES (gen_random_uuid(), '101', 1, 'submit', 1)")
            bound = conn.execute("SELECT bound_desk FROM tawasul_bind_desk(gen_random_uuid(), "
                                 "'intruder')").fetchall()
            assert bound == [], name  # neither bound nor told riyadh's binding
            skew = conn.execute("UPDATE counters SET last_skew_seconds = 99")
            assert skew.rowcount == 0, name
    assert central.scalar("SELECT count(*) FROM ops") == 2
    assert central.scalar("SELECT count(*) FROM counters WHERE desk_label = 'intruder' "
                          "OR last_skew_seconds = 99") == 0


def test_a_wrong_key_stops_the_desk_with_a_clear_message(central, shared, tmp_path,
                                                         clean_env):
    riyadh = shared["riyadh"]
    riyadh.password_file.write_text("not the password\n")
    desk = shared_desk(central, tmp_path, riyadh, "101", 1, central.dsn(shared["login"]))
    try:
        report = desk.engine.run_once()
        assert not report.ok and "did not accept this desk" in (report.error or "")
    finally:
        desk.close()


# --- through PgBouncer, one server connection handed from desk to desk -----------------------

RESET = ("RESET ALL; SET SESSION AUTHORIZATION DEFAULT; DEALLOCATE ALL; CLOSE ALL; UNLISTEN *; "
         "SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES")


@dataclasses.dataclass
class SessionBouncer:
    port: int

    def dsn(self, central: CentralDb, user: str) -> str:
        return make_conninfo(central.dsn(user), host="127.0.0.1", port=str(self.port))


@pytest.fixture
def session_bouncer(central: CentralDb, shared: dict[str, Any]) -> Iterator[SessionBouncer]:
    # As README recommends for the shared login: session pooling, reset between clients
    # (DISCARD ALL but for the plans); one server connection, so every client gets it.
    settings = {"pool_mode": "session", "default_pool_size": "1", "max_db_connections": "1",
                "server_reset_query": RESET}
    with running_pgbouncer(central, [shared["login"], "postgres"], settings) as (port, _):
        yield SessionBouncer(port)


def test_a_pooled_server_connection_carries_no_identity_to_the_next_desk(
        central, shared, session_bouncer, tmp_path, valid_request, clean_env):
    dsn = session_bouncer.dsn(central, shared["login"])
    riyadh, jeddah = shared["riyadh"], shared["jeddah"]
    first = shared_desk(central, tmp_path, riyadh, "101", 1, dsn)
    second = shared_desk(central, tmp_path, jeddah, "202", 1, dsn)
    try:
        submit_many(first.store, CLERK, [valid_request() for _ in range(2)])
        submit_many(second.store, CLERK, [valid_request() for _ in range(1)])
        pids = set()
        assert first.sync().pushed == 2
        with raw(dsn) as conn:  # the next client on the same server connection
            pids.add(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
            assert conn.execute(
                "SELECT current_user, current_setting('role'), "
                "coalesce(current_setting('tawasul.desk_role', true), ''), "
                "coalesce(current_setting('tawasul.desk_key', true), '')"
            ).fetchone() == (shared["login"], "none", "", "")
            assert sees(conn) == (None, None, None, 0, 0)
            # A client that leaves its identity set on purpose: the reset still clears it.
            become(conn, riyadh.role, desk_key(riyadh.password, riyadh.role))
        assert second.sync().pushed == 1
        with raw(dsn) as conn:
            pids.add(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
            assert sees(conn) == (None, None, None, 0, 0)
        assert len(pids) == 1  # one server connection served every client
        by_centre = dict(central.admin().execute(
            "SELECT centre, array_agg(DISTINCT origin) FROM ops GROUP BY centre").fetchall())
        assert by_centre == {"101": [riyadh.role], "202": [jeddah.role]}
    finally:
        first.close()
        second.close()


# --- what an attacker tried (each red before its fix) ------------------------------------------

DECIDE_SECOND_ROW = """
UPDATE requests SET
  status = CASE WHEN id = %(b)s AND {switch} THEN 'accepted' ELSE status END,
  decided_by = CASE WHEN id = %(b)s THEN 'intruder' ELSE decided_by END,
  decided_at = CASE WHEN id = %(b)s THEN now() ELSE decided_at END,
  decision_reason = CASE WHEN id = %(b)s THEN 'self-approved' ELSE decision_reason END
WHERE id IN (%(a)s, %(b)s)"""


def two_requests(central: CentralDb, desk: Desk, valid_request: Any) -> tuple[Any, Any]:
    submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
    desk.sync()
    rows = central.admin().execute("SELECT id FROM requests ORDER BY number").fetchall()
    return rows[0][0], rows[1][0]


def test_a_refused_operation_is_recorded_for_a_desk_on_the_shared_login(
        central, shared, tmp_path, valid_request, clean_env):
    # Central's own trigger records the conflict as central, not as the desk's counter.
    desk = shared_desk(central, tmp_path, shared["riyadh"], "101", 1,
                       central.dsn(shared["login"]))
    try:
        (number,) = submit_many(desk.store, CLERK, [valid_request()])
        desk.sync()
        with central.admin() as conn:
            hub.decide(conn, number, Action.ACCEPT, actor="amal", policy=POLICY)
        requests.transition(desk.store, CLERK, number, Action.WITHDRAW)
        report = desk.engine.run_once()
        assert report.ok, report.error
        assert [r.state for r in report.refused] == [CONFLICT]
    finally:
        desk.close()


@pytest.mark.parametrize("login", ["shared", "direct"])
def test_nobody_known_halfway_through_a_statement_decides_nothing(
        central, shared, desks, tmp_path, valid_request, clean_env, login):
    # Row A is read as the counter (row security's checks are made once, on the first row);
    # row B's SET drops the key, or sets the role to the counters' group: the guard then
    # knows nobody, and nobody on the desks' side is a counter with no say.
    riyadh = shared["riyadh"]
    if login == "shared":
        desk = shared_desk(central, tmp_path, riyadh, "101", 1, central.dsn(shared["login"]))
        switch = "set_config('tawasul.desk_key', '', false) = ''"
    else:
        desk = desks("101", 3)
        switch = f"set_config('role', '{central.prefix}_counter', false) <> ''"
    try:
        a, b = two_requests(central, desk, valid_request)
    finally:
        if login == "shared":
            desk.close()
    with raw(central.dsn(shared["login"] if login == "shared" else desk.role)) as conn:
        if login == "shared":
            become(conn, riyadh.role, desk_key(riyadh.password, riyadh.role))
        with pytest.raises((psycopg.errors.InsufficientPrivilege,
                            psycopg.errors.CheckViolation)):
            conn.execute(DECIDE_SECOND_ROW.format(switch=switch), {"a": a, "b": b})
    assert central.scalar("SELECT status FROM requests WHERE id = %s", b) == "submitted"


def test_the_shared_login_without_a_key_reads_no_row_of_no_centre(central, shared):
    with central.admin() as conn:
        hub.put_user(conn, "hq.admin", "supervisor", "$argon2id$not-for-desks", centre=None)
    assert central.scalar("SELECT count(*) FROM changes WHERE centre IS NULL") > 0
    with raw(central.dsn(shared["login"])) as conn:
        for table in ("users", "changes", "closures", "blobs"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        horizon = "0"
        assert conn.execute("SELECT count(id) FROM tawasul_pull(%s::xid8, 0, 100)",
                            (horizon,)).fetchone() == (0,)
    with raw(central.dsn(shared["riyadh"].role)) as conn:  # a counter still receives them
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] > 0  # type: ignore[index]


def test_a_key_stops_working_when_the_counters_login_is_disabled(central, shared):
    riyadh = shared["riyadh"]
    with raw(central.dsn(shared["login"])) as conn:
        become(conn, riyadh.role, desk_key(riyadh.password, riyadh.role))
        assert conn.execute("SELECT tawasul_caller(current_user)").fetchone() == (riyadh.role,)
    with central.admin() as conn:
        conn.execute(f'ALTER ROLE "{riyadh.role}" NOLOGIN')
    with raw(central.dsn(shared["login"])) as conn:
        become(conn, riyadh.role, desk_key(riyadh.password, riyadh.role))
        assert conn.execute("SELECT tawasul_caller(current_user)").fetchone() == (None,)


def test_only_the_shared_login_can_try_desk_keys(central, shared):
    riyadh = shared["riyadh"]
    with raw(central.dsn(shared["jeddah"].role)) as conn:  # another counter's own login
        become(conn, riyadh.role, desk_key(riyadh.password, riyadh.role))
        assert conn.execute("SELECT tawasul_desk_role()").fetchone() == (None,)


def test_a_desk_on_the_shared_login_refuses_transaction_pooling(tmp_path, clean_env):
    config = tmp_path / "desk.toml"
    config.write_text('[central]\ndsn = "host=pgbouncer user=t_desks"\npooled = true\n'
                      'desk_role = "t_c101_01"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="session mode"):
        load_settings(config)
