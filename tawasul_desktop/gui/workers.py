"""Run slow work (password hashing, database writes and look-ups) off the GUI thread.

A task's function runs in the global QThreadPool and must not touch widgets; its result or
exception comes back through a signal, delivered on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)
_running: set[Task] = set()


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class Task(QRunnable):
    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.work = work
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread to report
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


def run_task(work: Callable[[], Any], on_done: Callable[[Any], None],
             on_failed: Callable[[BaseException], None]) -> Task:
    task = Task(work)
    _running.add(task)

    def finish(_: object) -> None:
        _running.discard(task)

    task.signals.done.connect(on_done)
    task.signals.failed.connect(on_failed)
    task.signals.done.connect(finish)
    task.signals.failed.connect(finish)
    QThreadPool.globalInstance().start(task)
    return task


def busy() -> bool:
    """Whether any task has not reported back yet (tests and shutdown wait on this)."""
    return bool(_running)


def wait_for_all(msecs: int = 10_000) -> bool:
    return QThreadPool.globalInstance().waitForDone(msecs)
