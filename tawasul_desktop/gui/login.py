"""The sign-in panel (ui/login.ui) and the first-run administrator panel (ui/first_admin.ui).

Both are embedded in the main window, which shows them instead of the workspace while nobody
is signed in or the session is locked. Password checks run in a worker (argon2id is slow on
purpose). The sign-in panel is shown before the store is open (it imports nothing of the
storage layer): a sign-in asked for before then waits for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from tawasul_desktop.domain.bidi import fill
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.gui import workers
from tawasul_desktop.gui.forms import child, load_form

if TYPE_CHECKING:
    from tawasul_desktop.storage.store import Store
    from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)


def centre(panel: QWidget, form: QWidget) -> None:
    """Put a form in the middle of the window at a readable width."""
    form.setMinimumWidth(440)
    form.setMaximumWidth(620)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(form, 4)
    row.addStretch(1)
    layout = QVBoxLayout(panel)
    layout.addStretch(1)
    layout.addLayout(row)
    layout.addStretch(2)


class LoginPanel(QWidget):
    """Asks for user name and password; emits ``signed_in(actor)``."""

    signed_in = Signal(object)

    def __init__(self, store: Store | None, language: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginPanel")
        self._store = store
        self._language = language
        self._problem: Problem | None = None
        self._locked_for = ""
        self._waiting: tuple[str, str] | None = None  # a sign-in asked for before the store
        self._fatal = ""
        self.form = load_form("login", self)
        centre(self, self.form)
        self.username: QLineEdit = child(self.form, QLineEdit, "usernameEdit")
        self.password: QLineEdit = child(self.form, QLineEdit, "passwordEdit")
        self.button: QPushButton = child(self.form, QPushButton, "loginButton")
        self.message: QLabel = child(self.form, QLabel, "messageLabel")
        self.note: QLabel = child(self.form, QLabel, "noteLabel")
        self.title: QLabel = child(self.form, QLabel, "titleLabel")
        self.title.setProperty("role", "title")
        self.message.setProperty("role", "error")
        self.button.clicked.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)

    def reset(self, locked_for: str = "") -> None:
        """Blank for a new sign-in, or ``locked_for`` a user whose session is kept."""
        self._locked_for = locked_for
        self._problem = None
        self.message.hide()
        self.password.clear()
        self.username.setText(locked_for)
        self.button.setEnabled(not self._fatal and self._waiting is None)
        self._retranslate()
        (self.password if locked_for else self.username).setFocus()

    def submit(self) -> None:
        if not self.button.isEnabled() or self._fatal:
            return
        username, password = self.username.text().strip(), self.password.text()
        self.button.setEnabled(False)
        self.message.hide()
        if self._store is None:
            self._waiting = (username, password)
            self._retranslate()
            return
        self._check(self._store, username, password)

    def _check(self, store: Store, username: str, password: str) -> None:
        from tawasul_desktop.gui.session import sign_in

        workers.run_task(lambda: sign_in(store, username, password),
                         self._succeeded, self._failed)

    @property
    def waiting(self) -> bool:
        """Whether a sign-in waits for the store to open."""
        return self._waiting is not None

    def set_store(self, store: Store, *, waiting_allowed: bool = True) -> None:
        """The store is open: a sign-in that waited for it goes on (unless there is nobody
        to sign in yet, on the first run)."""
        self._store = store
        waiting, self._waiting = self._waiting, None
        self._retranslate()
        if waiting is not None and waiting_allowed:
            self._check(store, *waiting)
        else:
            self.button.setEnabled(True)

    def show_fatal(self, text: str) -> None:
        """The store cannot be opened: say why, and sign-in stays off."""
        self._fatal = text
        self._waiting = None
        self.button.setEnabled(False)
        self.message.setText(text)
        self.message.show()
        self._retranslate()

    def _succeeded(self, actor: Actor) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        self.signed_in.emit(actor)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        if not isinstance(exc, TawasulError):
            raise exc
        self._problem = exc.problems[0]
        self._show_problem()

    def _show_problem(self) -> None:
        if self._fatal:
            self.message.setText(self._fatal)
            self.message.show()
        elif self._problem is not None:
            self.message.setText(self._problem.text(self._language()))
            self.message.show()

    def _retranslate(self) -> None:
        if self._waiting is not None:
            self.note.setText(self.tr("Opening the database…"))
        elif self._locked_for:
            self.note.setText(fill(self.tr(
                "The session of %1 is locked. Enter the password to continue, "
                "or sign in as someone else (the unfinished request is kept as a draft)."
            ), self._locked_for))
        else:
            self.note.setText(self.tr("Sign in to take requests at this counter."))
        self._show_problem()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)


class FirstAdminPanel(QWidget):
    """Shown once, when the store has no administrator: creates one and signs them in."""

    created = Signal(object)

    def __init__(self, store: Store, language: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstAdminPanel")
        self._store = store
        self._language = language
        self._problem: Problem | str | None = None
        self.form = load_form("first_admin", self)
        centre(self, self.form)
        self.username: QLineEdit = child(self.form, QLineEdit, "usernameEdit")
        self.display_name: QLineEdit = child(self.form, QLineEdit, "displayNameEdit")
        self.password: QLineEdit = child(self.form, QLineEdit, "passwordEdit")
        self.repeat: QLineEdit = child(self.form, QLineEdit, "repeatEdit")
        self.button: QPushButton = child(self.form, QPushButton, "createButton")
        self.message: QLabel = child(self.form, QLabel, "messageLabel")
        child(self.form, QLabel, "titleLabel").setProperty("role", "title")
        self.message.setProperty("role", "error")
        self.button.clicked.connect(self.submit)
        self.repeat.returnPressed.connect(self.submit)

    def submit(self) -> None:
        if not self.button.isEnabled():
            return
        if self.password.text() != self.repeat.text():
            self._problem = "mismatch"
            self._show_problem()
            return
        args = (self.username.text().strip(), self.password.text(),
                self.display_name.text().strip())
        self.button.setEnabled(False)
        store = self._store
        from tawasul_desktop.gui.session import create_first_admin

        workers.run_task(lambda: create_first_admin(store, *args),
                         self._succeeded, self._failed)

    def _succeeded(self, actor: Actor) -> None:
        self.button.setEnabled(True)
        self.created.emit(actor)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        if not isinstance(exc, TawasulError):
            raise exc
        self._problem = exc.problems[0]
        self._show_problem()

    def _show_problem(self) -> None:
        if self._problem == "mismatch":
            self.message.setText(self.tr("The two passwords differ."))
        elif isinstance(self._problem, Problem):
            self.message.setText(self._problem.text(self._language()))
        else:
            return
        self.message.show()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._show_problem()
        super().changeEvent(event)
