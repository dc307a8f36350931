"""Garbage collection happens on the GUI thread only, however much cyclic garbage the
workers make (the cause of a segmentation fault in a QThreadPool worker during a test run).

Workers of gui/workers.py build reference cycles holding Qt wrappers while the GUI thread
runs its event loop and drops cycles holding its own widgets and timers; every collection
the interpreter runs is recorded with the thread it ran on.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel

from tawasul_desktop.gui import workers
from tawasul_desktop.gui.app import make_application

REPO = Path(__file__).resolve().parents[2]


class _Cycle:
    def __init__(self, payload: object) -> None:
        self.payload = payload
        self.me = self


def _worker_garbage(rounds: int = 3000) -> int:
    for _ in range(rounds):
        _Cycle(QImage(2, 2, QImage.Format.Format_RGB32))
        _Cycle(QObject())
        _Cycle([_Cycle(None) for _ in range(3)])
    return rounds


def _gui_garbage(app: QApplication) -> None:
    for _ in range(50):
        label = QLabel("x")
        timer = QTimer(label)
        timer.start(100_000)
        label.cycle, label.timer = label, timer  # type: ignore[attr-defined]


def test_collections_run_on_the_gui_thread_only(qtbot):
    app = make_application()
    threads: list[int] = []

    def record(phase: str, _info: dict) -> None:
        if phase == "start":
            threads.append(threading.get_ident())

    gc.callbacks.append(record)
    try:
        tasks = [workers.run_task(_worker_garbage, lambda _r: None, lambda _e: None)
                 for _ in range(8)]
        qtbot.waitUntil(lambda: (_gui_garbage(app), not workers.busy())[1], timeout=60_000)
        assert all(t.signals is not None for t in tasks)
        qtbot.waitUntil(lambda: len(threads) > 0, timeout=5_000)  # the GUI timer's turn
    finally:
        gc.callbacks.remove(record)
    assert set(threads) == {threading.main_thread().ident}, (
        f"{sum(t != threading.main_thread().ident for t in threads)} of {len(threads)} "
        "collections ran on a worker thread")
    assert not gc.isenabled(), "automatic collection must be off in the GUI process"


STRESS = """
import sys, threading
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel
from tawasul_desktop.gui import workers
from tawasul_desktop.gui.app import make_application

class Cycle:
    def __init__(self, payload): self.payload, self.me = payload, self

def garbage():
    for _ in range(4000):
        Cycle(QImage(2, 2, QImage.Format.Format_RGB32)); Cycle(QObject())
app = make_application(["stress"])
left = [40]
def round_():
    for _ in range(30):
        label = QLabel("x"); timer = QTimer(label); timer.start(100000)
        label.cycle, label.timer = label, timer  # freed by whichever thread collects
    if left[0] > 0:
        left[0] -= 1
        workers.run_task(garbage, lambda _r: None, lambda _e: None)
        QTimer.singleShot(5, round_)
    elif not workers.busy():
        app.quit()
    else:
        QTimer.singleShot(20, round_)
QTimer.singleShot(0, round_)
app.exec()
print("survived")
"""


def test_gui_process_survives_garbage_from_workers(tmp_path):
    """The same churn in a real GUI process of its own (a crash kills only it). Before the
    fix it died with SIGSEGV (exit -11) in two runs out of two: a worker's collection freed
    a label and its running timer that belonged to the GUI thread."""
    ran = subprocess.run([sys.executable, "-c", STRESS], capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
                              "PATH": "/usr/bin:/bin"}, timeout=300, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "survived" in ran.stdout
