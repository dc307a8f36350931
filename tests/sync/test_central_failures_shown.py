"""Central refusing or dropping a read while the detail pane or the dashboard asks: the user
is told in their language, the widgets keep working, and the next read succeeds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from synchelp import CLERK, CentralDb, submit_many, supervisor_store

from tawasul_desktop.domain.messages import message
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.gui.supervisor.dashboard import DashboardPage
from tawasul_desktop.gui.supervisor.detail import DetailPane
from tawasul_desktop.storage.users import Actor

AMAL = Actor("amal", "supervisor", "Amal")


@pytest.fixture
def world(desks: Any, central: CentralDb, valid_request: Any) -> Any:
    desk = desks("101", 1)
    numbers = submit_many(desk.store, CLERK, [valid_request() for _ in range(2)])
    desk.sync()
    boss = supervisor_store(central, desk.store)
    yield boss, numbers
    workers.wait_for_all()  # none may still read central into the next test's TRUNCATE
    boss.close()


@pytest.fixture
def refused(central: CentralDb) -> Any:
    """Take the supervisors' read of requests away (as a misconfigured grant would), and give
    it back afterwards."""
    group = f'"{central.prefix}_supervisor"'

    def take() -> None:
        with central.admin() as conn:
            conn.execute(f"REVOKE SELECT ON requests FROM {group}")

    yield take
    with central.admin() as conn:
        conn.execute(f"GRANT SELECT ON requests TO {group}")


def refusal_text(language: str) -> str:
    # The message's fixed part, before the server's own words.
    ar, en = message("queue.central_refused", reason="\u2068X\u2069")
    return (ar if language == "ar" else en).split("\u2068")[0]


def test_the_detail_pane_says_central_refused(qtbot: Any, world: Any, refused: Any) -> None:
    boss, numbers = world
    pane = DetailPane(boss, lambda: "ar", lambda: dt.datetime.now(dt.UTC))
    qtbot.addWidget(pane)
    refused()
    with qtbot.captureExceptions() as raised:
        pane.show_request(numbers[0])
        qtbot.waitUntil(lambda: refusal_text("ar") in pane.text.toPlainText(), timeout=5000)
        workers.wait_for_all()
    assert raised == [] and pane.detail is None


def test_the_detail_pane_reads_again_once_central_answers(qtbot: Any, world: Any,
                                                          central: CentralDb) -> None:
    boss, numbers = world
    pane = DetailPane(boss, lambda: "en", lambda: dt.datetime.now(dt.UTC))
    qtbot.addWidget(pane)
    group = f'"{central.prefix}_supervisor"'
    with central.admin() as conn:
        conn.execute(f"REVOKE SELECT ON requests FROM {group}")
    try:
        pane.show_request(numbers[0])
        qtbot.waitUntil(lambda: refusal_text("en") in pane.text.toPlainText(), timeout=5000)
    finally:
        with central.admin() as conn:
            conn.execute(f"GRANT SELECT ON requests TO {group}")
    pane.show_request(numbers[1])
    qtbot.waitUntil(lambda: pane.detail is not None, timeout=5000)
    assert pane.detail.request.number == numbers[1]


def test_the_dashboard_says_central_refused_and_refreshes_later(
        qtbot: Any, world: Any, refused: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    boss, _ = world
    warned: list[str] = []
    monkeypatch.setattr(dialogs, "warn", lambda _parent, _title, text: warned.append(text))
    page = DashboardPage(boss, lambda: "ar", lambda: dt.datetime.now(dt.UTC))
    qtbot.addWidget(page)
    refused()
    with qtbot.captureExceptions() as raised:
        page.set_actor(AMAL)
        page.refresh()
        qtbot.waitUntil(lambda: bool(warned), timeout=10000)
        workers.wait_for_all()
    assert raised == [] and refusal_text("ar") in warned[0]
    assert page.refresh_button.isEnabled() and not page.loading


def test_a_supervisor_session_never_holds_the_feed_back_for_long(world: Any) -> None:
    # An idle transaction would hold back every counter's pull (sync.central.pull_changes).
    boss, _ = world
    with boss.read() as session:
        setting = session.connection().exec_driver_sql(
            "SHOW idle_in_transaction_session_timeout").scalar_one()
        jit = session.connection().exec_driver_sql("SHOW jit").scalar_one()
    assert (setting, jit) == ("1min", "off")
