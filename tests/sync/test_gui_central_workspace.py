"""The main window's supervisor workspace over the central PostgreSQL, signed into for real.

A desk whose ``[central] dsn`` (with its ``password_file``) names a supervisor's own login
role, as ``tawasul central add-supervisor`` makes it: the queue a supervisor gets there reads
central (requests of every counter of the centre, none of them held at this desk), decisions
and claims made from it land centrally as that role and flow down to the counter, and a clerk
signing in at the same desk never gets the workspace.

On a counter's desk (``[central] dsn`` names the counter's role, which sync requires) central
would refuse a supervisor's moves made as that role, so the workspace works on the desk's own
store and says so above the queue; likewise, with the reason, when central cannot be reached
at sign-in (asked in a worker: the window keeps painting). A failure talking to central during
a decision is told and the queue read again; signing out and quitting close the central pool.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from synchelp import CLERK, CentralDb, submit_many  # noqa: E402

from tawasul_desktop.central import admin  # noqa: E402
from tawasul_desktop.central import operations as hub  # noqa: E402
from tawasul_desktop.config import Settings, load_settings  # noqa: E402
from tawasul_desktop.domain.messages import message  # noqa: E402
from tawasul_desktop.gui import dialogs, workers  # noqa: E402
from tawasul_desktop.gui.supervisor.workspace import SupervisorWorkspace  # noqa: E402
from tawasul_desktop.storage import requests as ops  # noqa: E402
from tawasul_desktop.storage.store import Store  # noqa: E402
from tawasul_desktop.storage.users import Actor, add_user  # noqa: E402

PASSWORD = "desk-password-1"


def sign_in(qtbot: Any, window: Any, username: str) -> None:
    """Type into the real sign-in panel and press Return, as a person would."""
    panel = window.login
    panel.username.clear()
    qtbot.keyClicks(panel.username, username)
    qtbot.keyClick(panel.username, Qt.Key.Key_Return)
    qtbot.keyClicks(panel.password, PASSWORD)
    qtbot.keyClick(panel.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.actor is not None or panel.message.isVisible(), timeout=10000)
    assert window.actor is not None and window.actor.username == username, panel.message.text()


def add_local_users(store: Store, *people: tuple[str, str]) -> None:
    with store.write() as session:
        for name, role in people:
            add_user(session, Actor("setup", "admin"), name, role, PASSWORD, store.policy.security)


def desk_settings(tmp_path: Path, name: str, dsn: str, password_file: Path | None = None
                  ) -> Settings:
    """A desk of centre 101 (counter 9) whose configuration file names ``dsn``."""
    config = tmp_path / f"{name}.toml"
    text = f'[centre]\ncode = "101"\ncounter = 9\n\n[central]\ndsn = {json.dumps(dsn)}\n'
    if password_file is not None:
        text += f"password_file = {json.dumps(str(password_file))}\n"
    config.write_text(text, encoding="utf-8")
    return load_settings(config, db=tmp_path / f"{name}.sqlite3",
                         data_dir=tmp_path / f"{name}-data")


@pytest.fixture
def supervisor_desk(tmp_path: Path, central: CentralDb) -> Any:
    """A desk configured as the product documents it, with supervisor amal's own central
    role (``tawasul central add-supervisor``, its password file); users amal and noura."""
    secure = tmp_path / "secure"
    secure.mkdir(mode=0o700)
    password_file = secure / "s101-amal.pass"
    with central.admin() as conn:
        role, _ = admin.add_supervisor(conn, "101", "amal", password_file=password_file)
        hub.put_user(conn, "amal", "supervisor", "x", centre="101")  # whom requests go to
    settings = desk_settings(tmp_path, "supervisor-desk", central.dsn(role), password_file)
    store = Store.open(settings)
    add_local_users(store, ("amal", "supervisor"), ("noura", "clerk"))
    yield settings, store
    store.close()


@pytest.fixture
def offline_desk(tmp_path: Path, clean_env: None) -> Iterator[Store]:
    """A desk whose ``[central] dsn`` names a port nobody listens on; supervisor huda."""
    settings = desk_settings(tmp_path, "offline-desk",
                             "host=127.0.0.1 port=1 dbname=tawasul user=nobody sslmode=disable")
    store = Store.open(settings)
    add_local_users(store, ("huda", "supervisor"))
    yield store
    store.close()


class SilentCentral:
    """A server that accepts connections and says nothing until the test lets it hang up, as
    a central behind a stalled network does. No clock: the test decides when it gives up."""

    def __init__(self) -> None:
        self.asked = threading.Event()  # a desk connected and now waits for an answer
        self.give_up = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)  # how often the accepting thread looks at give_up
        self.dsn = (f"host=127.0.0.1 port={self.server.getsockname()[1]} dbname=tawasul "
                    "user=nobody sslmode=disable")
        self._held: list[socket.socket] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._done.is_set():
            if self.give_up.is_set():
                for conn in self._held:
                    conn.close()
                self._held.clear()
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            self._held.append(conn)
            self.asked.set()

    def close(self) -> None:
        self.give_up.set()
        self._done.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self.server.close()


@pytest.fixture
def silent_central() -> Iterator[SilentCentral]:
    silent = SilentCentral()
    yield silent
    silent.close()


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modal questions answered yes; warnings recorded instead of shown."""
    warned: list[str] = []
    monkeypatch.setattr(dialogs, "confirm", lambda *_args: True)
    monkeypatch.setattr(dialogs, "warn", lambda _parent, _title, text: warned.append(text))
    return warned


