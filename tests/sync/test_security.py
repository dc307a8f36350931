"""Least privilege: a role per counter and supervisor, row-level security by centre keyed on
the database role, credentials kept out of the configuration file."""

from __future__ import annotations

import dataclasses
import os
import uuid

import psycopg
import pytest
from synchelp import CLERK, POLICY, submit_many, wait_for_feed

from tawasul_desktop.central import admin
from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.connection import (
    CentralConfigError,
    CentralTarget,
    read_password_file,
    target_from_settings,
)
from tawasul_desktop.config import ConfigError, load_settings
from tawasul_desktop.domain.lifecycle import Action


@pytest.fixture
def two_centres(desks, central, valid_request):
    riyadh, jeddah = desks("101", 1), desks("202", 1)
    submit_many(riyadh.store, CLERK, [valid_request() for _ in range(3)])
    submit_many(jeddah.store, CLERK, [valid_request() for _ in range(2)])
    riyadh.sync()
    jeddah.sync()
    return riyadh, jeddah


def as_role(central, role: str) -> psycopg.Connection:
    return psycopg.connect(central.dsn(role), autocommit=True)


def test_a_centre_never_reads_another_centres_requests(central, two_centres):
    riyadh, jeddah = two_centres
    with as_role(central, riyadh.role) as conn:
        assert conn.execute("SELECT count(*), min(centre), max(centre) FROM requests"
                            ).fetchone() == (3, "101", "101")
        assert conn.execute("SELECT count(*) FROM request_attachments").fetchone()[0] == 6
        assert conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0] > 0
        # A setting the desk could change does not move it to another centre.
        conn.execute("SELECT set_config('tawasul.centre', '202', false)")
        assert conn.execute("SELECT count(*) FROM requests WHERE centre = '202'"
                            ).fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'SET ROLE "{jeddah.role}"')
    with central.admin() as conn:
        other = conn.execute("SELECT number FROM requests WHERE centre = '202' LIMIT 1"
                             ).fetchone()[0]
        hub.decide(conn, other, Action.ACCEPT, actor="amal", policy=POLICY)
    wait_for_feed(central)
    assert riyadh.sync().pulled == 0  # the feed carries no other centre's changes
    assert jeddah.sync().pulled == 1


