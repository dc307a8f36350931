"""The counter's main window: sign-in, the intake wizard and the enquiry page, and the session.

While nobody is signed in (or the session is locked) the window shows the sign-in panel in
place of the workspace. Locking keeps the wizard exactly as it was and saves it as a draft;
the same user signing in again resumes it, another user gets a fresh wizard and the draft
waits for its owner, who is offered it at their next sign-in.

Start-up is in two steps so that the sign-in appears at once: the window is first built from
Qt and light modules only (the sign-in panel, menus, status bar); the store (SQLAlchemy,
migrations, the orphan sweep) opens in a worker, and the workspace pages are built when it
is ready (``attach_store``; ``store_ready`` is emitted then). A clerk who signs in before
that sees "opening the database…" and is signed in as soon as it is open. Given an open
store, the window is built whole at once (tests, tools).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QRect, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from tawasul_desktop.config import Settings
from tawasul_desktop.domain.bidi import fill
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.gui.i18n import LanguageManager
from tawasul_desktop.gui.idle import IdleWatcher
from tawasul_desktop.gui.login import LoginPanel

if TYPE_CHECKING:  # the storage layer and the workspace pages load after the first paint
    from tawasul_desktop.gui.enquiry import EnquiryPage
    from tawasul_desktop.gui.supervisor.workspace import SupervisorWorkspace
    from tawasul_desktop.gui.wizard import IntakeWizard
    from tawasul_desktop.storage.store import Store
    from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)
GEOMETRY_FILE = "window.ini"  # in the data folder: this machine's window size and place


def clamped(rect: QRect, screen: QRect) -> QRect:
    """``rect`` moved and shrunk so that it lies wholly on ``screen``."""
    width, height = min(rect.width(), screen.width()), min(rect.height(), screen.height())
    x = max(screen.left(), min(rect.left(), screen.right() + 1 - width))
    y = max(screen.top(), min(rect.top(), screen.bottom() + 1 - height))
    return QRect(x, y, width, height)

ROLE_NAMES = {"clerk": ("موظف", "Clerk"), "supervisor": ("مشرف", "Supervisor"),
              "admin": ("مدير النظام", "Administrator")}


# Modules the workspace needs, imported by the worker that opens the store (module imports
# only; no widget is made off the GUI thread), so that building the pages after it is quick.
WORKSPACE_MODULES = ("tawasul_desktop.gui.wizard", "tawasul_desktop.gui.enquiry",
                     "tawasul_desktop.storage.drafts", "tawasul_desktop.domain.hijri")


def open_store_for_window(settings: Settings) -> tuple[Store, bool]:
    """Run in a worker: open (migrate, sweep) the store; whether it still needs an admin."""
    from tawasul_desktop.gui.session import needs_first_admin
    from tawasul_desktop.storage.store import Store

    store = Store.open(settings)
    try:
        first_run = needs_first_admin(store)
        for name in WORKSPACE_MODULES:
            importlib.import_module(name)
    except BaseException:
        store.close()
        raise
    return store, first_run


class MainWindow(QMainWindow):
    store_ready = Signal(object)  # the Store, once the workspace pages are built over it
    store_failed = Signal(str)  # why the store could not be opened, for the clerk

    def __init__(self, store: Store | None, languages: LanguageManager,
                 clock: Callable[[], dt.datetime] | None = None, *,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        if settings is None:
            if store is None:
                raise TypeError("MainWindow needs an open store or the settings to open one")
            settings = store.settings
        self.settings = settings
        self.store: Store | None = None
        self.languages = languages
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.actor: Actor | None = None
        self.locked_owner: str | None = None
        self._first_run = False
        self._painted = False
        self._open_after_paint = False
        # The supervision tab (gui/supervisor/workspace.sync_workspace_tab) and, while it is
        # being made, whether central is still being asked which queue it reads.
        self.supervision: SupervisorWorkspace | None = None
        self.queue_source_pending = False
        self.closing = False

        self.login = LoginPanel(None, self._language)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.stack = QStackedWidget()
        self.stack.setObjectName("mainStack")
        for widget in (self.login, self.tabs):
            self.stack.addWidget(widget)
        self.setCentralWidget(self.stack)

        self.status_user = QLabel()
        self.status_user.setObjectName("statusUser")
        # Never wider than the window: on a narrow screen the end is cut, and the tooltip
        # holds it whole (who is signed in comes first, so it stays).
        self.status_user.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.statusBar().addPermanentWidget(self.status_user, 1)

        self._build_menus()
        self.idle = IdleWatcher(self._app(), settings.idle_lock_minutes * 60_000, self)
        self.idle.idle.connect(self.lock)
        self.login.signed_in.connect(self.on_signed_in)
        languages.changed.connect(self._on_language)
        self._retranslate()
        self._place_on_screen()
        if store is not None:
            from tawasul_desktop.gui.session import needs_first_admin

            self.attach_store(store, needs_first_admin(store))

    def _language(self) -> str:
        return self.languages.language or "ar"

    # --- where the window stands -----------------------------------------------------------

    def _geometry_file(self) -> QSettings:
        return QSettings(str(self.settings.data_dir / GEOMETRY_FILE), QSettings.Format.IniFormat)

    def _place_on_screen(self) -> None:
        """Open at the size the clerk left it (clamped to this screen, which may be smaller
        than the one it was saved on), or maximised the first time."""
        screen = self.screen().availableGeometry()
        saved = self._geometry_file().value("geometry")
        if saved is not None and self.restoreGeometry(saved):
            self.setGeometry(clamped(self.geometry(), screen))
            return
        self.resize(min(1100, screen.width()), min(760, screen.height()))
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def save_geometry(self) -> None:
        try:
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            stored = self._geometry_file()
            stored.setValue("geometry", self.saveGeometry())
            stored.sync()
        except OSError as exc:  # a read-only data folder: the window opens maximised next time
            log.warning("window size not saved: %s", exc)

    # --- the store and the workspace -------------------------------------------------------

    def open_store_in_background(self) -> None:
        """Open the store in a worker; the workspace is built when it is ready."""
        self._open_after_paint = False
        settings = self.settings
        workers.run_task(lambda: open_store_for_window(settings),
                         self._on_store_opened, self._on_store_failed)

    def open_store_after_first_paint(self) -> None:
        """Open the store once the window has been painted (or at once if it already was):
        its imports would otherwise compete with the first paint for the interpreter."""
        if self._painted:
            self.open_store_in_background()
        else:
            self._open_after_paint = True

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            if self._open_after_paint:
                QTimer.singleShot(0, self.open_store_in_background)
        return handled

    def _on_store_opened(self, opened: tuple[Store, bool]) -> None:
        store, first_run = opened
        self.attach_store(store, first_run)
        if first_run:
            self.start()

    def _on_store_failed(self, exc: BaseException) -> None:
        from tawasul_desktop.storage.engine import StoreVersionError

        if isinstance(exc, StoreVersionError):
            log.error("the store is newer than this program: %s", exc)
            text = self.tr("The database %1 was written by a newer Tawasul Desk than this one "
                           "(schema %2). Install the newer version, or ask the administrator.")
            detail = exc.revision
        else:
            log.error("the store could not be opened", exc_info=exc)
            text = self.tr("The database %1 could not be opened: %2")
            detail = str(exc)
        text = fill(text, self.settings.db_path, detail)
        self.login.show_fatal(text)
        self.store_failed.emit(text)

    def attach_store(self, store: Store, first_run: bool) -> None:
        """Build the pages that work on the store; a waiting sign-in goes on."""
        from tawasul_desktop.gui.login import FirstAdminPanel

        self.store = store
        self._first_run = first_run
        self.first_admin = FirstAdminPanel(store, self._language)
        self.stack.addWidget(self.first_admin)
        self.first_admin.created.connect(self.on_signed_in)
        self._build_workspace(store)
        self._start_sync(store)
        self._retranslate()
        self.login.set_store(store, waiting_allowed=not first_run)
        self.store_ready.emit(store)

    def _build_workspace(self, store: Store) -> None:
        """The tabs a signed-in user works in (pages built here need the open store)."""
        from tawasul_desktop.gui.enquiry import EnquiryPage
        from tawasul_desktop.gui.wizard import IntakeWizard

        self.wizard: IntakeWizard = IntakeWizard(store, self._language,
                                                 clock=lambda: self.clock())
        self.enquiry: EnquiryPage = EnquiryPage(store, self._language,
                                                clock=lambda: self.clock())
        self.tabs.addTab(self.wizard, "")
        self.tabs.addTab(self.enquiry, "")
        self.wizard.submitted.connect(self._on_submitted)

    def _start_sync(self, store: Store) -> None:
        """With a central database configured, sync runs in the background from now on
        (also while the window is locked) and the status bar shows its state."""
        self.sync_status = None
        settings = store.settings
        if not settings.central_dsn:
            return
        from tawasul_desktop.central.connection import CentralConfigError, target_from_settings
        from tawasul_desktop.gui.sync_status import SyncStatusWidget
        from tawasul_desktop.sync.engine import SyncEngine

        try:
            engine = SyncEngine(store, target_from_settings(settings))
        except CentralConfigError as exc:
            self.statusBar().showMessage(str(exc), 30000)
            return
        self.sync_status = SyncStatusWidget(engine, settings.sync_interval_seconds,
                                            settings.policy.calendar.timezone, self)
        self.statusBar().addPermanentWidget(self.sync_status)

    @staticmethod
    def _app() -> QWidget:
        from PySide6.QtWidgets import QApplication

        return QApplication.instance()  # type: ignore[return-value]

    def _build_menus(self) -> None:
        self.session_menu = self.menuBar().addMenu("")
        self.session_menu.setObjectName("sessionMenu")
        self.action_lock = QAction(self)
        self.action_lock.setObjectName("actionLock")
        self.action_lock.setShortcut(QKeySequence("Ctrl+L"))
        self.action_lock.triggered.connect(self.lock)
        self.action_logout = QAction(self)
        self.action_logout.setObjectName("actionLogout")
        self.action_logout.triggered.connect(self.logout)
        self.action_quit = QAction(self)
        self.action_quit.setObjectName("actionQuit")
        self.action_quit.setShortcut(QKeySequence("Ctrl+Q"))
        self.action_quit.triggered.connect(self.close)
        self.session_menu.addActions([self.action_lock, self.action_logout])
        self.session_menu.addSeparator()
        self.session_menu.addAction(self.action_quit)

        self.language_menu = self.menuBar().addMenu("")
        self.language_menu.setObjectName("languageMenu")
        group = QActionGroup(self)
        self.action_arabic = QAction("العربية", self, checkable=True)
        self.action_arabic.setObjectName("actionArabic")
        self.action_english = QAction("English", self, checkable=True)
        self.action_english.setObjectName("actionEnglish")
        for action, code in ((self.action_arabic, "ar"), (self.action_english, "en")):
            group.addAction(action)
            self.language_menu.addAction(action)
            action.triggered.connect(lambda _c=False, c=code: self.languages.apply(c))

        self.help_menu = self.menuBar().addMenu("")
        self.help_menu.setObjectName("helpMenu")
        self.action_diagnostics = QAction(self)
        self.action_diagnostics.setObjectName("actionCopyDiagnostics")
        self.action_diagnostics.triggered.connect(self.copy_diagnostics)
        self.help_menu.addAction(self.action_diagnostics)
        # Tabs switch from anywhere, also from a table or text box that keeps Tab for itself.
        for keys, step in (("Ctrl+Tab", 1), ("Ctrl+PgDown", 1), ("Ctrl+Shift+Tab", -1),
                           ("Ctrl+Backtab", -1), ("Ctrl+PgUp", -1)):
            QShortcut(QKeySequence(keys), self, lambda s=step: self.switch_tab(s))

    def switch_tab(self, step: int) -> None:
        if self.stack.currentWidget() is self.tabs and self.tabs.count():
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def copy_diagnostics(self) -> None:
        """Versions, the configuration without secrets and the last log lines, to the
        clipboard, for the administrator or support."""
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion
        from PySide6.QtGui import QGuiApplication

        from tawasul_desktop.diagnostics import diagnostics_text

        text = diagnostics_text(self.settings, extra={
            "Qt": qVersion(), "PySide6 (running)": pyside_version,
            "Qt platform": QGuiApplication.platformName(),
            "signed in": self.actor.username if self.actor else "nobody"})
        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage(self.tr("Diagnostics copied to the clipboard."), 8000)

    # --- start and session -----------------------------------------------------------------

    def start(self) -> None:
        """Show the first-run panel if the store has no administrator, else the sign-in
        (also while the store is still opening)."""
        if self.store is not None and self._first_run and self.actor is None:
            self.stack.setCurrentWidget(self.first_admin)
            self.first_admin.username.setFocus()
        else:
            self._show_login()
        self._update_session_ui()

    def _show_login(self, locked_for: str = "") -> None:
        self.stack.setCurrentWidget(self.login)
        self.login.reset(locked_for)

    def on_signed_in(self, actor: Actor) -> None:
        resumed = self.locked_owner is not None and actor.username == self.locked_owner
        if self.locked_owner is not None and not resumed:
            # Someone else: the unfinished request stays (saved at lock) for its owner.
            self.wizard.clear()
        self.locked_owner = None
        self._first_run = False
        self.actor = actor
        self.wizard.set_actor(actor)
        self.enquiry.set_actor(actor)
        self.stack.setCurrentWidget(self.tabs)
        self.idle.start()
        self._update_session_ui()
        if not resumed:
            self.tabs.setCurrentWidget(self.wizard)
            self.wizard.service_page.filter.setFocus()
            self.offer_drafts()

    def _on_submitted(self, _summary: object) -> None:
        self.enquiry.model.refresh()

    def offer_drafts(self) -> None:
        from tawasul_desktop.domain.hijri import format_datetime
        from tawasul_desktop.storage.drafts import delete_draft, list_drafts

        if self.actor is None or self.store is None:
            return
        drafts = list_drafts(self.store, self.actor.username)
        if not drafts:
            return
        newest = drafts[0]
        when = format_datetime(newest.updated_at, self.languages.language,
                               self.store.policy.calendar.timezone)
        # Enter continues it and Esc keeps it for later: discarding work takes a choice.
        answer = dialogs.ask(
            self, self.tr("Unfinished request"),
            fill(self.tr("You have an unfinished request from %1. Continue it now?"), when),
            [("continue", self.tr("&Continue it")), ("later", self.tr("&Keep it for later")),
             ("discard", self.tr("&Discard it"))], default="continue", escape="later")
        if answer == "continue":
            self.wizard.restore(newest)
        elif answer == "discard":
            delete_draft(self.store, newest.id)

    def lock(self) -> None:
        if self.actor is None:
            return
        self.wizard.save_draft_now()
        self.locked_owner = self.actor.username
        self.actor = None
        self.wizard.set_actor(None)
        self.enquiry.actor = None
        self.idle.stop()
        self._show_login(self.locked_owner)
        self._update_session_ui()

    def logout(self) -> None:
        if self.actor is None and self.locked_owner is None:
            return
        if self.actor is not None:
            self.wizard.save_draft_now()
        self.wizard.clear()
        self.actor = None
        self.locked_owner = None
        self.wizard.set_actor(None)
        self.enquiry.set_actor(None)
        self.idle.stop()
        self._show_login()
        self._update_session_ui()

    @property
    def is_locked(self) -> bool:
        return self.locked_owner is not None

    def _update_session_ui(self) -> None:
        signed_in = self.actor is not None
        self.action_lock.setEnabled(signed_in)
        self.action_logout.setEnabled(signed_in or self.is_locked)
        self._sync_supervision()
        self._retranslate_status()

    def _sync_supervision(self) -> None:
        """The supervision tab, for supervisors and administrators only (gui/supervisor)."""
        if self.actor is not None and self.actor.is_supervisor or self.supervision is not None:
            from tawasul_desktop.gui.supervisor.workspace import sync_workspace_tab

            sync_workspace_tab(self)

    # --- language --------------------------------------------------------------------------

    def _retranslate_status(self) -> None:
        settings = self.settings
        language = self.languages.language or "ar"
        centre = settings.centre_name_en if language == "en" else settings.centre_name_ar
        place = fill(self.tr("%1 (%2), counter %3"), centre, settings.centre_code,
                     settings.counter)
        if self.actor is not None:
            role_ar, role_en = ROLE_NAMES.get(self.actor.role, (self.actor.role, self.actor.role))
            who = fill(self.tr("Signed in: %1 (%2)"),
                       self.actor.display_name or self.actor.username,
                       role_en if language == "en" else role_ar)
        elif self.locked_owner is not None:
            who = fill(self.tr("Locked: %1"), self.locked_owner)
        else:
            who = self.tr("Not signed in")
        self.status_user.setText(f"{who}   |   {place}")
        self.status_user.setToolTip(self.status_user.text())

    def _on_language(self, _language: str) -> None:
        self._retranslate()

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Tawasul Desk"))
        if self.store is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.wizard), self.tr("New request"))
            self.tabs.setTabText(self.tabs.indexOf(self.enquiry), self.tr("Enquiry"))
        self.session_menu.setTitle(self.tr("&Session"))
        self.action_lock.setText(self.tr("&Lock"))
        self.action_logout.setText(self.tr("Sign &out"))
        self.action_quit.setText(self.tr("&Quit"))
        self.language_menu.setTitle(self.tr("&Language"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.action_diagnostics.setText(self.tr("Copy &diagnostics"))
        self.action_arabic.setChecked(self.languages.language == "ar")
        self.action_english.setChecked(self.languages.language == "en")
        self._retranslate_status()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.closing = True
        self.save_geometry()
        if self.actor is not None:
            self.wizard.save_draft_now()
        sync_status = getattr(self, "sync_status", None)
        if sync_status is not None:
            sync_status.stop()
        workers.wait_for_all(5000)
        if self.supervision is not None:  # its central connections, once no worker uses them
            self.supervision.release_central()
        event.accept()


__all__ = ["MainWindow", "Qt"]
