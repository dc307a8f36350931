"""Entry point of ``tawasul-desktop``: application set-up, language, exception hook, main window.

Only Qt and light modules are imported before the sign-in window is shown; the store opens
in a worker behind it (see main_window).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from tawasul_desktop import __version__
from tawasul_desktop.assets import resource
from tawasul_desktop.config import ConfigError, Settings, default_config_file, load_settings
from tawasul_desktop.gui import dialogs
from tawasul_desktop.gui.collector import install_gui_collector
from tawasul_desktop.gui.i18n import LanguageManager
from tawasul_desktop.gui.main_window import MainWindow
from tawasul_desktop.logs import safe_traceback, setup_logging
from tawasul_desktop.private_files import restrict_umask

if TYPE_CHECKING:
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
    # Where it happened and what kind of error, never the values involved (personal data).
    log.error("unexpected error:\n%s", safe_traceback(kind, exc, tb))
    translate = QCoreApplication.translate
    _calm_error(translate("ErrorHook", "Something went wrong"),
                translate("ErrorHook", "An unexpected error occurred. What you typed is kept; "
                          "please try again. If it happens again, tell the administrator "
                          "(the details are in the log file)."))


def install_exception_hook() -> None:
    sys.excepthook = exception_hook

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        log.error("unexpected error in a thread", exc_info=args.exc_value or True)

    threading.excepthook = thread_hook


def stylesheet() -> str:
    path = resource("stylesheet.qss")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv))
    assert isinstance(app, QApplication)
    install_gui_collector(app)  # before any worker runs: collection only on this thread
    app.setApplicationName("Tawasul Desk")
    app.setOrganizationName("tawasul-desk")
    # Wayland matches windows to the desktop entry by this name (tawasul-desk.desktop).
    app.setDesktopFileName("tawasul-desk")
    app.setApplicationVersion(__version__)
    app.setStyleSheet(stylesheet())
    icon = resource("icons", "tawasul.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def build_window(app: QApplication, settings: Settings, store: Store | None = None) -> MainWindow:
    """The main window in the configured language.

    Given an open store (tests do) it is built whole at once. Without one the sign-in panel
    is ready at once and the store opens in a worker as soon as the event loop runs (after
    the first paint); the workspace appears when it is open (``window.store_ready``)."""
    languages = LanguageManager.for_app(app)
    languages.apply(settings.language)
    window = MainWindow(store, languages, settings=settings)
    window.start()
    if store is None:
        window.open_store_after_first_paint()
    return window


def parse_arguments(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options, and the rest for Qt (such as ``-platform offscreen`` or ``-reverse``)."""
    parser = argparse.ArgumentParser(
        prog="tawasul-desktop", description="Tawasul Desk: the counter desktop.")
    parser.add_argument("--version", action="version",
                        version=f"tawasul-desktop {__version__}",
                        help="print the program's version and exit")
    parser.add_argument("--config", type=Path,
                        help="configuration file (default: $TAWASUL_CONFIG or the platform's)")
    parser.add_argument("--data-dir", type=Path, help="data folder (overrides the configuration)")
    parser.add_argument("--setup", action="store_true",
                        help="show the set-up dialog (it also appears on the first start)")
    parser.add_argument("--self-check", action="store_true",
                        help="check this installation (database, receipts, interface), print a "
                             "short report and exit; uses a temporary data folder unless "
                             "--data-dir is given")
    return parser.parse_known_args(list(argv))


def config_error_text(exc: ConfigError) -> str:
    translate = QCoreApplication.translate
    return (translate("Startup", "The configuration is not valid:") + f"\n\n{exc}\n\n"
            + translate("Startup", "Correct the file (or start with --setup), then start "
                        "Tawasul Desk again."))


def is_first_run(config_file: Path, settings: Settings) -> bool:
    """No configuration file and no database yet: this computer has not been set up."""
    return not config_file.exists() and not settings.db_path.exists()


def main(argv: Sequence[str] | None = None) -> int:
    restrict_umask()  # every file this process writes holds personal data
    args, qt_arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    if args.self_check:
        from tawasul_desktop.gui.self_check import self_check_main

        return self_check_main(args.data_dir, args.config)
    app = make_application(["tawasul-desktop", *qt_arguments])
    install_exception_hook()
    setup_logging(console=sys.stderr is not None)  # a windowed Windows build has no stderr
    config_file = args.config or default_config_file()
    try:
        settings = load_settings(config_file, data_dir=args.data_dir)
        if args.setup or is_first_run(config_file, settings):
            LanguageManager.for_app(app).apply(settings.language)
            from tawasul_desktop.gui.setup_dialog import SetupDialog

            setup = SetupDialog(config_file, settings)
            if setup.exec() != QDialog.DialogCode.Accepted:
                return 0
            settings = load_settings(config_file, data_dir=args.data_dir)
    except ConfigError as exc:
        log.error("invalid configuration: %s", exc)
        dialogs.error(None, "Tawasul Desk", config_error_text(exc))
        return 2
    from tawasul_desktop.gui.single_instance import claim

    # The socket is taken before the window is built (which takes a while on a slow
    # machine): a second start meanwhile finds this one instead of starting as well.
    instance = claim(settings.db_path, app)
    if instance is None:
        log.info("Tawasul Desk is already running for %s: brought it forward", settings.db_path)
        return 0
    log.info("Tawasul Desk starting; configuration %s, database %s", config_file,
             settings.db_path)
    window = build_window(app, settings)
    instance.set_window(window)

    def cannot_open(text: str) -> None:
        dialogs.error(window, "Tawasul Desk", text)
        app.exit(1)

    window.store_failed.connect(cannot_open)
    window.show()
    code = app.exec()
    instance.server.close()
    if window.store is not None:
        window.store.close()
    return code


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Path", "Qt", "build_window", "main", "make_application"]
