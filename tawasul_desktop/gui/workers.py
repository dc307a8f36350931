"""Run slow work (password hashing, database writes and look-ups) off the GUI thread.

A task's function runs in the global QThreadPool and must not touch widgets; its result or
exception comes back through a signal, delivered on the GUI thread. Tasks outlive widgets (a
window closed, a pane re-rendered on a language switch): an answer for a Qt object that is
gone by then is dropped, or its handler's own signals would raise "Signal source has been
deleted" in the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

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


def _owners(callback: Callable[..., Any]) -> list[QObject]:
    """The Qt objects a handler works on: a bound method's object, or those a lambda or a
    nested function closes over (``lambda r: self._on_x(n, r)``). A signal's own ``emit``
    does not name its object: pass ``lambda r: self.done.emit(r)`` instead."""
    bound = getattr(callback, "__self__", None)
    if isinstance(bound, QObject):
        return [bound]
    cells = getattr(callback, "__closure__", None) or ()
    owners = []
    for cell in cells:
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, QObject):
            owners.append(value)
    return owners


def _while_alive(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    owners = _owners(callback)

    def deliver(value: Any) -> None:
        if all(isValid(owner) for owner in owners):
            callback(value)
        else:
            log.debug("a task's answer arrived after its window was closed: dropped")
    return deliver


def run_task(work: Callable[[], Any], on_done: Callable[[Any], None],
             on_failed: Callable[[BaseException], None]) -> Task:
    task = Task(work)
    _running.add(task)

    def finish(_: object) -> None:
        _running.discard(task)

    task.signals.done.connect(_while_alive(on_done))
    task.signals.failed.connect(_while_alive(on_failed))
    task.signals.done.connect(finish)
    task.signals.failed.connect(finish)
    QThreadPool.globalInstance().start(task)
    return task


def busy() -> bool:
    """Whether any task has not reported back yet (tests and shutdown wait on this)."""
    return bool(_running)


def wait_for_all(msecs: int = 10_000) -> bool:
    return QThreadPool.globalInstance().waitForDone(msecs)
