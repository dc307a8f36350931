"""Rolling upgrades: a desk syncs with any central that still serves its revision, so desks
need not all be updated at the moment `tawasul central upgrade` runs."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pickle
import secrets
import subprocess
import tarfile
from pathlib import Path

import psycopg
import pytest
from synchelp import (
    CLERK,
    PG_DSN,
    POLICY,
    PYTHON,
    REPO,
    CentralDb,
    drop_central_db,
    submit_many,
)

from tawasul_desktop.central import admin
from tawasul_desktop.central import operations as hub
from tawasul_desktop.central.connection import target_from_settings
from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.models import SyncState
from tawasul_desktop.storage.store import Store
from tawasul_desktop.sync.engine import SyncEngine


def _set_revision(central, revision: str, served_from: str | None) -> None:
    with central.admin() as conn:
        conn.execute("UPDATE tawasul_central_version SET version_num = %s", (revision,))
        conn.execute("DELETE FROM central_settings WHERE key = %s", (admin.SERVES_DESKS_FROM,))
        if served_from is not None:
            conn.execute("INSERT INTO central_settings (key, value) VALUES (%s, %s)",
                         (admin.SERVES_DESKS_FROM, served_from))


def test_a_desk_accepts_a_newer_central_that_still_serves_it(desks, central, valid_request):
    desk = desks()
    head = admin.central_head()
    with central.admin() as conn:
        served = conn.execute("SELECT value FROM central_settings WHERE key = %s",
                              (admin.SERVES_DESKS_FROM,)).fetchone()
    submit_many(desk.store, CLERK, [valid_request()])
    try:
        _set_revision(central, "c9999", head)  # a newer central: expand-only since this desk
        assert desk.sync().pushed == 1
        submit_many(desk.store, CLERK, [valid_request()])
        _set_revision(central, "c9999", "c9998")  # … which has since dropped this desk's calls
        report = desk.engine.run_once()
        assert not report.ok and "c9999" in report.error and "update this desk" in report.error
        assert desk.engine.status().pending == 3  # the request and its two files, kept
    finally:
        _set_revision(central, head, served[0] if served else None)
    assert desk.sync().pushed == 1


def test_a_desk_refuses_a_central_older_than_it_needs():
    lineage = admin._lineage()
    assert admin.compatibility_problem(admin.central_head(), None) is None
    assert admin.compatibility_problem(admin.OLDEST_CENTRAL, None) is None
    older = lineage[lineage.index(admin.OLDEST_CENTRAL) + 1]
    problem = admin.compatibility_problem(older, None)
    assert problem is not None and "central upgrade" in problem and older in problem


# The desk release before central c0007 (the first to check a compatibility range rather
# than one exact revision; its central head is c0006). Run from git history as it was.
PREVIOUS_DESK = "9e9f8c3faaab7f48c0e66a5763262c4342ccfe34"
PREVIOUS_HEAD = "c0006"

OLD_DESK_SCRIPT = r"""
import dataclasses, json, pickle, sys
from pathlib import Path
import tawasul_desktop
from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor
from tawasul_desktop.sync.admin import central_head
from tawasul_desktop.sync.connection import target_from_settings
from tawasul_desktop.sync.engine import SyncEngine

a = json.loads(sys.argv[1])
root = Path(a["root"])
settings = dataclasses.replace(
    load_settings(config_file=root / "none.toml", db=root / "desk.sqlite3",
                  data_dir=root / "data"),
    centre_code="101", counter=1, central_dsn=a["dsn"])
clerk = Actor("old.clerk", "clerk", "Old Clerk")
with Store.open(settings) as store:
    numbers = [ops.submit_request(store, clerk, v).number
               for v in pickle.loads(bytes.fromhex(a["requests"]))]
    for number in a.get("withdraw", []):
        ops.transition(store, clerk, number, Action.WITHDRAW, reason="withdrawn")
    engine = SyncEngine(store, target_from_settings(settings))
    report = engine.run_once()
    engine.close()
    statuses = {n: ops.get_request(store, n).status for n in a.get("show", [])}
print(json.dumps({"code": tawasul_desktop.__file__, "head": central_head(), "ok": report.ok,
                  "error": report.error, "pushed": report.pushed, "pulled": report.pulled,
                  "refused": [r.code for r in report.refused], "numbers": numbers,
                  "statuses": statuses}))
"""


def previous_desk_code(into: Path) -> Path:
    """The previous release's package and resources, extracted from git history."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", PREVIOUS_DESK,
             "tawasul_desktop", "resources"], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"the previous desk release {PREVIOUS_DESK[:10]} is not in this clone's "
                    f"history (fetch it: git fetch --unshallow): {exc}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_old_desk(code: Path, root: Path, dsn: str, requests: list, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    env["PYTHONPATH"] = str(code)
    args = {"root": str(root), "dsn": dsn, "requests": pickle.dumps(requests).hex(), **extra}
    done = subprocess.run([PYTHON, "-c", OLD_DESK_SCRIPT, json.dumps(args)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_previous_desk_release_keeps_syncing_across_a_central_upgrade(tmp_path,
                                                                         valid_request):
    code = previous_desk_code(tmp_path / "previous")
    root = tmp_path / "desk"
    root.mkdir()
    token = secrets.token_hex(4)
    db = CentralDb(f"tawasul_t_{token}", f"t{token}")
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db.name}"')
    try:
        assert admin.init_central(db.target(), db.prefix, revision=PREVIOUS_HEAD) == "c0006"
        with db.admin() as conn:
            role, _ = admin.add_counter(conn, "101", 1)
        dsn = db.dsn(role)

        # The previous desk against the central it was released with.
        first = run_old_desk(code, root, dsn, [valid_request(), valid_request()])
        assert first["code"].startswith(str(code)) and first["head"] == PREVIOUS_HEAD
        assert first["ok"] and first["pushed"] == 2, first
        kept, decided = (parse_number(n).digits for n in first["numbers"])

        # Central is upgraded; the desk is not (yet).
        assert admin.upgrade_central(db.target()) == (PREVIOUS_HEAD, admin.central_head())
        with db.admin() as conn:
            assert hub.decide(conn, decided, Action.ACCEPT, actor="amal",
                              policy=POLICY).status == "accepted"
        # It sends new work and a withdrawal that meets central's decision (a conflict its
        # code still records its old way), and receives the decision.
        second = run_old_desk(code, root, dsn, [valid_request()], withdraw=[decided],
                              show=[decided])
        assert second["ok"], second
        assert second["pushed"] == 1 and second["refused"] == ["request.illegal_transition"]
        assert second["statuses"] == {decided: "accepted"}
        assert db.scalar("SELECT count(*) FROM requests") == 3
        assert db.scalar("SELECT count(*) FROM conflicts") == 1

        # … and back: the same desk store, updated, carries on and binds to its login.
        settings = dataclasses.replace(
            load_settings(config_file=root / "none.toml", db=root / "desk.sqlite3",
                          data_dir=root / "data"),
            centre_code="101", counter=1, central_dsn=dsn)
        with Store.open(settings) as store:
            engine = SyncEngine(store, target_from_settings(settings))
            ops.transition(store, CLERK, kept, Action.WITHDRAW, reason="بطلب المستفيد")
            report = engine.run_once()
            engine.close()
            assert report.ok and report.pushed == 1, report.error
            with store.read() as session:
                store_id = session.get(SyncState, 1).store_id
        assert db.scalar("SELECT status FROM requests WHERE number = %s", kept) == "withdrawn"
        assert db.scalar("SELECT desk_id FROM counters WHERE role_name = %s", role) == store_id
    finally:
        drop_central_db(db)
