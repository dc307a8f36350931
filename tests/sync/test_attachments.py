"""Attachments: content-addressed, chunked, resumable, verified centrally, stored once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os

import psycopg
import pytest
from psycopg import pq
from synchelp import CLERK, POLICY, libpq_trace, round_trips, submit_many

from tawasul_desktop.central import operations as hub
from tawasul_desktop.domain.intake_types import Attachment
from tawasul_desktop.sync import local

MB = 1 << 20


class Stop(Exception):
    pass


def with_file(valid, content: bytes, name: str = "big.pdf"):
    return dataclasses.replace(valid, attachments=(
        Attachment("national_id_copy", name, "application/pdf", content),))


def test_the_request_syncs_at_once_marked_attachments_pending(desks, central, valid_request):
    def stop_at_first_chunk(point, conn):
        if point in ("upload.chunk", "upload.before_commit"):  # a chunk, or a batch of files
            raise Stop

    desk = desks(fault_hook=stop_at_first_chunk)
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    with pytest.raises(Stop):
        desk.engine.run_once()
    assert central.scalar("SELECT attachments_pending FROM requests WHERE number = %s",
                          number) is True
    assert central.scalar("SELECT count(*) FROM blobs") == 0
    desk.engine.fault_hook = None
    report = desk.sync()
    assert report.files_uploaded == 2 and report.pending_after == 0
    assert central.scalar("SELECT attachments_pending FROM requests WHERE number = %s",
                          number) is False


def test_an_interrupted_20_mb_upload_resumes_where_it_stopped(desks, central, valid_request):
    content = os.urandom(20 * MB)
    digest = hashlib.sha256(content).hexdigest()
    chunks = 0

    def kill_after_seven_chunks(point, conn):
        nonlocal chunks
        if point == "upload.chunk":
            chunks += 1
            if chunks == 7:  # the connection dies mid-upload, as a cut cable would
                with central.admin() as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))

    desk = desks(fault_hook=kill_after_seven_chunks)
    (number,) = submit_many(desk.store, CLERK, [with_file(valid_request(), content)])
    broken = desk.engine.run_once()
    assert not broken.ok and broken.bytes_uploaded == 7 * MB
    # Nothing half-visible: the staged chunks are not a file, the request says "pending".
    assert central.scalar("SELECT count(*) FROM blobs") == 0
    assert central.scalar("SELECT count(*) FROM blob_chunks WHERE sha256 = %s", digest) == 7
    assert central.scalar("SELECT attachments_pending FROM requests WHERE number = %s", number)

    desk.engine.fault_hook = None
    resumed = desk.sync()
    assert resumed.bytes_uploaded == 13 * MB and resumed.files_uploaded == 1
    assert central.scalar("SELECT encode(sha256(content), 'hex') FROM blob_contents "
                          "WHERE sha256 = %s", digest) == digest
    assert central.scalar("SELECT count(*) FROM blob_chunks") == 0
    assert central.scalar("SELECT attachments_pending FROM requests WHERE number = %s",
                          number) is False


def test_shared_content_is_stored_and_sent_once(desks, central, valid_request):
    photo = os.urandom(300_000)
    one, two = desks("101", 1), desks("202", 3)
    submit_many(one.store, CLERK, [with_file(valid_request(), photo)])
    first = one.sync()
    submit_many(two.store, CLERK, [with_file(valid_request(), photo, "same.pdf"),
                                   with_file(valid_request(), photo, "again.pdf")])
    second = two.sync()
    assert first.bytes_uploaded == len(photo)
    assert second.bytes_uploaded == 0 and second.files_uploaded == 0
    assert central.scalar("SELECT count(*) FROM blobs") == 1
    assert central.scalar("SELECT count(*) FROM request_attachments") == 3
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0


def test_bytes_that_do_not_match_their_hash_never_become_visible(desks, central, valid_request):
    desk = desks()
    good = os.urandom(5000)
    digest = hashlib.sha256(good).hexdigest()
    submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    with central.admin() as conn:  # a file of one of its requests (counters upload no other)
        conn.execute("""INSERT INTO request_attachments (request_id, position, document,
                            display_name, media_type, size, sha256)
                        SELECT id, 99, 'x', 'x.pdf', 'application/pdf', 5000, %s
                        FROM requests""", (digest,))
    with central.target(desk.role).connect(autocommit=True) as conn:
        hub.put_chunk(conn, digest, 0, good[:2000])
        hub.put_chunk(conn, digest, 2000, b"x" * 3000)  # corrupted on the way
        assert hub.finish_blob(conn, digest, 5000) is False
        assert not hub.blob_present(conn, digest)
        assert hub.upload_offset(conn, digest) == 0  # staging cleared: it starts again
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            conn.execute("INSERT INTO blobs (sha256, size, content) VALUES (%s, 5000, %s)",
                         (digest, b"y" * 5000))
        hub.put_chunk(conn, digest, 0, good)
        assert hub.finish_blob(conn, digest, 5000) is True
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT content FROM blobs")  # a counter never reads files back
    assert central.scalar("SELECT count(*) FROM blobs WHERE sha256 = %s", digest) == 1


def with_files(valid, *sizes: int):
    """Files of random content (distinct from any other request's) of these sizes."""
    return dataclasses.replace(valid, attachments=tuple(
        Attachment("national_id_copy", f"{i}.pdf", "application/pdf", os.urandom(size))
        for i, size in enumerate(sizes)))


def test_each_request_gets_its_own_files_in_a_mixed_batch_sent_again(desks, central,
                                                                     valid_request):
    """The request insert hands each new request's files on by its place among the new
    requests of the batch: requests already central (a batch sent again), a request without
    files and requests with one or two files, in one batch, each end with their own."""
    def stop_after_commit(point, conn):
        if point == "push.after_commit":
            raise Stop  # central committed, the desk keeps the batch pending

    desk = desks(fault_hook=stop_after_commit)
    sent_before = [with_files(valid_request(), 500, 501), with_files(valid_request(), 502)]
    numbers = submit_many(desk.store, CLERK, sent_before)
    with pytest.raises(Stop):
        desk.engine.run_once()
    desk.engine.fault_hook = None
    mixed = [with_files(valid_request(), 600, 601), with_files(valid_request()),
             with_files(valid_request(), 700), with_files(valid_request(), 800, 801)]
    numbers += submit_many(desk.store, CLERK, mixed)
    report = desk.sync()
    assert report.pushed == 4 and report.already_there == 2 and report.pending_after == 0
    expected = {number: [(i, a.document, a.name, hashlib.sha256(a.content).hexdigest())
                         for i, a in enumerate(valid.attachments)]
                for number, valid in zip(numbers, [*sent_before, *mixed], strict=True)}
    with central.admin() as conn:
        rows = conn.execute("SELECT r.number, a.position, a.document, a.display_name, a.sha256 "
                            "FROM requests r JOIN request_attachments a ON a.request_id = r.id "
                            "ORDER BY r.number, a.position").fetchall()
    stored: dict[str, list] = {n: [] for n in expected}
    for number, *attachment in rows:
        stored[number].append(tuple(attachment))
    assert stored == expected
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0


def test_a_batch_of_small_files_waits_on_central_once(desks, central, valid_request, tmp_path):
    """The files' statement, its BEGIN and its COMMIT travel together: one wait on central per
    batch of small files (before: four, BEGIN, the statement, COMMIT and the pipeline's
    closing sync), so a backlog far from central is not paid in round trips."""
    desk = desks()
    submit_many(desk.store, CLERK, [with_files(valid_request(), 3000, 4000)])
    with desk.store.read() as session:
        outgoing = local.pending_ops(session, 0, 100)
        files = [(b.sha256, b.size, desk.store.blobs.path_for(b.sha256).read_bytes())
                 for b in local.pending_blobs(session)]
    with central.target(desk.role).connect(autocommit=True) as conn:
        hub.push_ops(conn, outgoing, sent_at=dt.datetime.now(dt.UTC), policy=POLICY)
        with libpq_trace(conn, tmp_path / "files.trace") as path:
            hub.put_files(conn, files)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert round_trips(path.read_text()) == 1
    assert central.scalar("SELECT count(*) FROM blobs") == 2
    assert central.scalar("SELECT attachments_pending FROM requests") is False


def test_finishing_a_chunked_file_waits_on_central_once(desks, central, valid_request,
                                                        tmp_path):
    """Assembling the chunks, clearing them and the answer go with BEGIN and COMMIT in one
    wait (before: four)."""
    desk = desks()
    content = os.urandom(5000)
    digest = hashlib.sha256(content).hexdigest()
    submit_many(desk.store, CLERK, [with_file(valid_request(), content)])
    with desk.store.read() as session:
        outgoing = local.pending_ops(session, 0, 100)
    with central.target(desk.role).connect(autocommit=True) as conn:
        hub.push_ops(conn, outgoing, sent_at=dt.datetime.now(dt.UTC), policy=POLICY)
        hub.put_chunk(conn, digest, 0, content[:2000])
        hub.put_chunk(conn, digest, 2000, content[2000:])
        with libpq_trace(conn, tmp_path / "finish.trace") as path:
            assert hub.finish_blob(conn, digest, len(content)) is True
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        assert hub.upload_offset(conn, digest) == 0  # the chunks went with the commit
    assert round_trips(path.read_text()) == 1
    assert central.scalar("SELECT count(*) FROM blobs WHERE sha256 = %s", digest) == 1


@pytest.mark.parametrize("waiting, first_pass", [
    ([(4000,)], (1, 1, 2)),  # one request with its file waits when the pass begins
    # Three without files: the push sends and deletes them, the outbox's tail with them, and
    # SQLite hands a deleted row's number to the next row saved (a position taken at the
    # start let the new file through: helper attack, failing first).
    ([(), (), ()], (3, 0, 2)),
])
def test_a_request_saved_while_a_pass_is_under_way_waits_for_the_next_pass(
        desks, central, valid_request, monkeypatch, waiting, first_pass):
    """The clerk saves a request with a file after the pass has pushed and before it uploads:
    central does not know that request yet, so its file waits for the next pass (which sends
    both) instead of being refused by central's row security and ending this pass in an
    error ("new row violates row-level security policy for table blob_chunks", before)."""
    desk = desks()
    submit_many(desk.store, CLERK, [with_files(valid_request(), *sizes) for sizes in waiting])
    engine_type = type(desk.engine)
    real = engine_type._push_audit

    def saved_meanwhile(self, *args):
        submit_many(desk.store, CLERK, [with_files(valid_request(), 5000)])
        return real(self, *args)

    monkeypatch.setattr(engine_type, "_push_audit", saved_meanwhile)
    first = desk.engine.run_once()
    assert first.ok, first.error
    assert (first.pushed, first.files_uploaded, first.pending_after) == first_pass
    monkeypatch.setattr(engine_type, "_push_audit", real)
    second = desk.engine.run_once()
    assert second.ok, second.error
    assert (second.pushed, second.files_uploaded, second.pending_after) == (1, 1, 0)
    assert central.scalar("SELECT count(*) FROM requests WHERE attachments_pending") == 0
