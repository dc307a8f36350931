"""The counter's main window: sign-in, the intake wizard and the enquiry page, and the session.

While nobody is signed in (or the session is locked) the window shows the sign-in panel in
place of the workspace. Locking keeps the wizard exactly as it was and saves it as a draft;
the same user signing in again resumes it, another user gets a fresh wizard and the draft
waits for its owner, who is offered it at their next sign-in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QTabWidget, QWidget

from tawasul_desktop.domain.hijri import format_datetime
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.gui.enquiry import EnquiryPage
from tawasul_desktop.gui.i18n import LanguageManager
from tawasul_desktop.gui.idle import IdleWatcher
from tawasul_desktop.gui.login import FirstAdminPanel, LoginPanel
from tawasul_desktop.gui.session import needs_first_admin
from tawasul_desktop.gui.wizard import IntakeWizard
from tawasul_desktop.storage.drafts import delete_draft, list_drafts
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)

ROLE_NAMES = {"clerk": ("موظف", "Clerk"), "supervisor": ("مشرف", "Supervisor"),
              "admin": ("مدير النظام", "Administrator")}


class MainWindow(QMainWindow):
    def __init__(self, store: Store, languages: LanguageManager,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.store = store
        self.languages = languages
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.actor: Actor | None = None
        self.locked_owner: str | None = None

        def language() -> str:
            return self.languages.language or "ar"

        self.first_admin = FirstAdminPanel(store, language)
        self.login = LoginPanel(store, language)
        self.wizard = IntakeWizard(store, language, clock=lambda: self.clock())
        self.enquiry = EnquiryPage(store, language, clock=lambda: self.clock())
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.addTab(self.wizard, "")
        self.tabs.addTab(self.enquiry, "")
        self.stack = QStackedWidget()
        self.stack.setObjectName("mainStack")
        for widget in (self.login, self.first_admin, self.tabs):
            self.stack.addWidget(widget)
        self.setCentralWidget(self.stack)

        self.status_user = QLabel()
        self.status_user.setObjectName("statusUser")
        self.statusBar().addPermanentWidget(self.status_user, 1)

        self._build_menus()
        self.idle = IdleWatcher(self._app(), store.settings.idle_lock_minutes * 60_000, self)
        self.idle.idle.connect(self.lock)
        self.login.signed_in.connect(self.on_signed_in)
        self.first_admin.created.connect(self.on_signed_in)
        self.wizard.submitted.connect(self._on_submitted)
        languages.changed.connect(self._on_language)
        self._retranslate()
        self.resize(1100, 760)

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

    # --- start and session -----------------------------------------------------------------

    def start(self) -> None:
        """Show the first-run panel if the store has no administrator, else the sign-in."""
        if needs_first_admin(self.store):
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
        if self.actor is None:
            return
        drafts = list_drafts(self.store, self.actor.username)
        if not drafts:
            return
        newest = drafts[0]
        when = format_datetime(newest.updated_at, self.languages.language,
                               self.store.policy.calendar.timezone)
        if dialogs.confirm(self, self.tr("Unfinished request"),
                           self.tr("You have an unfinished request from %1. Continue it now? "
                                   "(No discards it.)").replace("%1", when)):
            self.wizard.restore(newest)
        else:
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
        self._retranslate_status()

    # --- language --------------------------------------------------------------------------

    def _retranslate_status(self) -> None:
        settings = self.store.settings
        language = self.languages.language or "ar"
        centre = settings.centre_name_en if language == "en" else settings.centre_name_ar
        place = (self.tr("%1 (%2), counter %3").replace("%1", centre)
                 .replace("%2", settings.centre_code).replace("%3", str(settings.counter)))
        if self.actor is not None:
            role_ar, role_en = ROLE_NAMES.get(self.actor.role, (self.actor.role, self.actor.role))
            who = (self.tr("Signed in: %1 (%2)").replace("%1", self.actor.display_name
                                                         or self.actor.username)
                   .replace("%2", role_en if language == "en" else role_ar))
        elif self.locked_owner is not None:
            who = self.tr("Locked: %1").replace("%1", self.locked_owner)
        else:
            who = self.tr("Not signed in")
        self.status_user.setText(f"{who}   |   {place}")

    def _on_language(self, _language: str) -> None:
        self._retranslate()

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Tawasul Desk"))
        self.tabs.setTabText(0, self.tr("New request"))
        self.tabs.setTabText(1, self.tr("Enquiry"))
        self.session_menu.setTitle(self.tr("&Session"))
        self.action_lock.setText(self.tr("&Lock"))
        self.action_logout.setText(self.tr("Sign &out"))
        self.action_quit.setText(self.tr("&Quit"))
        self.language_menu.setTitle(self.tr("&Language"))
        self.action_arabic.setChecked(self.languages.language == "ar")
        self.action_english.setChecked(self.languages.language == "en")
        self._retranslate_status()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self.actor is not None:
            self.wizard.save_draft_now()
        workers.wait_for_all(5000)
        event.accept()


__all__ = ["MainWindow", "Qt"]
