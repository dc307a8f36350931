"""`tawasul central …` and `tawasul sync …` as an operator types them."""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from synchelp import (
    CLERK,
    PG_DSN,
    CentralDb,
    drop_central_db,
    server_or_skip,
    submit_many,
    wait_for_feed,
)

from tawasul_desktop.cli.identity import os_account
from tawasul_desktop.cli.main import main
from tawasul_desktop.config import load_settings
from tawasul_desktop.storage.os_accounts import map_account
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, add_user


@pytest.fixture
def empty_db() -> Iterator[CentralDb]:
    server_or_skip()
    token = secrets.token_hex(4)
    db = CentralDb(f"tawasul_t_{token}", f"t{token}")
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db.name}"')
    try:
        yield db
    finally:
        drop_central_db(db)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def password_fd(password: str) -> int:
    """A pipe's read end holding one line, as an operator's script would pass it."""
    read, write = os.pipe()
    os.write(write, password.encode() + b"\n")
    os.close(write)
    return read


def test_central_commands_and_a_desk_syncing(tmp_path: Path, capsys, clean_env, empty_db,
                                             valid_request):
    dsn = empty_db.dsn()
    code, out, _ = run(capsys, "central", "init", "--dsn", dsn, "--role-prefix", empty_db.prefix)
    assert code == 0 and "central schema created" in out
    code, _, err = run(capsys, "central", "init", "--dsn", dsn)
    assert code == 1 and "already exists" in err
    code, out, _ = run(capsys, "central", "upgrade", "--dsn", dsn)
    assert code == 0 and "up to date" in out

    secret = tmp_path / "desk.pass"
    code, out, _ = run(capsys, "central", "add-counter", "101", "3", "--password-file",
                       str(secret), "--dsn", dsn, "--json")
    role = last_json(out)["role"]
    assert code == 0 and role == f"{empty_db.prefix}_c101_03" and "password" not in last_json(out)
    if os.name == "posix":
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    code, out, _ = run(capsys, "central", "add-supervisor", "101", "amal", "--dsn", dsn)
    assert code == 0 and "shown once" in out
    code, _, err = run(capsys, "central", "add-counter", "1x1", "3", "--dsn", dsn)
    assert code == 2

    config = tmp_path / "config.toml"
    config.write_text(
        f'[centre]\ncode = "101"\ncounter = 3\n\n[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        f'db = "{tmp_path / "desk.sqlite3"}"\n\n[central]\ndsn = "{empty_db.dsn(role)}"\n'
        f'password_file = "{secret}"\nsslmode = "disable"\n', encoding="utf-8")
    with Store.open(load_settings(config)) as store:
        numbers = submit_many(store, CLERK, [valid_request() for _ in range(3)])

    code, out, err = run(capsys, "sync", "--once", "--config", str(config))
    assert code == 0 and "sent 3" in out and "push:" not in err  # no progress off a terminal
    code, out, _ = run(capsys, "central", "decide", numbers[0], "--reject", "--reason",
                       "ناقص", "--dsn", dsn)
    assert code == 0 and "rejected" in out
    code, _, _ = run(capsys, "central", "decide", numbers[0], "--accept", "--dsn", dsn)
    assert code == 1  # already decided: refused by the lifecycle
    wait_for_feed(empty_db)  # a transaction open elsewhere on the server holds the feed back
    code, out, _ = run(capsys, "sync", "--once", "--json", "--config", str(config))
    assert code == 0 and last_json(out)["received"] == 1 and last_json(out)["pending"] == 0
    code, out, _ = run(capsys, "request", "show", numbers[0], "--json", "--config", str(config))
    assert last_json(out)["status"] == "rejected" and last_json(out)["decision_reason"] == "ناقص"

    with Store.open(load_settings(config)) as store, store.write() as session:
        # The test's OS account acts as a registered clerk.
        add_user(session, Actor("setup", "admin"), "desk.clerk", "clerk", "long password 1",
                 store.policy.security)
        map_account(session, Actor("setup", "admin"), os_account(), "desk.clerk")
    code, out, err = run(capsys, "request", "withdraw", numbers[0], "--config", str(config))
    assert code != 0  # decided requests cannot be withdrawn at the desk either
    assert "cli.unmapped" not in err
    code, out, _ = run(capsys, "sync", "status", "--json", "--config", str(config))
    status = last_json(out)
    assert code == 0 and status["pending"] == 0 and status["last_success_at"]
    code, out, _ = run(capsys, "sync", "retry", "--config", str(config))
    assert code == 0 and "0 operation" in out
    code, out, _ = run(capsys, "sync", "retry", "not-an-id", "--config", str(config))
    assert code == 2

    # A reset receives everything again and keeps work not yet sent.
    with Store.open(load_settings(config)) as store:
        submit_many(store, CLERK, [valid_request()])
    code, out, _ = run(capsys, "sync", "reset", "--json", "--config", str(config))
    assert code == 0 and last_json(out)["pending"] == 3
    code, out, _ = run(capsys, "sync", "--once", "--json", "--config", str(config))
    assert last_json(out)["sent"] == 1 and last_json(out)["received"] == 1
    code, out, _ = run(capsys, "request", "show", numbers[0], "--json", "--config", str(config))
    assert last_json(out)["status"] == "rejected"

    # The desk is bound to this counter's login; an administrator may free it, and renumber
    # requests refused for a taken number (none here).
    code, _, err = run(capsys, "sync", "renumber", "--json", "--config", str(config))
    assert code != 0  # the account acts as a clerk: renumbering is an administrator's
    with Store.open(load_settings(config)) as store, store.write() as session:
        add_user(session, Actor("setup", "admin"), "desk.admin", "admin", "long password 2",
                 store.policy.security)
        map_account(session, Actor("setup", "admin"), os_account(), "desk.admin")
    code, out, _ = run(capsys, "sync", "renumber", "--json", "--config", str(config),
                       "--password-fd", str(password_fd("long password 2")))
    assert code == 0 and last_json(out)["renumbered"] == []
    code, out, _ = run(capsys, "central", "release-desk", "101", "3", "--json", "--dsn", dsn)
    assert code == 0 and last_json(out)["released"].endswith("desk.sqlite3")
    code, _, err = run(capsys, "central", "release-desk", "101", "9", "--dsn", dsn)
    assert code == 2 and "no counter 9" in err
    code, out, _ = run(capsys, "sync", "--once", "--config", str(config))
    assert code == 0


