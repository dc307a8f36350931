"""The desktop's sync corner over a real desk and a real central PostgreSQL."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from synchelp import CLERK  # noqa: E402

from tawasul_desktop.central.connection import CentralTarget  # noqa: E402
from tawasul_desktop.domain.bidi import fill, plain  # noqa: E402
from tawasul_desktop.gui.sync_status import SyncStatusWidget  # noqa: E402
from tawasul_desktop.storage import requests as ops  # noqa: E402
from tawasul_desktop.sync.engine import SyncEngine  # noqa: E402


def test_pending_work_goes_up_on_sync_now(qtbot, desks, central, valid_request):
    desk = desks()
    widget = SyncStatusWidget(desk.engine, interval=3600, timezone="Asia/Riyadh")
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.last_report is not None, timeout=15000)  # the first pass
    summary = ops.submit_request(desk.store, CLERK, valid_request())
    widget.refresh()
    pending = widget.loop.state.pending
    assert pending >= 1  # the request and its attachment files
    assert fill(widget.tr("pending: %1"), pending) in widget.label.text()
    first = widget.last_report
    widget.button.click()
    qtbot.waitUntil(lambda: widget.last_report is not first, timeout=15000)
    assert widget.last_report.ok and widget.last_report.pushed >= 1
    assert widget.tr("Central: online") in widget.label.text()
    assert fill(widget.tr("pending: %1"), 0) in widget.label.text()
    number = summary.number.replace("-", "")
    assert central.scalar("SELECT count(*) FROM requests WHERE number = %s", number) == 1
    widget.stop()


def test_an_unreachable_central_is_reported_once_and_retried(qtbot, tmp_path, desks, valid_request):
    desk = desks()
    offline = SyncEngine(desk.store, CentralTarget("postgresql://nobody@127.0.0.1:1/none"))
    widget = SyncStatusWidget(offline, interval=3600, timezone="Asia/Riyadh")
    widget.loop.first_retry = 0.05  # retry fast in the test; the real first retry waits 5 s
    qtbot.addWidget(widget)
    shown: list[str] = []
    widget.error_shown.connect(shown.append)
    # Count the reports the window has handled, not the loop's failures: the loop counts in its
    # own thread, and its reports reach the window later (late on a loaded machine).
    handled: list[object] = []
    # Queued, as the widget's own slot is: run on the GUI thread, after that slot.
    widget._bridge.report.connect(handled.append, Qt.ConnectionType.QueuedConnection)
    qtbot.waitUntil(lambda: len(handled) >= 3, timeout=20000)
    assert not any(report.ok for report in handled)
    assert len(shown) == 1  # the same error, shown once, while the loop keeps retrying
    assert widget.tr("Central: offline") in widget.label.text()
    widget.stop()


def test_the_main_window_shows_sync_state_when_central_is_configured(qtbot, desks):
    from tawasul_desktop.gui.app import build_window, make_application

    desk = desks()
    app = make_application(["test"])
    window = build_window(app, desk.store.settings, desk.store)
    qtbot.addWidget(window)
    window.show()
    corner = window.sync_status
    assert corner is not None and corner.parent() is not None
    qtbot.waitUntil(lambda: corner.last_report is not None, timeout=15000)
    assert corner.last_report.ok
    assert corner.label.isVisible() and corner.label.text()
    window.close()
    assert not corner.loop._thread.is_alive()  # closing the window ends the sync thread


def test_no_central_no_sync_corner(qtbot, tmp_path, clean_env):
    from tawasul_desktop.config import load_settings
    from tawasul_desktop.gui.app import build_window, make_application
    from tawasul_desktop.storage.store import Store

    settings = load_settings(tmp_path / "none.toml", db=tmp_path / "s.sqlite3", data_dir=tmp_path)
    with Store.open(settings) as store:
        window = build_window(make_application(["test"]), settings, store)
        qtbot.addWidget(window)
        assert window.sync_status is None
        window.close()


def test_a_conflict_is_shown_with_its_reason(qtbot, desks, central, valid_request, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    from synchelp import POLICY, submit_many

    from tawasul_desktop.central import operations as hub
    from tawasul_desktop.domain.lifecycle import Action

    desk = desks()
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    with central.admin() as conn:
        hub.decide(conn, number, Action.ACCEPT, actor="amal", policy=POLICY)
    ops.transition(desk.store, CLERK, number, Action.WITHDRAW, reason="لم يعد بحاجة")
    widget = SyncStatusWidget(desk.engine, interval=3600, timezone="Asia/Riyadh")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.last_report is not None, timeout=15000)
    assert widget.refused_button.isVisible()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    widget.refused_button.click()
    assert len(shown) == 1 and number in shown[0]
    assert (
        desk.engine.refused()[0].message_en in shown[0]
        or desk.engine.refused()[0].message_ar in shown[0]
    )
    widget.stop()


def test_a_supervisors_desk_shows_a_calm_state_not_an_error(qtbot, desks, central):
    from tawasul_desktop.central import admin

    desk = desks()
    with central.admin() as conn:
        role, _ = admin.add_supervisor(conn, "101", "amal")
    widget = SyncStatusWidget(SyncEngine(desk.store, central.target(role)), interval=0.05,
                              timezone="Asia/Riyadh")
    widget.loop.first_retry = 0.05
    qtbot.addWidget(widget)
    widget.show()
    shown: list[str] = []
    widget.error_shown.connect(shown.append)
    qtbot.waitUntil(lambda: widget.last_report is not None, timeout=15000)
    assert widget.last_report.ok and widget.last_report.supervisor_desk
    calm = widget.tr("Central: this is a supervisor's desk; the queue reads central directly, "
                     "nothing to send")
    assert widget.label.text() == calm and widget.label.toolTip() == ""
    assert not widget.button.isVisible()  # nothing to sync now
    qtbot.wait(300)  # six intervals: the loop does not try again
    assert widget.loop.dormant and widget.loop.failures == 0 and shown == []
    assert widget.label.text() == calm
    widget.stop()


def test_the_corner_tells_a_desk_behind_central_and_a_wrong_clock(qtbot, desks, central,
                                                                  valid_request):
    import datetime as dt

    from PySide6.QtCore import Qt
    from synchelp import POLICY, submit_many, wait_for_feed

    from tawasul_desktop.central import operations as hub
    from tawasul_desktop.domain.bidi import ltr
    from tawasul_desktop.domain.clock import describe_skew
    from tawasul_desktop.domain.lifecycle import Action
    from tawasul_desktop.sync import local

    desk = desks(clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=4))
    (number,) = submit_many(desk.store, CLERK, [valid_request()])
    desk.sync()
    with central.admin() as conn:
        hub.decide(conn, number, Action.ACCEPT, actor="amal", policy=POLICY)
    wait_for_feed(central)
    horizon = central.scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
    with desk.store.write() as session:  # the cursor passed the decision by (the old bug)
        state = local.sync_state(session)
        state.pull_xid, state.pull_id = horizon, 0
    widget = SyncStatusWidget(desk.engine, interval=3600, timezone="Asia/Riyadh")
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.last_report is not None, timeout=15000)  # checks the feed
    text = widget.label.text()
    assert widget.tr("behind central: %1 change(s)").replace("%1", ltr(1)) in text
    ar, en = describe_skew(-4 * 86400)  # "4 days ahead", in the interface's language
    assert (en if widget.layoutDirection() == Qt.LayoutDirection.LeftToRight else ar) in text
    assert "4 days ahead" in plain(en)
    widget.stop()
