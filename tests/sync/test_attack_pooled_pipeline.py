"""The hand-sent BEGIN and COMMIT of a pipelined transaction through a real PgBouncer in
transaction mode, one server connection in the pool: between the transaction's two waits the
pooler keeps its server connection from another client, and however the transaction ends
(committed, stopped by the desk, refused by central) the next client finds that server
connection outside any transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from synchelp import CLERK, POLICY, running_pgbouncer, submit_many

from tawasul_desktop.central import operations as hub
from tawasul_desktop.sync import local


class Stop(Exception):
    pass


@pytest.fixture
def pooled(desks, central) -> Iterator[tuple[Any, int]]:
    desk = desks()
    settings = {"pool_mode": "transaction", "default_pool_size": "1",
                "max_client_conn": "20", "server_reset_query": ""}
    with running_pgbouncer(central, ["postgres", desk.role], settings) as (port, _folder):
        yield desk, port


def waiting_clients(port: int, user: str) -> int:
    with psycopg.connect(host="127.0.0.1", port=port, dbname="pgbouncer", user="postgres",
                         autocommit=True) as admin:
        cur = admin.execute("SHOW POOLS")
        names = [d.name for d in cur.description or ()]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return sum(int(r["cl_waiting"]) for r in rows if r["user"] == user)


@pytest.mark.parametrize("ending", ["committed", "stopped", "refused"])
def test_a_pooled_push_keeps_its_server_connection_and_leaves_it_clean(
        pooled, central, valid_request, ending):
    desk, port = pooled
    submit_many(desk.store, CLERK, [valid_request(), valid_request()])
    with desk.store.read() as session:
        outgoing = local.pending_ops(session, 0, 100)
    dsn = make_conninfo(central.dsn(desk.role), host="127.0.0.1", port=str(port))
    if ending == "refused":
        with central.admin() as conn:
            conn.execute("CREATE FUNCTION attack_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$BEGIN RAISE EXCEPTION 'attack: refused'; END$$")
            conn.execute("CREATE TRIGGER attack_refuse BEFORE INSERT ON request_attachments "
                         "FOR EACH ROW EXECUTE FUNCTION attack_refuse()")
    seen: list[Any] = []
    other = psycopg.connect(dsn, autocommit=True, prepare_threshold=None)
    reader = threading.Thread(target=lambda: seen.append(other.execute(
        "SELECT now() = statement_timestamp(), pg_backend_pid(), count(*) FROM requests"
    ).fetchone()))
    mine: list[int] = []
    hooked: list[str] = []

    def between_the_waits(point: str, conn: psycopg.Connection[Any]) -> None:
        if point != "push.before_commit":
            return
        # The first wait is over: the pooler must hold the server connection for this
        # transaction, so the other client waits for it (the pool has one).
        hooked.append(point)
        reader.start()
        try:
            for _ in range(2000):  # a bound, not a measure
                if waiting_clients(port, desk.role) == 1:
                    break
                threading.Event().wait(0.01)
            assert waiting_clients(port, desk.role) == 1 and not seen
        finally:
            if ending == "stopped":
                raise Stop

    try:
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
            mine.append(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
            if ending == "committed":
                hub.push_ops(conn, outgoing, sent_at=outgoing[0].counter_time, policy=POLICY,
                             fault_hook=between_the_waits)
            else:
                with pytest.raises(Stop if ending == "stopped" else psycopg.errors.RaiseException):
                    hub.push_ops(conn, outgoing, sent_at=outgoing[0].counter_time,
                                 policy=POLICY, fault_hook=between_the_waits)
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            if not hooked:
                # Refused: central's error may come back while the push is still queuing
                # its last statements, before the hook: the other client asks only now.
                assert ending == "refused"
                reader.start()
            reader.join(60)
            # The same server connection, lent on outside any transaction.
            (fresh, pid, count), = seen
            assert pid == mine[0] and fresh is True
            assert count == (2 if ending == "committed" else 0)
            assert conn.execute("SELECT now() = statement_timestamp()").fetchone() == (True,)
    finally:
        other.close()
        if ending == "refused":
            with central.admin() as conn:
                conn.execute("DROP TRIGGER attack_refuse ON request_attachments")
                conn.execute("DROP FUNCTION attack_refuse()")
    assert central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s "
                          "AND state <> 'idle'", desk.role) == 0
    assert central.scalar("SELECT count(*) FROM requests") == (
        2 if ending == "committed" else 0)