def test_sync_without_a_central_configured(tmp_path: Path, capsys, clean_env):
    (tmp_path / "none.toml").touch()  # a named configuration file must exist
    code, _, err = run(capsys, "sync", "--once", "--db", str(tmp_path / "d.sqlite3"),
                       "--data-dir", str(tmp_path / "data"), "--config",
                       str(tmp_path / "none.toml"))
    assert code == 1 and "no central database configured" in err


@pytest.mark.parametrize("as_json", [False, True])
def test_a_failed_sync_says_why_on_stderr(tmp_path: Path, capsys, clean_env, valid_request,
                                          as_json):
    """A pass that stops (here: central unreachable) exits 1 with one line on stderr saying
    why, beside the report on stdout (a concurrent `sync --once` once exited 1 with nothing
    on stderr: the reason was only in its JSON)."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[centre]\ncode = "101"\ncounter = 3\n\n[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        f'db = "{tmp_path / "desk.sqlite3"}"\n\n[central]\n'
        'dsn = "host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2"\n', encoding="utf-8")
    with Store.open(load_settings(config)) as store:
        submit_many(store, CLERK, [valid_request()])
    code, out, err = run(capsys, "sync", "--once", "--config", str(config),
                         *(["--json"] if as_json else []))
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith("error: sync stopped: ")
    assert "127.0.0.1" in err and "port 1" in err
    if as_json:
        report = last_json(out)
        assert not report["ok"] and report["pending"] > 0
        assert err == f"error: sync stopped: {report['error']}\n"
    else:
        assert "; stopped: connection failed" in out
