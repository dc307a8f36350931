"""Central growth (issue 16, item 3): the feed, operations, audit copies and file bytes are
partitioned by month (schema c0009); rows written before survive the upgrade, keys keep
deduplicating across months, and `tawasul central maintain` makes the coming months."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import subprocess
import uuid

import psycopg
import pytest
from synchelp import (
    CLERK,
    POLICY,
    PYTHON,
    CentralDb,
    create_central_db,
    drop_central_db,
    open_desk,
    python_env,
    submit_many,
    wait_for_desk_feed,
)

from tawasul_desktop.central import admin
from tawasul_desktop.central import operations as hub
from tawasul_desktop.domain.intake_types import Attachment
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage.models import AuditEntry, SyncState
from tawasul_desktop.wire.opids import new_op_id
from tawasul_desktop.wire.protocol import DUPLICATE, KIND_FOLLOW_UP, KIND_SUBMIT, OutgoingOp

PARTITIONED = ("audit_entries", "blob_contents", "changes", "ops")


def with_file(valid, content: bytes):
    return dataclasses.replace(valid, attachments=(
        Attachment("national_id_copy", "scan.pdf", "application/pdf", content),))


def fingerprint(db: CentralDb) -> dict[str, object]:
    """Every row that matters of the tables c0009 rebuilds, as text, in a stable order."""
    return {
        "changes": db.scalar("SELECT string_agg(concat_ws('|', id, xid, centre, counter, kind, "
                             "entity_id, payload, at, caused_by), ',' ORDER BY id) FROM changes"),
        "ops": db.scalar("SELECT string_agg(concat_ws('|', op_id, seq, centre, counter, origin, "
                         "kind, request_id, payload, received_at, outcome, problem), ',' "
                         "ORDER BY op_id) FROM ops"),
        "audit": db.scalar("SELECT string_agg(concat_ws('|', store_id, seq, hash, at, action), "
                           "',' ORDER BY store_id, seq) FROM audit_entries"),
        "conflicts": db.scalar("SELECT string_agg(op_id::text, ',' ORDER BY op_id) "
                               "FROM conflicts"),
    }


def file_digests(db: CentralDb) -> list[str]:
    """Digests of the stored bytes, computed from the bytes (wherever c0009 keeps them)."""
    table = "blob_contents" if db.scalar("SELECT to_regclass('blob_contents')") else "blobs"
    return [r[0] for r in db.admin().execute(
        f"SELECT encode(sha256(content), 'hex') FROM {table} ORDER BY 1").fetchall()]


@pytest.fixture
def old_central():
    """A central database created at c0007 (before partitioning), dropped afterwards."""
    db = create_central_db(revision="c0007")
    try:
        yield db
    finally:
        drop_central_db(db)


def test_rows_written_before_c0009_survive_it_and_the_desk_keeps_syncing(
        tmp_path, clean_env, old_central, valid_request, monkeypatch):
    db = old_central
    # This desk's code syncs with c0007 as the release before did (it needed c0007 only).
    monkeypatch.setattr(admin, "OLDEST_CENTRAL", "c0007")
    desk = open_desk(tmp_path, db, "101", 1)
    try:
        content = os.urandom(50_000)
        numbers = submit_many(desk.store, CLERK, [with_file(valid_request(), content),
                                                 valid_request(), valid_request()])
        assert desk.sync().pushed == 3
        with db.admin() as conn:
            hub.decide(conn, numbers[0], Action.ACCEPT, actor="amal", policy=POLICY)
            hub.put_user(conn, "amal", "supervisor", "x", centre="101")
        wait_for_desk_feed(desk)
        from tawasul_desktop.storage import requests as ops
        ops.transition(desk.store, CLERK, numbers[0], Action.WITHDRAW, reason="بطلب المستفيد")
        first = desk.sync()
        assert first.pulled >= 2 and len(first.refused) == 1  # a conflict, recorded centrally
        before = fingerprint(db)
        digests = file_digests(db)
        last_change = db.scalar("SELECT max(id) FROM changes")
        assert before["changes"] and before["ops"] and before["audit"] and before["conflicts"]
        assert len(digests) == 3  # the scan, and the two files the other forms share
        with desk.store.read() as session:
            sent_ops = session.query(SyncState).one().audit_sent_seq
            entries = [tuple(getattr(e, c) for c in (
                "seq", "hash", "at", "actor", "action", "entity", "entity_id", "old", "new",
                "prev_hash")) for e in session.query(AuditEntry).filter(
                    AuditEntry.seq <= sent_ops).order_by(AuditEntry.seq)]
            store_id = session.query(SyncState).one().store_id

        monkeypatch.undo()
        assert admin.upgrade_central(db.target()) == ("c0007", admin.central_head())

        with db.admin() as conn:
            kinds = dict(conn.execute(
                "SELECT c.relname, p.partstrat FROM pg_partitioned_table p "
                "JOIN pg_class c ON c.oid = p.partrelid").fetchall())
        assert sorted(kinds) == list(PARTITIONED)
        assert fingerprint(db) == before
        assert file_digests(db) == digests
        assert db.scalar("SELECT count(*) FROM blobs WHERE length(content) > 0") == 0

        # Sent again (a lost answer), operations and audit entries are recognised across the
        # new partitions: nothing doubles.
        with db.target(desk.role).connect(autocommit=True) as conn:
            me = hub.whoami(conn)
            old_op = db.scalar("SELECT op_id FROM ops WHERE kind = %s LIMIT 1", KIND_SUBMIT)
            resent = OutgoingOp(old_op, 1, KIND_FOLLOW_UP, 2, None, dt.datetime.now(dt.UTC),
                                "{}")
            outcome = hub.push_ops(conn, [resent], sent_at=dt.datetime.now(dt.UTC),
                                   policy=POLICY, identity=me).outcomes[0]
            assert outcome.outcome == DUPLICATE
            assert hub.push_audit(conn, store_id, entries, me) == 0
        assert db.scalar("SELECT count(*) FROM ops WHERE op_id = %s", old_op) == 1

        # The same desk store carries on: new work, new files, a decision flows down.
        submit_many(desk.store, CLERK, [with_file(valid_request(), os.urandom(30_000))])
        after = desk.sync()
        assert after.pushed == 1 and after.files_uploaded == 1
        with db.admin() as conn:
            hub.decide(conn, numbers[1], Action.ACCEPT, actor="amal", policy=POLICY)
        wait_for_desk_feed(desk)
        assert desk.sync().pulled == 1
        assert ops.get_request(desk.store, numbers[1]).status == "accepted"
        # Feed ids carry on from where they were.
        assert db.scalar("SELECT min(id) FROM changes WHERE at > (SELECT max(at) FROM changes "
                         "WHERE id <= %s)", last_change) > last_change
        assert db.scalar("SELECT count(*) FROM blob_contents") == 4
    finally:
        desk.close()


def test_the_same_ids_are_recognised_whatever_month_they_land_in(desks, central, valid_request):
    desk = desks()
    content = os.urandom(20_000)
    digest = hashlib.sha256(content).hexdigest()
    (number,) = submit_many(desk.store, CLERK, [with_file(valid_request(), content)])
    desk.sync()
    now = dt.datetime.now(dt.UTC)
    with central.target(desk.role).connect(autocommit=True) as conn:
        me = hub.whoami(conn)
        request_id = central.scalar("SELECT id FROM requests WHERE number = %s", number)
        made = []
        # An old release's random id, an id of this month, an id from a desk whose clock was
        # ten months behind (a month with no partition of its own): each deduplicates.
        for op_id in (uuid.uuid4(), new_op_id(),
                      new_op_id(int((now - dt.timedelta(days=300)).timestamp() * 1000))):
            op = OutgoingOp(op_id, 1, KIND_FOLLOW_UP, 2, request_id, now,
                            f'{{"id": "{uuid.uuid4()}", "at": "{now.isoformat()}", '
                            f'"by": "clerk", "note": "x"}}')
            made.append(op)
        first = hub.push_ops(conn, made, sent_at=now, policy=POLICY, identity=me)
        assert [o.outcome for o in first.outcomes] == ["applied"] * 3
        again = hub.push_ops(conn, made, sent_at=now, policy=POLICY, identity=me)
        assert [o.outcome for o in again.outcomes] == [DUPLICATE] * 3
        # The file's bytes move to an older month; uploaded again, the register answers.
        with central.admin() as admin_conn:
            admin_conn.execute("SELECT tawasul_add_month('blob_contents', %s)",
                               ((now - dt.timedelta(days=62)).date(),))
            admin_conn.execute("UPDATE blob_contents SET stored_at = stored_at - interval "
                               "'62 days' WHERE sha256 = %s", (digest,))
        hub.put_chunk(conn, digest, 0, content)
        assert hub.finish_blob(conn, digest, len(content)) is True
    assert central.scalar("SELECT count(*) FROM follow_ups") == 3
    assert central.scalar("SELECT count(*) FROM blob_contents WHERE sha256 = %s", digest) == 1
    assert central.scalar("SELECT count(*) FROM blobs WHERE sha256 = %s", digest) == 1
    # Audit entries dated last year (a desk's clock) land in the default partition and are
    # recognised there too.
    with desk.store.read() as session:
        store_id = session.query(SyncState).one().store_id
    entry = (10_000, "f" * 64, now - dt.timedelta(days=400), "x", "test", "request", "1", None,
             None, "e" * 64)
    with central.target(desk.role).connect(autocommit=True) as conn:
        me = hub.whoami(conn)
        assert hub.push_audit(conn, store_id, [entry], me) == 1
        assert hub.push_audit(conn, store_id, [entry], me) == 0


def run_cli(central: CentralDb, *args: str, user: str | None = None) -> subprocess.CompletedProcess:
    env = python_env()
    env["TAWASUL_SITE_CONFIG_DIR"] = os.environ["TAWASUL_SITE_CONFIG_DIR"]
    return subprocess.run([PYTHON, "-m", "tawasul_desktop.cli", "central", *args,
                           "--dsn", central.dsn(user)], env=env, capture_output=True, text=True,
                          timeout=120)


def test_maintain_makes_the_coming_months_and_moves_rows_waiting_outside_them(central):
    far = dt.datetime.now(dt.UTC) + dt.timedelta(days=31 * 7)
    month = f"{far.year}_{far.month:02d}"
    with central.admin() as conn:  # a feed row dated seven months ahead: no month for it yet
        conn.execute("INSERT INTO changes (kind, entity_id, payload, at) "
                     "VALUES ('user', 'x', '{}', %s)", (far,))
    assert central.scalar("SELECT count(*) FROM changes_default") == 1
    assert central.scalar("SELECT to_regclass(%s)", f"changes_{month}") is None

    done = run_cli(central, "maintain", "--months-ahead", "8")
    assert done.returncode == 0, done.stderr
    assert f"changes_{month}" in done.stdout and f"ops_{month}" in done.stdout
    assert central.scalar("SELECT count(*) FROM changes_default") == 0
    assert central.scalar(f"SELECT count(*) FROM changes_{month}") == 1
    again = run_cli(central, "maintain", "--months-ahead", "8")
    assert again.returncode == 0 and "made 0 partition(s)" in again.stdout


def test_only_the_owner_maintains(desks, central):
    desk = desks()
    refused = run_cli(central, "maintain", user=desk.role)
    assert refused.returncode == 2 and "schema owner" in refused.stderr


def test_a_counter_registers_no_file_without_its_bytes_nor_anothers_file(desks, central,
                                                                         valid_request):
    mine, other = desks("101", 1), desks("101", 2)
    content = os.urandom(5000)
    digest = hashlib.sha256(content).hexdigest()
    submit_many(other.store, CLERK, [with_file(valid_request(), content)])
    with central.target(other.role).connect(autocommit=True) as conn:  # the request, no file
        hub.push_ops(conn, _ops_of(other), sent_at=dt.datetime.now(dt.UTC), policy=POLICY)
    with (central.target(mine.role).connect(autocommit=True) as conn,
          pytest.raises(psycopg.errors.InsufficientPrivilege)):  # another counter's file
        hub.put_files(conn, [(digest, len(content), content)])
    with central.target(other.role).connect(autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("INSERT INTO blobs (sha256, size) VALUES (%s, %s)",
                         (digest, len(content)))  # a register row without its bytes
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # not its declared size
            hub.put_files(conn, [(digest, len(content) - 1, content[:-1])])
        with pytest.raises(psycopg.errors.CheckViolation):  # bytes that are not the file
            hub.put_files(conn, [(digest, len(content), os.urandom(len(content)))])
        assert not hub.blob_present(conn, digest)
        hub.put_files(conn, [(digest, len(content), content)] * 2)
    assert central.scalar("SELECT count(*) FROM blob_contents WHERE sha256 = %s", digest) == 1
    assert central.scalar("SELECT attachments_pending FROM requests WHERE counter = 2") is False


def _ops_of(desk):
    from tawasul_desktop.sync import local
    with desk.store.read() as session:
        return local.pending_ops(session, 0, 100)


def _relations(plan: dict) -> set[str]:
    found = {plan["Relation Name"]} if "Relation Name" in plan else set()
    for child in plan.get("Plans", ()):
        found |= _relations(child)
    return found


def test_a_pull_plans_only_the_months_its_cursor_may_still_need(desks, central):
    from tawasul_desktop.central import growth

    ahead = desks("101", 1)
    ahead.sync()
    now = dt.datetime.now(dt.UTC)
    old_months = [(now - dt.timedelta(days=31 * n)).date() for n in (3, 2)]
    with central.admin() as conn:
        for month in old_months:
            conn.execute("SELECT tawasul_add_month('changes', %s)", (month,))
            conn.execute("INSERT INTO changes (centre, kind, entity_id, payload, at) "
                         "VALUES ('101', 'noise', 'x', '{}', %s)",
                         (dt.datetime.combine(month, dt.time(12), dt.UTC),))
        growth.maintain(conn)  # records, per ended month, the ids every later row exceeds
    wait_for_desk_feed(ahead)
    # A desk from the start reads every month; the desk whose cursor is past them plans
    # none of the ended months (and reads no row).
    assert desks("101", 2).sync().pulled == 2
    assert ahead.sync().pulled == 2  # its cursor now past the floors of the ended months
    with psycopg.connect(ahead.engine.target.dsn, autocommit=True) as conn:
        with ahead.store.read() as session:
            state = session.query(SyncState).one()
            cursor = (state.pull_xid, state.pull_id)
        since = conn.execute("SELECT tawasul_feed_since(%s::xid8)", (cursor[0],)).fetchone()[0]
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + hub._FEED,
                            {"xid": cursor[0], "id": cursor[1], "limit": 100,
                             "since": since}).fetchone()[0][0]["Plan"]
    scanned = _relations(plan)
    assert scanned and all(name.startswith("changes_") for name in scanned)
    for month in old_months:
        assert f"changes_{month:%Y_%m}" not in scanned
    assert ahead.sync().pulled == 0
    with central.admin() as conn:
        hub.put_user(conn, "amal", "supervisor", "x", centre="101")
    wait_for_desk_feed(ahead)
    assert ahead.sync().pulled == 1