@pytest.fixture
def counters(desks: Any, valid_request: Any) -> Any:
    """Requests of centre 101 from counters 1 and 2, and one of centre 102, all at central."""
    one, two, elsewhere = desks("101", 1), desks("101", 2), desks("102", 1)
    numbers = {
        1: submit_many(one.store, CLERK, [valid_request()]),
        2: submit_many(two.store, CLERK, [valid_request() for _ in range(3)]),
        102: submit_many(elsewhere.store, CLERK, [valid_request()]),
    }
    for desk in (one, two, elsewhere):
        desk.sync()
    return {1: one, 2: two}, numbers


@pytest.fixture
def open_window(qtbot: Any, answers: list[str]) -> Any:
    """Factory: the real main window over a store, closed (its workers ended) afterwards."""
    from tawasul_desktop.gui.app import build_window, make_application

    made: list[Any] = []

    def make(settings: Settings, store: Store) -> Any:
        window = build_window(make_application(["test"]), settings, store)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
        workspace = getattr(window, "supervision", None)
        if workspace is not None and workspace.store is not window.store:
            workspace.store.close()  # the window leaves its central pool open
    workers.wait_for_all()


def supervision_of(qtbot: Any, window: Any) -> SupervisorWorkspace:
    """The supervision tab once central has said which queue it reads, its queue read."""
    qtbot.waitUntil(
        lambda: window.supervision is not None and window.tabs.indexOf(window.supervision) >= 0,
        timeout=15000,
    )
    workspace: SupervisorWorkspace = window.supervision
    window.tabs.setCurrentWidget(workspace)
    qtbot.waitUntil(workspace.model.idle, timeout=10000)
    return workspace


def role_of(settings: Settings) -> str:
    return str(conninfo_to_dict(settings.central_dsn)["user"])


def connections(central: CentralDb, role: str) -> int:
    return central.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", role)


def shown(workspace: SupervisorWorkspace) -> dict[str, Any]:
    model = workspace.model
    rows = [model.row_at(r) for r in range(model.rowCount())]
    return {r.number: r for r in rows if r is not None}


def test_a_supervisor_works_the_central_queue_and_a_clerk_never_sees_it(
    qtbot, central, counters, supervisor_desk, open_window, answers
):
    desks, numbers = counters
    settings, store = supervisor_desk
    window = open_window(settings, store)

    sign_in(qtbot, window, "amal")
    workspace = supervision_of(qtbot, window)
    assert workspace.store.central is not None
    assert workspace.store.engine.dialect.name == "postgresql"
    assert not workspace.notice.isVisible()  # the queue reads where it should: nothing to say
    queue = shown(workspace)
    # Every counter of the centre, none of it at this desk; never another centre's.
    assert set(queue) == set(numbers[1] + numbers[2])
    assert workspace.model.total == 4
    assert ops.count_requests(store, ops.RequestFilter()) == 0
    assert {queue[n].counter for n in numbers[2]} == {2}

    # Accept one of counter 2's requests, clicking as the supervisor would.
    target = numbers[2][1]
    workspace.select_rows([list(queue).index(target)])
    with qtbot.waitSignal(workspace.decided, timeout=10000) as decided:
        qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
    assert decided.args[0].done == [target] and not decided.args[0].refused, answers
    assert central.scalar("SELECT status FROM requests WHERE number = %s", target) == "accepted"
    role = central.scalar("SELECT role_name FROM counters WHERE kind = 'supervisor'")
    assert (
        central.scalar(
            "SELECT payload->>'actor' || ' as ' || origin FROM ops WHERE kind = %s",
            hub.CENTRAL_DECISION,
        )
        == f"amal as {role}"
    )
    qtbot.waitUntil(
        lambda: workspace.model.idle() and shown(workspace)[target].status == "accepted",
        timeout=10000,
    )

    # Claim another: central now holds it in amal's hands.
    claimed = numbers[1][0]
    workspace.select_rows([list(shown(workspace)).index(claimed)])
    with qtbot.waitSignal(workspace.decided, timeout=10000) as assigned:
        qtbot.mouseClick(workspace.claim_button, Qt.MouseButton.LeftButton)
    assert assigned.args[0].done == [claimed], answers
    assert central.scalar("SELECT assignee FROM requests WHERE number = %s", claimed) == "amal"

    # The decision flows down to the counter that took the request. A desk reads only
    # changes older than every running transaction on the server, so sync until it has.
    def arrived() -> bool:
        desks[2].sync()
        return ops.get_request(desks[2].store, target).status == "accepted"

    qtbot.waitUntil(arrived, timeout=15000)
    assert ops.get_request(desks[2].store, target).decided_by == "amal"

    # A clerk at the same desk: the session menu's sign-out, then the real sign-in.
    window.action_logout.trigger()
    assert window.tabs.indexOf(workspace) == -1
    sign_in(qtbot, window, "noura")
    assert window.actor.role == "clerk"
    assert window.tabs.indexOf(workspace) == -1 and window.tabs.count() == 2
    assert workspace.actor is None and workspace.model.rowCount() == 0
    assert answers == []


