"""Central authority, proved through a counter's own login with raw SQL: what a counter may
change centrally is a clerk's step on its own counter's requests, nothing of central's
(decisions, due dates, paused days, conflicts, other desks' audit or files), and every change
in the feed names who caused it. The desk's own sync keeps working in the same run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid

import psycopg
import pytest
from synchelp import CLERK, POLICY, SUPERVISOR, submit_many, wait_for_feed

from tawasul_desktop.central import operations as hub
from tawasul_desktop.domain.intake_types import Attachment
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests as ops

Refused = (psycopg.errors.InsufficientPrivilege, psycopg.errors.CheckViolation)


def as_role(central, role: str) -> psycopg.Connection:
    return psycopg.connect(central.dsn(role), autocommit=True)


def request_row(central, number: str) -> tuple:
    return central.scalar(
        """SELECT row(status, due_date, paused_working_days, paused_since, decision_reason,
                      decided_by, decided_at, version)::text FROM requests WHERE number = %s""",
        number)


def refused(conn: psycopg.Connection, query: str, *params) -> None:
    with pytest.raises(Refused), conn.transaction():
        conn.execute(query, params)


def test_a_counter_cannot_forge_what_is_centrals(desks, central, valid_request):
    mine, other = desks("101", 1), desks("101", 2)
    own, returned, kept = submit_many(mine.store, CLERK, [valid_request() for _ in range(3)])
    (theirs,) = submit_many(other.store, CLERK, [dataclasses.replace(valid_request(), attachments=(
        Attachment("national_id_copy", "their.pdf", "application/pdf", b"their own file"),))])
    mine.sync()
    other.sync()
    with central.admin() as conn:
        hub.decide(conn, returned, Action.RETURN, actor="amal", reason="أرفق الصورة",
                   policy=POLICY)
    wait_for_feed(central)  # a transaction open elsewhere on the server holds the feed back
    mine.sync()
    before = {n: request_row(central, n) for n in (own, returned, theirs)}

    with as_role(central, mine.role) as conn:
        for column, value in (("due_date", "2030-01-01"), ("paused_working_days", "40"),
                              ("paused_since", "2020-01-01"), ("decision_reason", "مقبول"),
                              ("decided_by", "amal"), ("decided_at", "2026-01-01")):
            refused(conn, f"UPDATE requests SET {column} = %s WHERE number = %s", value, own)
        # A clerk's step carrying central's columns along is refused whole.
        refused(conn, "UPDATE requests SET status = 'withdrawn', decided_by = 'amal' "
                      "WHERE number = %s", own)
        refused(conn, "UPDATE requests SET status = 'under_review', paused_since = NULL, "
                      "due_date = '2030-01-01' WHERE number = %s", returned)
        refused(conn, "UPDATE requests SET status = 'under_review', paused_since = NULL, "
                      "paused_working_days = 300 WHERE number = %s", returned)
        # Another counter's request is not this counter's to change at all.
        for change in ("status = 'withdrawn'", "attachments_pending = false",
                       "due_date = '2030-01-01'"):
            assert conn.execute(f"UPDATE requests SET {change} WHERE number = %s",
                                (theirs,)).rowcount == 0
        # Intake arrives undecided, unpaused, due near its effective day.
        refused(conn, """INSERT INTO requests (id, number, centre, counter, service, status,
                applicant_name, applicant_id, applicant_id_kind, applicant_mobile,
                beneficiary_name, beneficiary_id, beneficiary_id_kind, relation, search_names,
                description, submitted_at, effective_day, due_date, decided_by, created_by,
                updated_at)
                VALUES (%s, '10101269999999', '101', 1, 'passport', 'accepted', 'x', '1',
                'national_id', '+966500000000', 'x', '1', 'national_id', 'self', 'x', 'x',
                now(), current_date, '2030-01-01', 'amal', 'x', now())""", uuid.uuid4())
        # Conflicts are central's record; so is an outcome once given.
        op_id = conn.execute("SELECT op_id FROM ops LIMIT 1").fetchone()[0]
        refused(conn, """INSERT INTO conflicts (op_id, request_id, centre, counter, action,
                         central_status, problem) SELECT op_id, request_id, '101', 1, 'x',
                         'submitted', '{}' FROM ops WHERE op_id = %s""", op_id)
        refused(conn, "UPDATE ops SET outcome = 'rejected' WHERE op_id = %s", op_id)
        # Audit entries: its own counter's, from its own desk store only.
        store_id = conn.execute("SELECT store_id FROM audit_entries LIMIT 1").fetchone()[0]
        entry = ("INSERT INTO audit_entries (store_id, seq, hash, centre, counter, at, actor, "
                 "action, entity, entity_id, prev_hash) VALUES (%s, 999999, repeat('a', 64), "
                 "'101', %s, now(), 'x', 'x', 'x', 'x', repeat('0', 64))")
        refused(conn, entry, store_id, 2)
        refused(conn, entry, uuid.uuid4(), 1)
        # Files: only bytes of its own requests' attachments, no more than their size.
        junk = b"z" * 100_000
        digest = hashlib.sha256(junk).hexdigest()
        refused(conn, "INSERT INTO blobs (sha256, size, content) VALUES (%s, %s, %s)",
                digest, len(junk), junk)
        refused(conn, "INSERT INTO blob_chunks (sha256, pos, data) VALUES (%s, 0, %s)",
                digest, junk)
        theirs_file = conn.execute(
            """SELECT a.sha256 FROM request_attachments a JOIN requests r ON r.id = a.request_id
               WHERE r.number = %s AND a.sha256 NOT IN (SELECT b.sha256 FROM request_attachments b
                   JOIN requests m ON m.id = b.request_id WHERE m.counter = 1)""",
            (theirs,)).fetchone()[0]
        refused(conn, "INSERT INTO blob_chunks (sha256, pos, data) VALUES (%s, 0, %s)",
                theirs_file, b"z")
        for number in (own, theirs):  # no files added to a request after its intake
            refused(conn, """INSERT INTO request_attachments (request_id, position, document,
                             display_name, media_type, size, sha256)
                             SELECT id, 50, 'x', 'x.pdf', 'application/pdf', %s, %s
                             FROM requests WHERE number = %s""", len(junk), digest, number)
        own_file, size = conn.execute(
            """SELECT a.sha256, a.size FROM request_attachments a JOIN requests r
               ON r.id = a.request_id WHERE r.number = %s LIMIT 1""", (own,)).fetchone()
        refused(conn, "INSERT INTO blob_chunks (sha256, pos, data) VALUES (%s, %s, %s)",
                own_file, size, b"z" * 1000)
        refused(conn, "INSERT INTO blob_chunks (sha256, pos, data) VALUES (%s, 1, %s)",
                own_file, b"z")  # staging appends where it ended, never overlaps
        with conn.transaction(force_rollback=True):
            conn.execute("INSERT INTO blob_chunks (sha256, pos, data) VALUES (%s, 0, %s)",
                         (own_file, b"z" * 10))
            refused(conn, "INSERT INTO blob_chunks (sha256, pos, data) VALUES (%s, 5, %s)",
                    own_file, b"z")
    assert {n: request_row(central, n) for n in before} == before
    assert central.scalar("SELECT count(*) FROM conflicts") == 0

    # The legitimate path, in the same run: a clerk's withdrawal and the applicant's answer
    # go up through the desk's sync, a supervisor's decision comes down.
    ops.transition(mine.store, CLERK, own, Action.WITHDRAW, reason="بطلب المستفيد")
    ops.transition(mine.store, CLERK, returned, Action.ANSWER,
                   now=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    assert mine.sync().pushed == 2
    assert central.scalar("SELECT status FROM requests WHERE number = %s", own) == "withdrawn"
    answered = central.scalar(
        "SELECT row(status, paused_since IS NULL)::text FROM requests WHERE number = %s",
        returned)
    assert answered == "(under_review,t)"
    with central.admin() as conn:
        hub.decide(conn, kept, Action.ACCEPT, actor="amal", policy=POLICY)
    # (A transaction still open elsewhere on the server holds the feed back: pass again.)
    for _ in range(100):
        mine.sync()
        if ops.get_request(mine.store, kept).status == "accepted":
            break
    assert ops.get_request(mine.store, kept).status == "accepted"
    assert ops.get_request(mine.store, returned).due_date == central.scalar(
        "SELECT due_date FROM requests WHERE number = %s", returned)

    # Every row of the feed names who caused it.
    causes = dict(central.admin().execute(
        """SELECT r.number || ':' || (c.payload->>'status'), c.caused_by FROM changes c
           JOIN requests r ON r.id::text = c.entity_id""").fetchall())
    owner = central.scalar("SELECT current_user")
    assert causes[f"{own}:withdrawn"] == mine.role
    assert causes[f"{returned}:under_review"] == mine.role
    assert causes[f"{returned}:returned"] == owner
    assert causes[f"{kept}:accepted"] == owner


def test_a_supervisors_decision_at_central_names_its_role(desks, central, valid_request):
    from synchelp import supervisor_role

    desk = desks()
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    role = supervisor_role(central, "amal")
    with as_role(central, role) as conn:
        hub.decide(conn, number, Action.REJECT, actor="amal", reason="ناقص", policy=POLICY)
    assert central.scalar("SELECT caused_by FROM changes WHERE kind = 'request'") == role
    assert SUPERVISOR.role == "supervisor"


def test_a_clerks_step_taken_by_a_supervisor_at_a_counter_goes_up(desks, central,
                                                                   valid_request):
    desk = desks()
    returned, decided = submit_many(desk.store, CLERK, [valid_request(), valid_request()])
    desk.sync()
    with central.admin() as conn:
        hub.decide(conn, returned, Action.RETURN, actor="amal", reason="أرفق الصورة",
                   policy=POLICY)
    desk.sync()
    # The applicant's answer is a clerk's step whoever enters it: a supervisor here.
    ops.transition(desk.store, SUPERVISOR, returned, Action.ANSWER)
    # Deciding is not, on a counter that may not decide.
    ops.transition(desk.store, SUPERVISOR, decided, Action.ACCEPT)
    report = desk.sync()
    assert report.pushed == 1
    assert [r.code for r in report.refused] == ["request.not_permitted"]
    assert central.scalar("SELECT status FROM requests WHERE number = %s",
                          returned) == "under_review"
    assert ops.get_request(desk.store, returned).status == "under_review"
    assert ops.get_request(desk.store, decided).status == "submitted"  # central's, back

    # Every refusal is kept centrally as a conflict the centre's supervisors read.
    from synchelp import supervisor_role

    with as_role(central, supervisor_role(central, "amal")) as conn:
        rows = conn.execute("SELECT action, central_status, problem->>'code', counter "
                            "FROM conflicts").fetchall()
    assert rows == [("accept", "submitted", "request.not_permitted", 1)]

    # `sync retry` leaves a permanent refusal alone instead of sending it again and again;
    # named, it goes as a new operation central judges again (and refuses again here).
    assert desk.engine.requeue() == 0
    assert desk.engine.status().refused == 1
    (shown,) = desk.engine.refused()
    assert desk.engine.requeue([shown.op_id]) == 1
    again = desk.sync()
    assert [r.code for r in again.refused] == ["request.not_permitted"]
    assert again.already_there == 0
    assert central.scalar("SELECT count(*) FROM conflicts") == 2
