"""`tawasul central prune` (issue 16, item 3): old months go whole, never operation ids younger
than the longest a counter may stay offline; files of requests ended long ago are exported
(or dropped) and the register keeps their digest; every prune is recorded."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import os
import subprocess
import uuid

from synchelp import (
    CLERK,
    POLICY,
    PYTHON,
    CentralDb,
    python_env,
    submit_many,
    wait_for_desk_feed,
)

from tawasul_desktop.central import operations as hub
from tawasul_desktop.domain.intake_types import Attachment
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage.models import SyncState
from tawasul_desktop.wire.opids import new_op_id
from tawasul_desktop.wire.protocol import DUPLICATE, KIND_FOLLOW_UP, OutgoingOp

NOW = dt.datetime.now(dt.UTC)


def run_cli(central: CentralDb, *args: str, user: str | None = None) -> subprocess.CompletedProcess:
    env = python_env()
    env["TAWASUL_SITE_CONFIG_DIR"] = os.environ["TAWASUL_SITE_CONFIG_DIR"]
    return subprocess.run([PYTHON, "-m", "tawasul_desktop.cli", "central", *args,
                           "--dsn", central.dsn(user)], env=env, capture_output=True, text=True,
                          timeout=120)


def months_ago(n: int) -> dt.datetime:
    return NOW - dt.timedelta(days=31 * n)


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def a_central_running_for_a_year_and_a_half(central: CentralDb, role: str) -> dict[str, str]:
    """Months back to 18 months ago, as `maintain` would have made them then, and rows in them:
    the feed, operations (one of them sent late by a desk whose clock was behind), audit."""
    with central.admin() as conn:
        for n in range(18, 0, -1):
            for parent in ("changes", "ops", "audit_entries", "blob_contents"):
                conn.execute("SELECT tawasul_add_month(%s, %s)", (parent, months_ago(n).date()))
        centre, counter = conn.execute("SELECT centre, counter FROM counters "
                                       "WHERE role_name = %s", (role,)).fetchone()
        ids = {}
        for n, label in ((16, "old"), (14, "late"), (2, "recent")):
            op_id = new_op_id(ms(months_ago(n)))
            # "late": made 14 months ago by the desk's clock, received by central last week.
            received = NOW - dt.timedelta(days=7) if label == "late" else months_ago(n)
            conn.execute("""INSERT INTO ops (op_id, centre, counter, origin, kind,
                                             schema_version, received_at)
                            VALUES (%s, %s, %s, %s, %s, 2, %s)""",
                         (op_id, centre, counter, role, KIND_FOLLOW_UP, received))
            conn.execute("INSERT INTO changes (centre, counter, kind, entity_id, payload, at) "
                         "VALUES (%s, %s, 'request', %s, '{}', %s)",
                         (centre, counter, str(uuid.uuid4()), months_ago(n)))
            conn.execute("""INSERT INTO audit_entries (store_id, seq, hash, centre, counter, at,
                                actor, action, entity, entity_id, prev_hash)
                            VALUES (%s, %s, %s, %s, %s, %s, 'x', 'x', 'x', 'x', %s)""",
                         (uuid.uuid4(), n, "a" * 64, centre, counter, months_ago(n), "b" * 64))
            ids[label] = str(op_id)
        # An old release's random id received long ago sits in the default partition.
        conn.execute("""INSERT INTO ops (op_id, centre, counter, origin, kind, schema_version,
                                         received_at)
                        VALUES (%s, %s, %s, %s, %s, 2, %s)""",
                     (uuid.uuid4(), centre, counter, role, KIND_FOLLOW_UP, months_ago(15)))
    return ids


def test_prune_refuses_a_cutoff_younger_than_the_longest_offline_stretch(desks, central):
    desk = desks()
    a_central_running_for_a_year_and_a_half(central, desk.role)
    before = central.scalar("SELECT count(*) FROM ops")
    refused = run_cli(central, "prune", "--older-than", "60d")
    assert refused.returncode == 2
    assert "max_offline_days" in refused.stderr and "90 days" in refused.stderr
    # The setting is central's, changed by the administrator; prune then follows it.
    assert run_cli(central, "settings", "--set", "max_offline_days=400").returncode == 0
    try:
        assert run_cli(central, "prune", "--older-than", "12m").returncode == 2
    finally:
        assert run_cli(central, "settings", "--set", "max_offline_days=90").returncode == 0
    assert central.scalar("SELECT count(*) FROM ops") == before
    assert central.scalar("SELECT count(*) FROM prune_log") == 0
    # Only the schema owner prunes.
    as_counter = run_cli(central, "prune", "--older-than", "2y", user=desk.role)
    assert as_counter.returncode == 2 and "schema owner" in as_counter.stderr


def test_prune_drops_old_months_and_keeps_ids_received_lately(desks, central, valid_request):
    desk = desks()
    ids = a_central_running_for_a_year_and_a_half(central, desk.role)
    with central.admin() as conn:
        hub.put_user(conn, "amal", "supervisor", "x", centre="101")
        hub.publish_catalogue(conn, open_catalogue())
        conn.execute("UPDATE changes SET at = %s WHERE kind IN ('user', 'catalogue')",
                     (months_ago(15),))  # they were announced long ago
    old_month = f"ops_{months_ago(16):%Y_%m}"
    assert central.scalar("SELECT to_regclass(%s)", old_month) is not None

    dry = run_cli(central, "prune", "--older-than", "1y", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["rows"]["ops"] == 2  # the old one and the random old one
    assert central.scalar("SELECT to_regclass(%s)", old_month) is not None

    done = run_cli(central, "prune", "--older-than", "1y", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert old_month in report["dropped_partitions"]
    assert report["rows"] == {"changes": 4, "ops": 2, "audit_entries": 2}
    assert report["kept_young"] == {"ops": 1}
    for gone in ("ops", "changes", "audit_entries"):
        assert central.scalar("SELECT to_regclass(%s)", f"{gone}_{months_ago(16):%Y_%m}") is None
        assert central.scalar("SELECT to_regclass(%s)", f"{gone}_{months_ago(2):%Y_%m}")
    assert central.scalar("SELECT count(*) FROM ops WHERE op_id = %s", ids["old"]) == 0
    assert central.scalar("SELECT count(*) FROM ops WHERE op_id = %s", ids["recent"]) == 1
    # Received last week (the desk's clock was behind): kept, and still recognised when the
    # desk sends it again.
    assert central.scalar("SELECT count(*) FROM ops WHERE op_id = %s", ids["late"]) == 1
    with central.target(desk.role).connect(autocommit=True) as conn:
        again = OutgoingOp(uuid.UUID(ids["late"]), 1, KIND_FOLLOW_UP, 2, None, NOW, "{}")
        outcome = hub.push_ops(conn, [again], sent_at=NOW, policy=POLICY).outcomes[0]
    assert outcome.outcome == DUPLICATE
    logged = central.scalar("SELECT removed FROM prune_log")
    assert logged["rows"]["ops"] == 2 and logged["cutoff"]

    # A desk set up today still receives the users and the catalogue announced long ago.
    fresh = desks("101", 2)
    wait_for_desk_feed(fresh)
    fresh.sync()
    from tawasul_desktop.storage.users import find_user
    with fresh.store.read() as session:
        assert find_user(session, "amal") is not None
        assert session.get(SyncState, 1).catalogue_version is not None


def open_catalogue() -> str:
    from tawasul_desktop.assets import resource
    return resource("catalogue", "services.toml").read_text(encoding="utf-8")


def with_file(valid, content: bytes, name: str):
    return dataclasses.replace(valid, attachments=(
        Attachment("national_id_copy", name, "application/pdf", content),))


def test_files_of_requests_ended_long_ago_are_exported_then_removed(desks, central,
                                                                    valid_request, tmp_path):
    desk = desks()
    old, shared, open_one = os.urandom(40_000), os.urandom(30_000), os.urandom(20_000)
    numbers = submit_many(desk.store, CLERK, [
        with_file(valid_request(), old, "old.pdf"),
        with_file(valid_request(), shared, "shared.pdf"),
        with_file(valid_request(), shared, "shared-again.pdf"),
        with_file(valid_request(), open_one, "open.pdf")])
    desk.sync()
    with central.admin() as conn:
        for number in numbers[:2]:
            hub.decide(conn, number, Action.ACCEPT, actor="amal", policy=POLICY)
            hub.decide(conn, number, Action.CLOSE, actor="amal", policy=POLICY)
        conn.execute("UPDATE requests SET updated_at = now() - interval '6 years' "
                     "WHERE number = ANY(%s)", (numbers[:2],))
    kept = run_cli(central, "prune", "--older-than", "1y", "--json")
    assert json.loads(kept.stdout)["files_waiting"] == 1  # no policy given: left where it is
    assert central.scalar("SELECT count(*) FROM blob_contents") == 3

    folder = tmp_path / "archive"
    done = run_cli(central, "prune", "--older-than", "1y", "--attachments-to", str(folder),
                   "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"] == 1
    # Only the file whose every request ended long ago: the shared one is still held by an
    # open request.
    old_sha = hashlib.sha256(old).hexdigest()
    with (folder / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["number"], r["sha256"]) for r in rows] == [(numbers[0], old_sha)]
    assert hashlib.sha256((folder / rows[0]["path"]).read_bytes()).hexdigest() == old_sha
    assert central.scalar("SELECT count(*) FROM blob_contents WHERE sha256 = %s", old_sha) == 0
    assert central.scalar("SELECT count(*) FROM blob_contents") == 2
    assert central.scalar("SELECT archived_to FROM blobs WHERE sha256 = %s", old_sha) == str(folder)
    # The register still knows it: a desk holding the file does not send it again.
    with central.target(desk.role).connect(autocommit=True) as conn:
        assert hub.blob_present(conn, old_sha)
    assert central.scalar("SELECT count(*) FROM prune_log") == 2
