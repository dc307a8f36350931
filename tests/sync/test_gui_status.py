"""The desktop's sync corner over a real desk and a real central PostgreSQL."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from synchelp import CLERK  # noqa: E402

from tawasul_desktop.gui.sync_status import SyncStatusWidget  # noqa: E402
from tawasul_desktop.storage import requests as ops  # noqa: E402
from tawasul_desktop.sync.connection import CentralTarget  # noqa: E402
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
    assert f"pending: {pending}" in widget.label.text()
    first = widget.last_report
    widget.button.click()
    qtbot.waitUntil(lambda: widget.last_report is not first, timeout=15000)
    assert widget.last_report.ok and widget.last_report.pushed >= 1
    assert "Central: online" in widget.label.text()
    assert "pending: 0" in widget.label.text()
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
    qtbot.waitUntil(lambda: widget.loop.failures >= 3, timeout=20000)
    assert len(shown) == 1  # the same error, shown once, while the loop keeps retrying
    assert "Central: offline" in widget.label.text()
    widget.stop()
