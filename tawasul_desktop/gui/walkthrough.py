"""Walk every screen of every role, offscreen: the self-check's proof that nothing is missing.

Used by ``tawasul-desktop --self-check`` (and so by the bundle test in CI). A scratch store
gets the demo accounts (counter, supervisor, administrator) and a few demo requests; then,
for each role in turn, the window signs it in and shows every tab and every wizard step,
and for the supervisory roles the queue, each decision dialog and the dashboard, whose
figures must arrive and whose charts must draw. A receipt is printed through Qt's printer
to a PDF file, as the counter's Print button would. Any exception raised in a slot on the
way (a module the bundle left out, a missing asset) fails the walk.

Each step adds one line to the report it returns; the first failure raises
``WalkthroughError`` naming the screen.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

from tawasul_desktop.config import Settings
from tawasul_desktop.gui import workers

ROLES = ("clerk", "supervisor", "admin")
DEMO_REQUESTS = 40
WAIT_SECONDS = 60.0


class WalkthroughError(RuntimeError):
    pass


class _Errors:
    """Exceptions raised in slots (Qt hands them to sys.excepthook) during the walk."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._previous = sys.excepthook

    def __enter__(self) -> _Errors:
        sys.excepthook = self._hook
        return self

    def __exit__(self, *_exc: object) -> None:
        sys.excepthook = self._previous

    def _hook(self, kind: type[BaseException], exc: BaseException,
              tb: TracebackType | None) -> None:
        self.seen.append("".join(traceback.format_exception_only(kind, exc)).strip())

    def check(self, where: str) -> None:
        if self.seen:
            found, self.seen = self.seen, []
            raise WalkthroughError(f"{where}: {found[0]}")


def settle(until: Callable[[], bool] | None = None, seconds: float = WAIT_SECONDS) -> None:
    """Run the event loop until no worker is busy (and ``until`` holds), or fail."""
    deadline = time.monotonic() + seconds
    while True:
        QCoreApplication.processEvents()
        if not workers.busy() and (until is None or until()):
            QCoreApplication.processEvents()
            return
        if time.monotonic() > deadline:
            raise WalkthroughError("a screen did not finish loading in time")
        time.sleep(0.01)


def _render(widget: QWidget, where: str) -> None:
    """Paint the widget as the screen would; an empty picture means it never drew."""
    image = widget.grab().toImage()
    if image.isNull() or image.width() < 10 or image.height() < 10:
        raise WalkthroughError(f"{where}: nothing was drawn")


def prepare_store(settings: Settings, scratch: Path):  # type: ignore[no-untyped-def]
    """A scratch store with the demo accounts and a few demo requests of every state."""
    from tawasul_desktop.storage.demo import ensure_demo_users, generate_demo_data
    from tawasul_desktop.storage.store import Store
    from tawasul_desktop.storage.users import Actor

    data = scratch / "walkthrough"
    settings = dataclasses.replace(settings, data_dir=data, db_path=data / "tawasul.sqlite3",
                                   central_dsn="", language="ar")
    store = Store.open(settings)
    setup = Actor("self-check", "admin")
    ensure_demo_users(store, setup)
    generate_demo_data(store, setup, DEMO_REQUESTS, seed=7)
    return store


