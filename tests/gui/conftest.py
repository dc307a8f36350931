"""GUI tests: a real main window over a real SQLite store, driven like a clerk would."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from gui_helpers import PASSWORD, Answers, open_window  # noqa: E402

from tawasul_desktop.config import load_settings  # noqa: E402
from tawasul_desktop.gui import dialogs, workers  # noqa: E402
from tawasul_desktop.gui.collector import install_gui_collector  # noqa: E402
from tawasul_desktop.storage.store import Store  # noqa: E402
from tawasul_desktop.storage.users import Actor, add_user  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def gui_thread_collector(qapp):
    """As in the application: garbage is collected on the GUI thread only (a worker that
    collects may free the GUI thread's Qt objects: a crash seen in this suite)."""
    return install_gui_collector(qapp)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("TAWASUL_CONFIG", "TAWASUL_DB", "TAWASUL_DATA_DIR", "TAWASUL_CENTRE",
                 "TAWASUL_COUNTER", "TAWASUL_CENTRAL_DSN"):
        monkeypatch.delenv(name, raising=False)
    return load_settings(tmp_path / "absent.toml", db=tmp_path / "store.sqlite3",
                         data_dir=tmp_path / "data")


@pytest.fixture
def store(settings):
    with Store.open(settings) as opened:
        yield opened


@pytest.fixture
def users(store):
    """An administrator and two clerks."""
    with store.write() as session:
        setup = Actor("test-setup", "admin")
        add_user(session, setup, "admin", "admin", PASSWORD, store.policy.security)
        add_user(session, setup, "amal", "clerk", PASSWORD, store.policy.security, "Amal")
        add_user(session, setup, "badr", "clerk", PASSWORD, store.policy.security, "Badr")
    return ("amal", "badr")


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake = Answers()
    monkeypatch.setattr(dialogs, "confirm", fake.confirm)
    monkeypatch.setattr(dialogs, "ask", fake.ask)
    monkeypatch.setattr(dialogs, "inform", fake.inform)
    monkeypatch.setattr(dialogs, "warn", fake.inform)
    return fake


@pytest.fixture
def window(qtbot, settings, store, users, answers):
    win = open_window(qtbot, settings, store)
    yield win
    workers.wait_for_all()
