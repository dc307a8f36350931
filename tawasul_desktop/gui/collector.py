"""Python's cyclic garbage collection, run only on the GUI thread.

With automatic collection on, whichever thread happens to allocate past the threshold runs
the collector, and may free Qt wrappers (widgets, timers, models) the GUI thread owns from a
worker of the QThreadPool: a segmentation fault at a random moment. As long-running PySide
and PyQt applications do, automatic collection is turned off in the GUI process and a timer
on the GUI thread collects, by generation, when the counts pass the usual thresholds.
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

log = logging.getLogger(__name__)
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setObjectName("guiThreadCollector")
        self.timer.timeout.connect(self.check)
        gc.disable()
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds (cheap when none)."""
        first, second, third = gc.get_count()
        if first > self.threshold[0]:
            generation = 0
            if second > self.threshold[1]:
                generation = 2 if third > self.threshold[2] else 1
            gc.collect(generation)


def install_gui_collector(app: QCoreApplication) -> GuiThreadCollector:
    """Turn automatic collection off and collect from a timer on ``app``'s thread (once)."""
    assert QThread.currentThread() is app.thread(), "install from the GUI thread"
    existing = app.findChild(GuiThreadCollector)
    if isinstance(existing, GuiThreadCollector):
        gc.disable()
        return existing
    return GuiThreadCollector(app)