def walk_every_screen(app: QApplication, settings: Settings, scratch: Path) -> list[str]:
    """Sign each role in and show every screen; return one line per screen shown."""
    from PySide6.QtGui import QPageSize
    from PySide6.QtPrintSupport import QPrinter

    from tawasul_desktop.gui.app import build_window
    from tawasul_desktop.gui.receipt_dialog import ReceiptDialog
    from tawasul_desktop.gui.setup_dialog import SetupDialog
    from tawasul_desktop.storage.demo import DEMO_PASSWORD
    from tawasul_desktop.storage.requests import RequestFilter, list_requests
    from tawasul_desktop.storage.users import login

    done: list[str] = []
    store = prepare_store(settings, scratch)
    window = build_window(app, store.settings, store)
    try:
        with _Errors() as errors:
            window.show()
            settle()
            _render(window, "sign-in")
            errors.check("sign-in")
            done.append("sign-in")
            for role in ROLES:
                window.on_signed_in(login(store, role, DEMO_PASSWORD))
                settle()
                errors.check(f"{role}: sign-in")
                shown = _walk_tabs(window, role, errors)
                done.append(f"{role}: {', '.join(shown)}")
                if role == "clerk":
                    number = list_requests(store, RequestFilter(), limit=1)[0].number
                    dialog = ReceiptDialog(store, window.actor, number, parent=window)  # type: ignore[arg-type]
                    dialog.show()
                    settle(lambda d=dialog: d.pdf is not None)  # type: ignore[misc]
                    errors.check("receipt preview")
                    _render(dialog, "receipt preview")
                    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
                    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
                    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
                    target = scratch / "walkthrough-receipt-printed.pdf"
                    printer.setOutputFileName(str(target))
                    dialog.print_to(printer)
                    dialog.close()
                    dialog.deleteLater()
                    printed = target.read_bytes() if target.exists() else b""
                    if not printed.startswith(b"%PDF") or len(printed) < 2000:
                        raise WalkthroughError("receipt: printing to a PDF file gave nothing")
                    errors.check("receipt print")
                    done.append(f"receipt printed to PDF ({len(printed) // 1024} KB)")
                window.logout()
                settle()
                errors.check(f"{role}: sign-out")
            setup = SetupDialog(scratch / "walkthrough-setup.toml", store.settings)
            setup.show()
            settle()
            _render(setup, "set-up dialog")
            setup.close()
            setup.deleteLater()
            errors.check("set-up dialog")
            done.append("set-up dialog")
    finally:
        window.close()
        workers.wait_for_all(10_000)
        QCoreApplication.processEvents()
        window.deleteLater()
        QCoreApplication.processEvents()
        store.close()
    return done


def _walk_tabs(window, role: str, errors: _Errors) -> list[str]:  # type: ignore[no-untyped-def]
    shown = []
    tabs = window.tabs
    expected = 3 if role in ("supervisor", "admin") else 2
    if tabs.count() != expected:
        raise WalkthroughError(f"{role}: {tabs.count()} tabs, expected {expected}")
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        page = tabs.widget(index)
        settle()
        name = page.objectName() or type(page).__name__
        if page is window.wizard:
            for step in range(page.stack.count()):
                page.stack.setCurrentIndex(step)
                settle()
                _render(page, f"{role}: wizard step {step + 1}")
            page.stack.setCurrentIndex(0)
            name = f"wizard ({page.stack.count()} steps)"
        elif page is window.supervision:
            name = _walk_supervision(page, role, errors)
        else:
            _render(page, f"{role}: {name}")
        errors.check(f"{role}: {name}")
        shown.append(name)
    return shown


def _walk_supervision(workspace, role: str, errors: _Errors) -> str:  # type: ignore[no-untyped-def]
    from tawasul_desktop.gui.supervisor.decision_dialogs import AssigneeDialog, ReasonDialog

    workspace.tabs.setCurrentIndex(0)  # the queue (in its scroll area)
    settle(lambda: workspace.model.total is not None)
    errors.check(f"{role}: queue")
    if not workspace.model.total:
        raise WalkthroughError(f"{role}: the queue shows no request")
    workspace.select_rows([0])
    settle()
    _render(workspace.queue_page, f"{role}: queue")
    # The dialogs name every request they will change: the chosen row's, as the queue shows it.
    chosen = [str(workspace.model.data(workspace.model.index(0, 0)) or "—")]
    for dialog in (ReasonDialog("reject", chosen, "ar", (), workspace),
                   ReasonDialog("return", chosen, "ar", (), workspace),
                   AssigneeDialog(workspace.supervisors, chosen, workspace)):
        dialog.show()
        settle()
        _render(dialog, f"{role}: {dialog.objectName()}")
        dialog.close()
        dialog.deleteLater()
    errors.check(f"{role}: decision dialogs")
    workspace.tabs.setCurrentWidget(workspace.dashboard_scroll)
    settle(lambda: bool(errors.seen) or (workspace.dashboard is not None
                                   and workspace.dashboard.figures is not None))
    errors.check(f"{role}: dashboard")
    dashboard = workspace.dashboard
    charts = (dashboard.status_chart, dashboard.service_chart, dashboard.sla_chart)
    if any(not view.chart().series() for view in charts):
        raise WalkthroughError(f"{role}: a dashboard chart has nothing to draw")
    _render(dashboard, f"{role}: dashboard")
    workspace.tabs.setCurrentIndex(0)  # the queue (in its scroll area)
    return "supervision (queue, decision dialogs, dashboard)"
