"""PostgreSQL clusters of a test's own: a primary made with initdb on a free port that allows
replication, and a streaming replica of it made with ``pg_basebackup -R`` on another port.
Both listen on loopback and on a socket in their own folder; local connections are trusted
(replication included: initdb's default rules), so every role logs in without a password.
Run as root, the servers run as the ``postgres`` account (initdb refuses root)."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

PG_BIN = Path(os.environ.get("TAWASUL_PG_BIN", "/usr/lib/postgresql/15/bin"))
AS_POSTGRES = os.geteuid() == 0


def needs_pg_bin() -> None:
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail(f"{PG_BIN / 'initdb'} is missing (PostgreSQL 15 server binaries)")
        pytest.skip(f"{PG_BIN / 'initdb'} is missing")


def _cmd(*args: str | Path) -> list[str]:
    cmd = [str(a) for a in args]
    return ["runuser", "-u", "postgres", "--", *cmd] if AS_POSTGRES else cmd


def _own(path: Path) -> None:
    if AS_POSTGRES:
        pw = pwd.getpwnam("postgres")
        for p in [path, *path.rglob("*")]:
            os.chown(p, pw.pw_uid, pw.pw_gid)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, root: Path) -> None:
        self.root, self.data, self.run = root, root / "data", root / "run"
        self.port = free_port()

    def _settings(self) -> None:
        # Appended: pg_basebackup -R wrote the replica's primary_conninfo into this file.
        with (self.data / "postgresql.auto.conf").open("a") as fh:
            fh.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                     f"unix_socket_directories = '{self.run}'\nwal_level = replica\n"
                     "max_wal_senders = 5\nhot_standby = on\n"
                     "hot_standby_feedback = on\nfsync = off\n")
        _own(self.root)

    def start(self) -> None:
        subprocess.run(_cmd(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-w",
                            "-t", "120", "start"), check=True, stdout=subprocess.DEVNULL, cwd="/")

    def stop(self) -> None:
        subprocess.run(_cmd(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w",
                            "stop"), check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd="/")

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return make_conninfo(host=str(self.run), port=self.port, dbname=dbname, user=user)

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(self.dsn(dbname), autocommit=True)


def _prepare(root: Path) -> None:
    root.mkdir(parents=True)
    (root / "run").mkdir()
    _own(root)
    os.chmod(root, 0o755)


def start_primary(root: Path) -> Server:
    _prepare(root)
    server = Server(root)
    subprocess.run(_cmd(PG_BIN / "initdb", "-D", server.data, "-U", "postgres", "-E", "UTF8",
                        "--locale=C.UTF-8", "--auth=trust"),
                   check=True, stdout=subprocess.DEVNULL, cwd="/")
    server._settings()
    server.start()
    return server


def start_replica(primary: Server, root: Path) -> Server:
    """A streaming replica of ``primary`` (pg_basebackup -R: it follows the primary)."""
    _prepare(root)
    server = Server(root)
    subprocess.run(_cmd(PG_BIN / "pg_basebackup", "-D", server.data, "-h", primary.run,
                        "-p", str(primary.port), "-U", "postgres", "-R", "-X", "stream",
                        "-c", "fast"), check=True, stdout=subprocess.DEVNULL, cwd="/")
    server._settings()
    server.start()
    return server


def wait_replayed(primary: Server, replica: Server, hang_after: float = 120.0) -> None:
    """Until the replica has replayed everything the primary had written when called.
    ``hang_after`` (generous) only stops a replica that never catches up."""
    with primary.connect() as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
        assert row is not None
        target = row[0]
    stop = time.monotonic() + hang_after
    with replica.connect() as conn:
        while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                               (str(target),)).fetchone()[0]:  # type: ignore[index]
            assert time.monotonic() < stop, "the replica does not catch up"
            time.sleep(0.02)