def test_a_clerk_alone_never_opens_the_workspace_or_central_queue(
    qtbot, counters, supervisor_desk, open_window
):
    window = open_window(*supervisor_desk)
    sign_in(qtbot, window, "noura")
    assert window.tabs.count() == 2
    assert getattr(window, "supervision", None) is None
    assert window.findChild(SupervisorWorkspace) is None


def test_on_a_counters_desk_the_queue_is_the_desks_own_and_says_why(
    qtbot, central, counters, open_window, answers
):
    desks, numbers = counters
    desk = desks[1]  # [central] dsn: counter 101-01's own role, as sync needs it
    add_local_users(desk.store, ("huda", "supervisor"))
    window = open_window(desk.store.settings, desk.store)
    target = numbers[1][0]  # taken at this desk
    with qtbot.captureExceptions() as raised:
        sign_in(qtbot, window, "huda")
        workspace = supervision_of(qtbot, window)
        # Not central (its counter role may not decide, assign or keep filters): this desk.
        assert workspace.store is desk.store and workspace.store.central is None
        assert set(shown(workspace)) == set(numbers[1])
        ar, en = message("queue.local_counter_role_no_decisions",
                         role=f"\u2068{desk.role}\u2069")
        assert workspace.notice.isVisible() and workspace.notice.text() == ar
        window.action_english.trigger()  # each widget retranslates when Qt's event arrives
        qtbot.waitUntil(lambda: workspace.notice.text() == en, timeout=2000)
        window.action_arabic.trigger()
        qtbot.waitUntil(lambda: workspace.notice.text() == ar, timeout=2000)

        # Central would refuse this counter's decisions at the next sync and put the request
        # back: none are taken here, by button or by a direct call.
        workspace.select_rows([list(shown(workspace)).index(target)])
        assert all(not b.isEnabled() for b in workspace._decision_buttons)
        workspace.accept_selected()
        workspace.claim_selected()
        workers.wait_for_all()
    assert [f"{type(exc).__name__}: {exc}" for _, exc, _ in raised] == []
    assert ops.get_request(desk.store, target).status == "submitted"
    assert ops.get_request(desk.store, target).assignee is None
    assert answers == []
    # The desk still syncs as the counter it is.
    corner = window.sync_status
    qtbot.waitUntil(lambda: corner.last_report is not None, timeout=15000)
    assert corner.last_report.ok and not corner.loop.state.supervisor_desk


def test_a_counter_that_may_decide_takes_decisions_that_central_keeps(
    qtbot, central, desks, valid_request, open_window, answers
):
    desk = desks("101", 5, may_decide=True)  # `add-counter --may-decide`
    (target,) = submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    add_local_users(desk.store, ("huda", "supervisor"))
    window = open_window(desk.store.settings, desk.store)
    with qtbot.captureExceptions() as raised:
        sign_in(qtbot, window, "huda")
        workspace = supervision_of(qtbot, window)
        assert workspace.store is desk.store and workspace.decisions
        ar, _ = message("queue.local_counter_role", role=f"\u2068{desk.role}\u2069")
        assert workspace.notice.text() == ar
        workspace.select_rows([list(shown(workspace)).index(target)])
        # Deciding goes up with the next sync; an assignment here never would: it is off.
        assert workspace.accept_button.isEnabled()
        assert not workspace.claim_button.isEnabled() and not workspace.assign_button.isEnabled()
        workspace.claim_selected()
        with qtbot.waitSignal(workspace.decided, timeout=10000) as decided:
            qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
        workers.wait_for_all()
    assert [f"{type(exc).__name__}: {exc}" for _, exc, _ in raised] == []
    assert decided.args[0].done == [target] and not decided.args[0].refused, answers
    assert ops.get_request(desk.store, target).decided_by == "huda"
    assert ops.get_request(desk.store, target).assignee is None
    desk.engine.run_once()  # sent up: central takes it, the desk keeps it
    assert central.scalar("SELECT status FROM requests WHERE number = %s", target) == "accepted"
    assert ops.get_request(desk.store, target).status == "accepted"
    assert answers == []


