"""A worker's answer that arrives after its widget is gone is dropped: before, the handler's
own signal raised "Signal source has been deleted" in the event loop (seen in a full run, in
whichever GUI test came next)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import delete, isValid

from tawasul_desktop.gui import workers


class Pane(QWidget):
    loaded = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[object] = []

    def on_done(self, value: object) -> None:
        self.answers.append(value)
        self.loaded.emit(value)

    def on_failed(self, exc: BaseException) -> None:
        self.loaded.emit(exc)


def _started(release: threading.Event):
    def work() -> str:
        release.wait()
        return "late"
    return work


def test_an_answer_for_a_deleted_pane_is_dropped(qtbot) -> None:
    release = threading.Event()
    pane = Pane()
    workers.run_task(_started(release), pane.on_done, pane.on_failed)
    delete(pane)  # the window closed while the task was still reading
    assert not isValid(pane)
    release.set()
    qtbot.waitUntil(lambda: not workers.busy())  # its answer came back, and was dropped


def test_a_lambda_over_a_deleted_pane_is_dropped(qtbot) -> None:
    release = threading.Event()
    pane = Pane()
    workers.run_task(_started(release), lambda v: pane.on_done(v), pane.on_failed)
    delete(pane)
    release.set()
    qtbot.waitUntil(lambda: not workers.busy())


def test_a_live_pane_still_gets_its_answer(qtbot) -> None:
    release = threading.Event()
    pane = Pane()
    other = QObject()  # a lambda may close over other Qt objects too; all alive here
    workers.run_task(_started(release), lambda v: (other, pane.on_done(v)), pane.on_failed)
    with qtbot.waitSignal(pane.loaded):
        release.set()
    assert pane.answers == ["late"]
    qtbot.waitUntil(lambda: not workers.busy())
