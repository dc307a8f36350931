"""The status bar's sync corner: online/offline, pending work, last success, progress, "sync now".

Sync runs in the core's SyncLoop thread; its callbacks arrive here through queued signals, so
widgets are only touched on the GUI thread. An error is shown once (until a pass succeeds or
the error changes), and logged; the loop retries with backoff by itself. On a supervisor's
desk (its central role is a supervisor's) there is nothing to sync: the corner says so
calmly and "sync now" is hidden.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QToolButton,
    QWidget,
)

from tawasul_desktop.domain.bidi import fill, ltr
from tawasul_desktop.domain.clock import describe_skew, skew_too_large
from tawasul_desktop.sync.engine import SyncEngine, SyncLoop, SyncProgress, SyncReport

log = logging.getLogger(__name__)


class _Bridge(QObject):
    report = Signal(object)
    progress = Signal(object)


class SyncStatusWidget(QWidget):
    """Owns the SyncLoop of a desk; ``stop()`` ends it (the main window calls it on close)."""

    error_shown = Signal(str)  # the text shown to the clerk, once per distinct error

    def __init__(self, engine: SyncEngine, interval: float, timezone: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self._zone = ZoneInfo(timezone)
        self._bridge = _Bridge()
        self._bridge.report.connect(self._on_report, Qt.ConnectionType.QueuedConnection)
        self._bridge.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self.loop = SyncLoop(engine, interval, on_report=self._bridge.report.emit,
                             on_progress=self._bridge.progress.emit)
        self.label = QLabel(self)
        self.label.setObjectName("syncStateLabel")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("syncProgress")
        self.progress.setMaximumWidth(140)
        self.progress.hide()
        self.button = QToolButton(self)
        self.button.setObjectName("syncNowButton")
        self.button.clicked.connect(self.sync_now)
        # Refused operations are kept with their reasons; the clerk can read them here.
        self.refused_button = QToolButton(self)
        self.refused_button.setObjectName("syncRefusedButton")
        self.refused_button.clicked.connect(self.show_refused)
        self.refused_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.progress)
        layout.addWidget(self.refused_button)
        layout.addWidget(self.button)
        self.last_report: SyncReport | None = None
        self._shown_error: str | None = None
        # Pending work grows as the clerk submits; the count is a quick local query.
        self._refresh = QTimer(self)
        self._refresh.setInterval(5000)
        self._refresh.timeout.connect(self.refresh)
        self._refresh.start()
        self.retranslate()
        self.loop.start()
        # A widget deleted without stop() (its window destroyed) must not leave the thread
        # emitting into a deleted bridge.
        loop = self.loop
        self.destroyed.connect(lambda *_: loop.stop(timeout=5))

    def sync_now(self) -> None:
        self.loop.sync_now()

    def stop(self) -> None:
        self._refresh.stop()
        self.loop.stop()

    def _on_progress(self, progress: SyncProgress) -> None:
        # Only long transfers get a bar; a pass of a few operations would just flicker.
        if progress.total and progress.total > 50:
            self.progress.setMaximum(progress.total)
            self.progress.setValue(min(progress.done, progress.total))
            self.progress.show()

    def _on_report(self, report: SyncReport) -> None:
        self.last_report = report
        self.progress.hide()
        if report.ok:
            self._shown_error = None
        elif report.error and report.error != self._shown_error:
            self._shown_error = report.error
            log.warning("sync failed: %s", report.error)
            self.error_shown.emit(report.error)
            window = self.window()
            status_bar = getattr(window, "statusBar", None)
            if callable(status_bar):
                status_bar().showMessage(fill(self.tr("Sync failed; retrying: %1"),
                                                     report.error), 15000)
        self.refresh()

    def refresh(self) -> None:
        state = self.loop.state
        self.button.setVisible(not state.supervisor_desk)
        if state.supervisor_desk:
            parts = [self.tr("Central: this is a supervisor's desk; the queue reads central "
                             "directly, nothing to send")]
            if state.pending:  # made here all the same; only a counter's role sends it
                parts.append(fill(self.tr("pending: %1"), state.pending))
            self._show(parts, "")
            return
        if state.online is None:
            where = self.tr("Central: not yet reached")
        elif state.online:
            where = self.tr("Central: online")
        else:
            where = self.tr("Central: offline")
        parts = [where, fill(self.tr("pending: %1"), state.pending)]
        if state.refused:
            parts.append(fill(self.tr("refused: %1"), state.refused))
        self.refused_button.setVisible(bool(state.refused))
        if state.feed is not None and state.feed.behind:
            count = state.feed.missed or state.feed.waiting
            parts.append(fill(self.tr("behind central: %1 change(s)"), count))
        if skew_too_large(state.clock_skew_seconds):
            assert state.clock_skew_seconds is not None
            ar, en = describe_skew(state.clock_skew_seconds)
            rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
            parts.append(ar if rtl else en)
        if state.last_success_at is not None:
            local = state.last_success_at.astimezone(self._zone)
            stamp = local.strftime("%H:%M") if local.date() == dt.datetime.now(self._zone).date() \
                else local.strftime("%Y-%m-%d %H:%M")
            parts.append(fill(self.tr("last sync: %1"), stamp))
        self._show(parts, state.last_error or "")

    def _show(self, parts: list[str], tooltip: str) -> None:
        self.label.setText(" · ".join(parts))
        self.label.setToolTip(tooltip)
        # The user corner of the status bar stretches; keep this text whole beside it.
        self.label.setMinimumWidth(self.label.sizeHint().width())

    def refused_text(self) -> str:
        """Each refused operation: the request it concerns and why central refused it."""
        language = "en" if self.layoutDirection() == Qt.LayoutDirection.LeftToRight else "ar"
        lines = []
        for op in self.loop.engine.refused():
            reason = op.message_en if language == "en" else op.message_ar
            number = ltr(op.request_number) if op.request_number else "—"
            lines.append(f"{number}: {reason}")
        return "\n".join(lines)

    def show_refused(self) -> None:
        QMessageBox.information(self, self.tr("Refused by the central database"),
                                self.tr("These changes were refused and kept; the central "
                                        "state applies:") + "\n\n" + self.refused_text())

    def retranslate(self) -> None:
        self.refused_button.setText(self.tr("Refused…"))
        self.button.setText(self.tr("Sync now"))
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
