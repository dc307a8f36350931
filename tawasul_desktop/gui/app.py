"""Entry point of ``tawasul-desktop``: application set-up, language, exception hook, main window."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from tawasul_desktop.assets import resource
from tawasul_desktop.config import ConfigError, Settings, load_settings
from tawasul_desktop.gui.i18n import LanguageManager
from tawasul_desktop.gui.main_window import MainWindow
from tawasul_desktop.storage.store import Store

log = logging.getLogger(__name__)
_showing_error = False


def _calm_error(title: str, text: str) -> None:
    global _showing_error
    if _showing_error or QApplication.instance() is None:
        return
    _showing_error = True
    try:
        QMessageBox.critical(None, title, text)
    finally:
        _showing_error = False


def exception_hook(kind: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
    """Log an unexpected error and tell the clerk calmly; the window stays open."""
    if issubclass(kind, KeyboardInterrupt):
        QApplication.quit()
        return
    log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
    translate = QCoreApplication.translate
    _calm_error(translate("ErrorHook", "Something went wrong"),
                translate("ErrorHook", "An unexpected error occurred. What you typed is kept; "
                          "please try again. If it happens again, tell the administrator "
                          "(the details are in the log file)."))


def install_exception_hook() -> None:
    sys.excepthook = exception_hook

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        log.error("unexpected error in a thread", exc_info=(args.exc_type, args.exc_value,
                                                           args.exc_traceback))

    threading.excepthook = thread_hook


def setup_logging(settings: Settings) -> None:
    logs = settings.data_dir / "logs"
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    try:
        logs.mkdir(parents=True, exist_ok=True)
        handlers.append(RotatingFileHandler(logs / "tawasul-desktop.log", maxBytes=2_000_000,
                                            backupCount=3, encoding="utf-8"))
    except OSError:
        pass
    logging.basicConfig(level=logging.INFO, handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def stylesheet() -> str:
    path = resource("stylesheet.qss")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv))
    assert isinstance(app, QApplication)
    app.setApplicationName("Tawasul Desk")
    app.setOrganizationName("tawasul-desk")
    app.setStyleSheet(stylesheet())
    icon = resource("icons", "tawasul.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def build_window(app: QApplication, settings: Settings, store: Store | None = None) -> MainWindow:
    """The main window over an open store, in the configured language (used by tests too)."""
    languages = LanguageManager.for_app(app)
    languages.apply(settings.language)
    window = MainWindow(store or Store.open(settings), languages)
    window.start()
    return window


def main(argv: Sequence[str] | None = None) -> int:
    app = make_application(argv)
    install_exception_hook()
    try:
        settings = load_settings()
    except ConfigError as exc:
        QMessageBox.critical(None, "Tawasul Desk", str(exc))
        return 2
    setup_logging(settings)
    try:
        store = Store.open(settings)
    except Exception as exc:  # noqa: BLE001 - shown, not swallowed: we exit
        log.exception("store could not be opened")
        QMessageBox.critical(None, "Tawasul Desk", f"{settings.db_path}: {exc}")
        return 1
    window = build_window(app, settings, store)
    window.show()
    code = app.exec()
    store.close()
    return code


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Path", "Qt", "build_window", "main", "make_application"]