def test_a_temporary_table_does_not_change_who_a_counter_is(central, two_centres):
    riyadh, jeddah = two_centres
    with as_role(central, riyadh.role) as conn:
        # Temporary tables come first in a session's search path: tables named as central's,
        # saying this role is Jeddah's counter and may decide.
        conn.execute("CREATE TEMP TABLE counters (role_name name, kind text, centre text, "
                     "counter int, may_decide bool, desk_id uuid, desk_label text)")
        conn.execute("INSERT INTO counters VALUES (current_user, 'counter', '202', 1, true, "
                     "NULL, NULL)")
        conn.execute("CREATE TEMP TABLE lifecycle_edges (from_status text, to_status text, "
                     "clerk_allowed bool)")
        conn.execute("INSERT INTO lifecycle_edges VALUES ('submitted', 'accepted', true)")
        conn.execute("CREATE TEMP TABLE desk_keys (role_name name, key_hash bytea)")
        assert conn.execute("SELECT tawasul_centre(), tawasul_counter()").fetchone() == \
            ("101", 1)
        assert conn.execute("SELECT count(*), count(*) FILTER (WHERE centre = '202') "
                            "FROM requests").fetchone() == (3, 0)
        number = conn.execute("SELECT number FROM requests LIMIT 1").fetchone()[0]
        with pytest.raises((psycopg.errors.InsufficientPrivilege,
                            psycopg.errors.CheckViolation)), conn.transaction():
            # The request guard still knows the role for what it is: no decision.
            conn.execute("UPDATE requests SET status = 'accepted' WHERE number = %s",
                         (number,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE public.counters_x (role_name name)")
    with as_role(central, jeddah.role) as conn:  # Jeddah's own requests are still its own
        assert conn.execute("SELECT count(*) FROM requests WHERE centre = '202'"
                            ).fetchone()[0] == 2


def test_a_counter_writes_only_as_itself_and_only_lifecycle_moves(central, two_centres,
                                                                  valid_request):
    riyadh, _ = two_centres
    with as_role(central, riyadh.role) as conn:
        number = conn.execute("SELECT number FROM requests LIMIT 1").fetchone()[0]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # RLS WITH CHECK
            conn.execute("""INSERT INTO requests (id, number, centre, counter, service, status,
                applicant_name, applicant_id, applicant_id_kind, applicant_mobile,
                beneficiary_name, beneficiary_id, beneficiary_id_kind, relation, search_names,
                description, submitted_at, effective_day, due_date, created_by, updated_at)
                VALUES (%s, '20201269999999', '202', 1, 'passport', 'submitted', 'x', '1',
                'national_id', '+966500000000', 'x', '1', 'national_id', 'self', 'x', 'x',
                now(), current_date, current_date, 'x', now())""", (uuid.uuid4(),))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # intake is immutable
            conn.execute("UPDATE requests SET description = 'changed' WHERE number = %s",
                         (number,))
        with pytest.raises(psycopg.errors.CheckViolation):  # a clerk's role cannot decide
            conn.execute("UPDATE requests SET status = 'accepted' WHERE number = %s", (number,))
        with pytest.raises(psycopg.errors.CheckViolation):  # nor jump outside the lifecycle
            conn.execute("UPDATE requests SET status = 'closed' WHERE number = %s", (number,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO changes (kind, entity_id, payload) VALUES ('x', 'x', '{}')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM ops")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE mine (x int)")


def test_a_supervisor_sees_and_decides_for_their_centre_only(central, two_centres):
    riyadh, _ = two_centres
    with central.admin() as conn:
        role, _ = admin.add_supervisor(conn, "101", "amal")
    with as_role(central, role) as conn:
        assert conn.execute("SELECT count(*), min(centre) FROM requests").fetchone() == (3, "101")
        number = conn.execute("SELECT number FROM requests LIMIT 1").fetchone()[0]
        outcome = hub.decide(conn, number, Action.REJECT, actor="amal", reason="ناقص",
                             policy=POLICY)
        assert outcome.status == "rejected"
        assert conn.execute("SELECT count(*) FROM blobs").fetchone()[0] == 2  # their files
        assert conn.execute("SELECT origin FROM ops WHERE kind = 'central.decision'"
                            ).fetchone()[0] == role
    riyadh.sync()
    assert central.scalar("SELECT status FROM requests WHERE number = %s", number) == "rejected"


def test_roles_are_made_by_the_admin_commands(central):
    with central.admin() as conn:
        role, password = admin.add_counter(conn, "303", 7)
        again, _ = admin.add_counter(conn, "303", 7)  # resets the password, same role
        assert role == again == f"{central.prefix}_c303_07" and len(password) >= 24
        member = conn.execute(
            "SELECT pg_has_role(%s, %s, 'MEMBER')", (role, f"{central.prefix}_counter")
        ).fetchone()[0]
        assert member
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                              (role,)).fetchone()[0]
        assert stored.startswith("SCRAM-SHA-256$") and password not in stored
        with pytest.raises(ValueError):
            admin.add_counter(conn, "30", 7)
        with pytest.raises(ValueError):
            admin.add_supervisor(conn, "303", "Robert'); DROP")


def test_the_password_lives_in_an_owner_only_file(tmp_path, central, clean_env):
    secret = tmp_path / "central.pass"
    secret.write_text("s3cret\n", encoding="utf-8")
    if os.name == "posix":
        secret.chmod(0o644)
        with pytest.raises(CentralConfigError, match="chmod 600"):
            read_password_file(secret)
        secret.chmod(0o600)
    assert read_password_file(secret) == "s3cret"

    config = tmp_path / "config.toml"
    config.write_text('[central]\ndsn = "postgresql://desk:hunter2@central/tawasul"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="password_file"):
        load_settings(config)
    config.write_text(f'[central]\ndsn = "{central.dsn()}"\npassword_file = "{secret}"\n'
                      'sslmode = "disable"\n', encoding="utf-8")
    settings = load_settings(config)
    target = target_from_settings(settings)
    assert target.password_file == secret and target.sslmode == "disable"
    with target.connect() as conn:
        assert conn.info.password == "s3cret"


def test_sslmode_is_passed_to_the_driver(central, two_centres):
    riyadh, _ = two_centres
    settings = dataclasses.replace(riyadh.store.settings, central_sslmode="require")
    riyadh.engine.target = target_from_settings(settings)
    riyadh.engine.close()
    report = riyadh.engine.run_once()
    server_ssl = central.scalar("SHOW ssl") == "on"
    assert report.ok is server_ssl
    if not server_ssl:
        assert "SSL" in (report.error or "")
    assert CentralTarget("dbname=x", sslmode="verify-full").sslmode == "verify-full"


def test_a_desk_refuses_a_role_mapped_to_another_counter(tmp_path, central, two_centres):
    riyadh, jeddah = two_centres
    settings = dataclasses.replace(riyadh.store.settings, central_dsn=central.dsn(jeddah.role))
    riyadh.engine.target = target_from_settings(settings)
    riyadh.engine.close()
    report = riyadh.engine.run_once()
    assert not report.ok and "centre 202" in report.error


def _plan_nodes(plan: dict) -> list[dict]:
    return [plan, *(n for child in plan.get("Plans", ()) for n in _plan_nodes(child))]


def test_a_role_finds_its_own_row_by_the_key_among_thousands(desks, central):
    """Every statement a counter runs looks its role up in ``counters`` (row security, the
    request guards per row). With 2,000 counters the lookup must use the key, not read them
    all: through the counter's own login, as the policies and triggers write it."""
    desk = desks("101", 1)
    with central.admin() as conn:
        conn.execute("INSERT INTO counters (role_name, kind, centre, counter) "
                     "SELECT 'fleet_' || g, 'counter', (500 + g / 90)::text, 1 + g % 90 "
                     "FROM generate_series(0, 1999) g")
        conn.execute("ANALYZE counters")
    with as_role(central, desk.role) as conn:
        for query in ("SELECT centre FROM counters WHERE role_name = current_user",
                      "SELECT * FROM counters WHERE role_name = current_user "
                      "AND kind = 'counter'"):
            plan = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query).fetchone()[0]
            nodes = _plan_nodes(plan[0]["Plan"])
            scans = {n["Node Type"] for n in nodes if n.get("Relation Name") == "counters"}
            assert scans <= {"Index Scan", "Index Only Scan"} and scans, (query, scans)
            assert sum(n.get("Rows Removed by Filter", 0) for n in nodes) == 0, query
        assert conn.execute("SELECT tawasul_centre(), tawasul_counter()").fetchone() == ("101", 1)
    with central.admin() as conn:
        conn.execute("DELETE FROM counters WHERE role_name LIKE 'fleet\\_%'")