def test_an_unreachable_central_at_sign_in_gives_this_desks_queue_and_the_reason(
    qtbot, offline_desk, valid_request, open_window, answers
):
    store = offline_desk
    mine = submit_many(store, CLERK, [valid_request(), valid_request()])
    window = open_window(store.settings, store)
    sign_in(qtbot, window, "huda")
    workspace = supervision_of(qtbot, window)
    assert workspace.store is store
    assert set(shown(workspace)) == set(mine)
    text = workspace.notice.text()
    # The server's words isolated, so they keep their order inside the Arabic sentence.
    assert workspace.notice.isVisible()
    assert text.startswith("تعذر الوصول إلى الخادم المركزي (\u2068")
    assert "127.0.0.1" in text and "طلبات هذا الجهاز فقط" in text  # the reason, and what it means

    target = workspace.model.row_at(0).number
    workspace.select_rows([0])
    assert not workspace.claim_button.isEnabled()  # it would never reach central
    with qtbot.waitSignal(workspace.decided, timeout=10000) as decided:
        qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
    assert decided.args[0].done == [target] and answers == []
    assert ops.get_request(store, target).status == "accepted"

    # Signed out: the next supervisor's sign-in asks central again.
    window.action_logout.trigger()
    assert window.supervision is None and window.tabs.indexOf(workspace) == -1
    sign_in(qtbot, window, "huda")
    again = supervision_of(qtbot, window)
    assert again is not workspace and again.notice.isVisible()


def test_a_silent_central_never_freezes_the_sign_in(
    qtbot, tmp_path, clean_env, silent_central, open_window, answers
):
    settings = desk_settings(tmp_path, "silent-desk", silent_central.dsn)
    with Store.open(settings) as store:
        add_local_users(store, ("huda", "supervisor"))
        window = open_window(settings, store)
        sign_in(qtbot, window, "huda")  # returns while central has not said a word
        assert window.supervision is None  # the workspace waits for central's answer
        qtbot.waitUntil(silent_central.asked.is_set, timeout=30_000)
        # While central stays silent the window goes on handling events: a timer fires again
        # and again (the desk's own connect_timeout may end the wait meanwhile, on a slow run).
        ticks: list[int] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(len(ticks)))
        timer.start(20)
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=30_000)
        timer.stop()
        # The workspace comes when central gives up, saying it could not be reached.
        silent_central.give_up.set()
        workspace = supervision_of(qtbot, window)
        assert workspace.store is store and workspace.notice.isVisible()
        window.close()


def revoke(central: CentralDb, privilege: str, table: str) -> list[str]:
    """Take ``privilege`` on ``table`` from the supervisors' group; give back what to grant."""
    group = f"{central.prefix}_supervisor"
    with central.admin() as conn:
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.column_privileges WHERE table_name = %s "
            "AND grantee = %s AND privilege_type = %s ORDER BY column_name",
            (table, group, privilege))]
        conn.execute(f'REVOKE {privilege} ON {table} FROM "{group}"')
    return columns


def grant(central: CentralDb, privilege: str, table: str, columns: list[str]) -> None:
    group = f"{central.prefix}_supervisor"
    with central.admin() as conn:
        conn.execute(f'GRANT {privilege} ({", ".join(columns)}) ON {table} TO "{group}"')


