"""One window per user and database: a second start hands over to the running one.

The first ``tawasul-desktop`` listens on a local socket (a Unix socket, a named pipe on
Windows) named after the user and the database file; a second start for the same user and
database finds it, asks it to come to the front, and exits, so two windows never open the
same store. Another user, or the same user with another database, starts normally.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDir, QLockFile, QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)
WAIT_MS = 1000
LOCK_WAIT_MS = 10_000  # another start's claim: a socket and a log line, even on a slow disk
ACTIVATE = b"activate\n"


def server_name(db_path: Path) -> str:
    """Short (socket paths are limited to about 100 bytes) and stable per user and store."""
    key = f"{getpass.getuser()}\0{db_path.expanduser().resolve()}"
    return "tawasul-desk-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def lock_path(name: str) -> str:
    """The lock file starts take turns on while claiming ``name`` (beside Qt's own sockets)."""
    return QDir(QDir.tempPath()).filePath(f"{name}.lock")


def ask_running_instance(db_path: Path) -> bool:
    """True if a window for this user and store is running and was asked to come forward."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(db_path))
    if not socket.waitForConnected(WAIT_MS):
        return False
    socket.write(ACTIVATE)
    socket.flush()
    socket.waitForBytesWritten(WAIT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later starts; a start that asks brings ``window`` forward once it is set."""

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window: Any = None
        self.asked = False  # asked before the window existed: it comes forward when set
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.name = name
        self.server.newConnection.connect(self._on_connection)

    def set_window(self, window: Any) -> None:
        self.window = window
        if self.asked:
            bring_forward(window)

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._on_message(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_message(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(ACTIVATE.strip()):
            log.info("a second start asked this window to come forward")
            self.asked = True
            if self.window is not None:
                bring_forward(self.window)


def claim(db_path: Path, parent: QObject | None = None) -> InstanceServer | None:
    """This start's listening server, or None when a running window for this user and store
    took the request to come forward (this start then exits).

    Called before the window is built, so a second start during the first one's slow start
    finds it. The socket is taken before anything else: when two start at the same moment,
    only one can listen, and the other asks that one instead of removing its socket."""
    name = server_name(db_path)
    # Starts take turns: with a user-only socket Qt binds in a private folder and renames the
    # socket into place, which replaces another start's socket instead of failing, so a
    # successful listen does not mean this start was first.
    lock = QLockFile(lock_path(name))
    if not lock.tryLock(LOCK_WAIT_MS):
        log.warning("single-instance lock unavailable: %s", lock_path(name))
    try:
        return _claim(db_path, name, parent)
    finally:
        lock.unlock()


def _claim(db_path: Path, name: str, parent: QObject | None) -> InstanceServer | None:
    if ask_running_instance(db_path):
        return None
    instance = InstanceServer(name, parent)
    if not instance.server.listen(name):
        if ask_running_instance(db_path):  # another start listened in between
            instance.deleteLater()
            return None
        # A socket left by a crashed run: nobody answered.
        QLocalServer.removeServer(name)
        if not instance.server.listen(name):
            log.warning("single-instance socket unavailable: %s",
                        instance.server.errorString())
    if instance.server.isListening():  # from here a second start brings this window forward
        log.info("listening for a second start")
    return instance


def bring_forward(window) -> None:  # type: ignore[no-untyped-def]
    """Show the window in front, restored if it was minimised."""
    from PySide6.QtCore import Qt

    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()
