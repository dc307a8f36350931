"""Start-up: the sign-in window comes first, the store opens behind it in a worker."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, type_text
from PySide6.QtCore import Qt

from tawasul_desktop.gui import main_window, workers
from tawasul_desktop.gui.app import build_window, make_application

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gate(monkeypatch):
    """Holds the store's opening until the test opens the gate."""
    opened = threading.Event()
    real = main_window.open_store_for_window

    def slow_open(settings):
        assert opened.wait(10), "the test never let the store open"
        return real(settings)

    monkeypatch.setattr(main_window, "open_store_for_window", slow_open)
    yield opened
    opened.set()
    workers.wait_for_all()


def _start(qtbot, settings):
    window = build_window(make_application(), settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _close(window) -> None:
    window.close()
    workers.wait_for_all()
    if window.store is not None:
        window.store.close()


def test_sign_in_before_the_store_is_open_waits_then_goes_on(qtbot, settings, store, users,
                                                             answers, gate):
    store.close()  # the window opens its own
    window = _start(qtbot, settings)
    login = window.login
    assert window.stack.currentWidget() is login and window.store is None
    qtbot.waitUntil(lambda: workers.busy(), timeout=3000)  # opening began after the paint

    type_text(qtbot, login.username, "amal")
    type_text(qtbot, login.password, PASSWORD)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert login.waiting and not login.button.isEnabled()
    assert login.note.text() == "جارٍ فتح قاعدة البيانات…"
    assert window.actor is None

    with qtbot.waitSignal(window.store_ready, timeout=10_000):
        gate.set()
    qtbot.waitUntil(lambda: window.actor is not None, timeout=10_000)
    assert window.actor.username == "amal" and window.stack.currentWidget() is window.tabs
    assert window.tabs.count() >= 2 and window.wizard.store is window.store
    _close(window)


def test_first_run_switches_to_the_administrator_panel_once_open(qtbot, settings, answers):
    window = _start(qtbot, settings)
    assert window.stack.currentWidget() is window.login
    qtbot.waitUntil(lambda: window.store is not None, timeout=10_000)
    assert window.stack.currentWidget() is window.first_admin
    _close(window)


def test_a_database_from_a_newer_program_is_refused_with_a_message(qtbot, settings, store,
                                                                   answers):
    store.close()
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    # Listen before the window is shown: it opens the store after its first paint, and a
    # refusal that came before waitSignal connected would never be seen.
    window = build_window(make_application(), settings)
    refusals: list[str] = []
    window.store_failed.connect(refusals.append)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(refusals), timeout=10_000)
    text = refusals[0]
    assert str(settings.db_path) in text and "9999_from_the_future" in text
    assert "أحدث" in text  # said in the interface language: written by a newer version
    assert window.login.message.isVisible() and window.login.message.text() == text
    assert not window.login.button.isEnabled() and window.store is None
    _close(window)


def test_the_sign_in_window_needs_no_storage_modules() -> None:
    code = (
        "import sys\n"
        "from tawasul_desktop.config import load_settings\n"
        "from tawasul_desktop.gui.app import build_window, make_application\n"
        "from tawasul_desktop.gui.main_window import MainWindow\n"
        "from tawasul_desktop.gui.i18n import LanguageManager\n"
        "import tempfile, pathlib\n"
        "d = pathlib.Path(tempfile.mkdtemp())\n"
        "s = load_settings(d / 'none.toml', db=d / 'db.sqlite3', data_dir=d)\n"
        "app = make_application(['t'])\n"
        "LanguageManager.for_app(app).apply('ar')\n"
        "w = MainWindow(None, LanguageManager.for_app(app), settings=s); w.start(); w.show()\n"
        "app.processEvents()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'alembic', 'argon2', 'reportlab', 'psycopg') "
        "or m.startswith('tawasul_desktop.storage'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen",
                                           "TAWASUL_CONFIG": "/nonexistent/config.toml"},
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "", f"the sign-in window pulled in: {result.stdout}"