def test_a_central_failure_during_a_decision_is_told_and_the_queue_read_again(
    qtbot, central, counters, supervisor_desk, open_window, answers
):
    _desks, numbers = counters
    window = open_window(*supervisor_desk)
    sign_in(qtbot, window, "amal")
    workspace = supervision_of(qtbot, window)
    targets = sorted(numbers[2][:2])
    workspace.select_rows([list(shown(workspace)).index(n) for n in targets])

    columns = revoke(central, "UPDATE", "requests")  # between reading and deciding
    try:
        with qtbot.waitSignal(workspace.decided, timeout=10000) as decided:
            qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
    finally:
        grant(central, "UPDATE", "requests", columns)
    outcome = decided.args[0]
    assert outcome.done == [] and [n for n, _ in outcome.refused] == targets
    assert [p.code for _, p in outcome.refused] == ["queue.central_refused", "queue.not_attempted"]
    (told,) = answers
    assert told.startswith("رفض الخادم المركزي العملية: \u2068permission denied")
    assert message("queue.central_bulk_summary", done=0, not_done=2)[0] in told
    assert {central.scalar("SELECT status FROM requests WHERE number = %s", n)
            for n in targets} == {"submitted"}
    qtbot.waitUntil(workspace.model.idle, timeout=10000)  # read again
    assert {shown(workspace)[n].status for n in targets} == {"submitted"}

    # Nothing is stuck: with the grant back the same decision goes through.
    answers.clear()
    workspace.select_rows([list(shown(workspace)).index(targets[0])])
    with qtbot.waitSignal(workspace.decided, timeout=10000) as again:
        qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
    assert again.args[0].done == [targets[0]] and answers == []
    assert central.scalar("SELECT status FROM requests WHERE number = %s", targets[0]) == "accepted"


def test_supervisors_and_saved_filters_failing_at_central_are_told(
    qtbot, central, counters, supervisor_desk, open_window, answers
):
    _desks, numbers = counters
    window = open_window(*supervisor_desk)
    users = revoke(central, "SELECT", "users")
    filters = revoke(central, "INSERT", "saved_filters")
    try:
        sign_in(qtbot, window, "amal")
        workspace = supervision_of(qtbot, window)
        # The queue still reads; the supervisors could not be, and that is said.
        assert len(shown(workspace)) == 4 and workspace.supervisors == []
        assert workspace.notice.isVisible()
        assert workspace.notice.text().startswith(
            "تعذرت قراءة قائمة المشرفين (\u2068permission denied")

        qtbot.waitUntil(lambda: not workers.busy(), timeout=5000)
        workspace.filters.ask_name = lambda *_a: "overdue"
        workspace.filters.save_button.click()
        qtbot.waitUntil(lambda: bool(answers) and not workers.busy(), timeout=10000)
        assert len(answers) == 1 and answers[0].startswith("رفض الخادم المركزي العملية")
        assert workspace.filters.saved == []
    finally:
        grant(central, "SELECT", "users", users)
        grant(central, "INSERT", "saved_filters", filters)


def test_signing_out_and_quitting_close_the_central_pool(
    qtbot, central, counters, supervisor_desk, open_window
):
    settings, store = supervisor_desk
    role = role_of(settings)
    window = open_window(settings, store)
    # This desk's role is a supervisor's: the sync corner says so calmly and stops trying.
    corner = window.sync_status
    qtbot.waitUntil(lambda: corner.last_report is not None, timeout=15000)
    assert corner.loop.dormant and corner.last_report.ok and not corner.button.isVisible()
    assert corner.tr("Central: this is a supervisor's desk; the queue reads central directly, "
                     "nothing to send") in corner.label.text()

    sign_in(qtbot, window, "amal")
    workspace = supervision_of(qtbot, window)
    assert connections(central, role) >= 1  # the queue's pool
    window.action_logout.trigger()
    qtbot.waitUntil(lambda: connections(central, role) == 0, timeout=10000)

    sign_in(qtbot, window, "amal")  # the same workspace reads central again
    assert supervision_of(qtbot, window) is workspace and len(shown(workspace)) == 4
    assert connections(central, role) >= 1
    window.close()
    qtbot.waitUntil(lambda: connections(central, role) == 0, timeout=10000)


def test_a_queue_central_cannot_read_says_so_and_reads_again_on_a_filter_change(
    qtbot, central, counters, supervisor_desk, open_window, answers
):
    window = open_window(*supervisor_desk)
    sign_in(qtbot, window, "amal")
    workspace = supervision_of(qtbot, window)
    columns = revoke(central, "SELECT", "requests")
    try:
        workspace.filters.counter.setValue(2)
        qtbot.waitUntil(lambda: workspace.notice.isVisible(), timeout=10000)
        assert workspace.notice.text().startswith("تعذرت قراءة القائمة (\u2068permission denied")
        assert answers == []  # not modal: scrolling would ask again and again
    finally:
        grant(central, "SELECT", "requests", columns)
    workspace.filters.counter.setValue(0)
    qtbot.waitUntil(lambda: workspace.model.idle() and not workspace.notice.isVisible(),
                    timeout=10000)
    assert len(shown(workspace)) == 4
