"""The supervisor queue read from a real streaming replica of central ([central] read_dsn).

A primary of the test's own (initdb, a free port, replication allowed) and a replica of it
(pg_basebackup -R, another port): reads go to the replica, decisions to the primary; a
decision made anywhere shows in the replica-backed queue once the replica has replayed it
(waited for by its replay position, never a fixed sleep), the supervisor's own decision shows
at once even while the replica stands still, and the lag is told."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from replicahelp import Server, needs_pg_bin, start_primary, start_replica, wait_replayed

from tawasul_desktop.central import admin
from tawasul_desktop.central import operations as hub
from tawasul_desktop.central import queue as central_queue
from tawasul_desktop.central.connection import CentralTarget
from tawasul_desktop.central.queue import open_central_store, replica_notice
from tawasul_desktop.config import ConfigError, Settings, load_settings
from tawasul_desktop.domain.bidi import plain
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.queue import QueueFilter, QueueQuery, QueueWindow
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.supervision import assign_many, decide_many
from tawasul_desktop.storage.users import Actor
from tawasul_desktop.sync.engine import SyncEngine

DB = "tawasul"
AMAL = Actor("amal", "supervisor", "Amal")
CLERK = Actor("desk.clerk", "clerk", "Desk Clerk")


@dataclasses.dataclass
class Pair:
    primary: Server
    replica: Server
    counter: str
    amal: str
    huda: str


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    needs_pg_bin()
    # Not pytest's own folder: the postgres account (the servers' when run as root) must
    # reach the clusters' folders, and pytest's are private to the account running it.
    root = Path(tempfile.mkdtemp(prefix="tawasul-replica-"))
    os.chmod(root, 0o755)
    primary = start_primary(root / "primary")
    replica = None
    try:
        with primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {DB}")
        admin.init_central(CentralTarget(primary.dsn(DB)), role_prefix="rr")
        with primary.connect(DB) as conn:
            counter, _ = admin.add_counter(conn, "101", 1)
            amal, _ = admin.add_supervisor(conn, "101", "amal")
            huda, _ = admin.add_supervisor(conn, "101", "huda")
            hub.put_user(conn, "amal", "supervisor", "x", centre="101")
            hub.put_user(conn, "huda", "supervisor", "x", centre="101")
        replica = start_replica(primary, root / "replica")
        yield Pair(primary, replica, counter, amal, huda)
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def _settings(tmp_path: Path, name: str, **central: Any) -> Settings:
    settings = load_settings(tmp_path / "none.toml", db=tmp_path / f"{name}.sqlite3",
                             data_dir=tmp_path / name)
    return dataclasses.replace(settings, centre_code="101", counter=1, **central)


@pytest.fixture
def world(pair: Pair, tmp_path: Path, clean_env: None,
          valid_request: Any) -> Iterator[tuple[Store, list[str]]]:
    """Three requests pushed by counter 1, and amal's queue over central read from the
    replica (through the configuration's read_dsn)."""
    settings = _settings(tmp_path, "desk", central_dsn=pair.primary.dsn(DB, pair.counter))
    desk = Store.open(settings)
    engine = SyncEngine(desk, CentralTarget(settings.central_dsn or ""))
    numbers = [ops.submit_request(desk, CLERK, valid_request()).number for _ in range(3)]
    assert engine.run_once().ok
    engine.close()
    here = Store.open(_settings(tmp_path, "boss"))
    boss_settings = dataclasses.replace(
        here.settings, central_dsn=pair.primary.dsn(DB, pair.amal),
        central_read_dsn=pair.replica.dsn(DB, pair.amal))
    boss = open_central_store(boss_settings, local=here)
    wait_replayed(pair.primary, pair.replica)
    try:
        yield boss, [n.replace("-", "") for n in numbers]
    finally:
        boss.close()
        here.close()
        desk.close()
        with pair.primary.connect(DB) as conn:  # each test's desk is a new store
            conn.execute("UPDATE counters SET desk_id = NULL, desk_label = NULL, "
                         "desk_bound_at = NULL")


def statuses(store: Store) -> dict[str, str]:
    query = QueueQuery(store, AMAL, QueueFilter())
    window = QueueWindow(query, query.count(), page_size=50, max_pages=2)
    return {r.number: r.status for p in range(window.page_count) for r in window.load(p)}


def served_by(store: Store) -> str:
    """Which server the store's next read goes to."""
    with store.read() as session:
        return "replica" if session.execute(
            _text("SELECT pg_is_in_recovery()")).scalar() else "primary"


def _text(sql: str) -> Any:
    from sqlalchemy import text

    return text(sql)


def pause_replay(replica: Server, hang_after: float = 60.0) -> None:
    with replica.connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        stop = time.monotonic() + hang_after
        while conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":  # type: ignore[index]
            assert time.monotonic() < stop, "the replica's replay does not pause"
            time.sleep(0.02)


def resume_replay(replica: Server) -> None:
    with replica.connect() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")


def test_reads_go_to_the_replica_and_decisions_to_the_primary(pair: Pair, world: Any) -> None:
    boss, numbers = world
    assert boss.replica is not None and served_by(boss) == "replica"
    assert {n: "submitted" for n in numbers}.items() <= statuses(boss).items()

    # Huda decides at another desk, straight on the primary: the replica-backed queue shows
    # it once the replica has replayed it.
    with pair.primary.connect(DB) as conn:
        conn.execute(f'SET ROLE "{pair.huda}"')
        outcome = hub.decide(conn, numbers[0], Action.START_REVIEW, actor="huda",
                             policy=boss.policy, expected_status="submitted")
    assert not isinstance(outcome, Exception) and getattr(outcome, "status", None) \
        == "under_review"
    wait_replayed(pair.primary, pair.replica)
    assert served_by(boss) == "replica"
    assert statuses(boss)[numbers[0]] == "under_review"


def test_own_decision_reads_back_from_the_primary_until_the_replica_has_it(
        pair: Pair, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    boss, numbers = world
    monkeypatch.setattr(central_queue, "REPLICA_LAG_SHOWN", 0.0)
    assert replica_notice(boss) is None  # caught up: nothing to say
    pause_replay(pair.replica)
    try:
        done = decide_many(boss, AMAL, [(numbers[1], "submitted")], Action.START_REVIEW)
        assert done.done == [numbers[1]], done.refused
        assigned = assign_many(boss, AMAL, [(numbers[2], None)], "amal")
        assert assigned.done == [numbers[2]], assigned.refused
        # The replica stands still, yet the supervisor sees what they just did.
        with pair.replica.connect(DB) as conn:
            row = conn.execute("SELECT status FROM requests WHERE number = %s",
                               (numbers[1],)).fetchone()
            assert row is not None and row[0] == "submitted"
        assert boss.replica is not None and boss.replica.waiting
        assert served_by(boss) == "primary"
        shown = statuses(boss)
        assert shown[numbers[1]] == "under_review"
        # ... and is told the replica lags, in both languages, the figure isolated.
        lag = boss.replica.lag()
        assert not lag.caught_up
        notice = replica_notice(boss)
        assert notice is not None and notice.code in ("queue.replica_behind",
                                                      "queue.replica_lag_unknown")
        if notice.code == "queue.replica_behind":
            seconds = notice.params["seconds"]
            assert f"replica of central {seconds} s behind" in plain(notice.message_en)
            assert f"{seconds} ثانية" in plain(notice.message_ar)
            assert "\u2068" in notice.message_ar or "\u2066" in notice.message_ar
    finally:
        resume_replay(pair.replica)
    wait_replayed(pair.primary, pair.replica)
    # Caught up: reads are the replica's again, and it holds the decision.
    assert served_by(boss) == "replica"
    assert not boss.replica.waiting
    assert statuses(boss)[numbers[1]] == "under_review"
    assert replica_notice(boss) is None


def test_read_dsn_is_configured_like_dsn(tmp_path: Path, clean_env: None) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('[central]\ndsn = "host=central dbname=t user=s"\n'
                      'read_dsn = "host=replica dbname=t user=s"\n')
    settings = load_settings(config)
    assert settings.central_read_dsn == "host=replica dbname=t user=s"
    target = central_queue.read_target_of(settings, CentralTarget(
        settings.central_dsn or "", password_file=tmp_path / "pw", sslmode="verify-full"))
    assert target is not None and target.dsn == settings.central_read_dsn
    assert target.password_file == tmp_path / "pw" and target.sslmode == "verify-full"
    config.write_text('[central]\nread_dsn = "host=replica user=s password=secret"\n')
    with pytest.raises(ConfigError, match="read_dsn must not hold a password"):
        load_settings(config)


def test_workspace_says_how_far_behind_the_replica_is(
        pair: Pair, world: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tawasul_desktop.gui.supervisor.workspace import SupervisorWorkspace

    boss, numbers = world
    monkeypatch.setattr(central_queue, "REPLICA_LAG_SHOWN", 0.0)
    workspace = SupervisorWorkspace(boss, lambda: "en")
    qtbot.addWidget(workspace)
    pause_replay(pair.replica)
    try:
        with pair.primary.connect(DB) as conn:  # a decision at another desk the replica lacks
            conn.execute(f'SET ROLE "{pair.huda}"')
            hub.decide(conn, numbers[2], Action.START_REVIEW, actor="huda", policy=boss.policy)
        workspace.set_actor(AMAL)
        qtbot.waitUntil(lambda: "replica of central" in plain(workspace.notice.text()),
                        timeout=30000)
        assert not workspace.notice.isHidden()
        assert "may not show yet" in plain(workspace.notice.text()) or \
            "has not caught up" in plain(workspace.notice.text())
    finally:
        resume_replay(pair.replica)
    wait_replayed(pair.primary, pair.replica)
    workspace.model.reload(workspace.filters.current(), workspace.model.sort_order)
    qtbot.waitUntil(lambda: workspace.notice.isHidden(), timeout=30000)
    assert statuses(boss)[numbers[2]] == "under_review"
    workspace.set_actor(None)
