"""A second start of tawasul-desktop for the same user and database brings the running
window forward and exits; it never opens the store a second time. Real processes, offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tawasul_desktop.gui.single_instance import server_name

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, data: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               TAWASUL_CONFIG=str(tmp_path / "config.toml"),
               TAWASUL_DATA_DIR=str(tmp_path / data), TAWASUL_LOG_DIR=str(tmp_path / "logs"),
               TAWASUL_SITE_CONFIG_DIR=str(tmp_path / "site"))
    return env


def _log(tmp_path: Path) -> str:
    path = tmp_path / "logs" / "tawasul-desktop.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _wait_for(condition, process: subprocess.Popen | None = None, hang_after: float = 300
              ) -> bool:
    """Poll until ``condition()``; False if ``process`` ended first. The time bound only
    stops a hang: starting a Qt program on a loaded machine can take tens of seconds."""
    stop = time.monotonic() + hang_after
    while time.monotonic() < stop:
        if condition():
            return True
        if process is not None and process.poll() is not None:
            return condition()
        time.sleep(0.2)
    return False


def test_a_second_start_brings_the_first_forward(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    desktop = [sys.executable, "-m", "tawasul_desktop.gui"]
    first = subprocess.Popen(desktop, env=_env(tmp_path, "data"), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        # Not "starting": that is logged before the window is built and its socket listens,
        # and a second start in between (a slow machine) finds nobody and starts as well.
        assert _wait_for(lambda: "listening for a second start" in _log(tmp_path),
                         first), _log(tmp_path)
        second = subprocess.run(desktop, env=_env(tmp_path, "data"), capture_output=True,
                                text=True, timeout=300, check=False)  # stops a hang only
        assert second.returncode == 0, second.stderr
        assert _wait_for(lambda: "asked this window to come forward" in _log(tmp_path), first)
        assert "already running" in _log(tmp_path)
        assert _log(tmp_path).count("Tawasul Desk starting") == 1
        assert first.poll() is None  # the first window is still there
        # Another database (another store) is another program.
        other = subprocess.Popen(desktop, env=_env(tmp_path, "other"),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _wait_for(lambda: _log(tmp_path).count("listening for a second start") == 2,
                             other)
        finally:
            other.terminate()
            other.wait(timeout=30)
    finally:
        first.terminate()
        first.wait(timeout=30)


def test_starts_at_the_same_moment_open_one_window(tmp_path: Path) -> None:
    """A clerk double-clicking the icon: three starts at once, one window. Each start either
    listens or hands over; before the socket was taken ahead of the window (and a failed
    listen asked again before removing the socket), each of them opened a window."""
    (tmp_path / "config.toml").write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    desktop = [sys.executable, "-m", "tawasul_desktop.gui"]
    starts = [subprocess.Popen(desktop, env=_env(tmp_path, "data"), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) for _ in range(3)]
    try:
        def settled() -> bool:
            log_text = _log(tmp_path)
            return (log_text.count("listening for a second start")
                    + log_text.count("already running")) >= len(starts)

        assert _wait_for(settled), _log(tmp_path)
        assert _log(tmp_path).count("Tawasul Desk starting") == 1, _log(tmp_path)
        assert _log(tmp_path).count("already running") == len(starts) - 1, _log(tmp_path)
        assert _wait_for(lambda: sum(p.poll() is None for p in starts) == 1)
        assert all(p.returncode == 0 for p in starts if p.poll() is not None)
    finally:
        for p in starts:
            if p.poll() is None:
                p.terminate()
            p.wait(timeout=30)


def test_the_socket_is_per_user_and_store(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    assert server_name(a) == server_name(a) != server_name(b)
    assert len(server_name(a)) < 40


def test_version(tmp_path: Path) -> None:
    from tawasul_desktop import __version__

    ran = subprocess.run([sys.executable, "-m", "tawasul_desktop.gui", "--version"],
                         env=_env(tmp_path, "data"), capture_output=True, text=True,
                         timeout=60, check=False)
    assert ran.returncode == 0 and ran.stdout.strip() == f"tawasul-desktop {__version__}"


def test_the_desktop_entry_is_valid_and_named_for_wayland() -> None:
    entry = ROOT / "resources" / "tawasul-desk.desktop"
    ran = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                         text=True, check=False)
    assert ran.returncode == 0 and ran.stdout == "", ran.stdout + ran.stderr
    from tawasul_desktop.gui.app import make_application

    assert make_application().desktopFileName() == entry.stem


# Another start in the middle of its claim: it holds the claim's lock file, listens a moment
# later (as a slow first start would), then lets go of the lock and keeps serving.
_MIDWAY = """
import sys, time
from PySide6.QtCore import QCoreApplication, QDir, QLockFile, QTimer
from PySide6.QtNetwork import QLocalServer
from tawasul_desktop.gui.single_instance import lock_path
name = sys.argv[1]
app = QCoreApplication([])
lock = QLockFile(lock_path(name))
assert lock.tryLock(0)
print("locked", flush=True)
time.sleep(1.0)
server = QLocalServer()
server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
assert server.listen(name), server.errorString()
time.sleep(0.5)
lock.unlock()
QTimer.singleShot(20000, app.quit)
app.exec()
"""


def test_a_start_waits_for_one_in_the_middle_of_its_claim(tmp_path: Path, qapp) -> None:
    """With a user-only socket Qt binds in a private folder and renames the socket into
    place, so a second listen replaces the first one's socket instead of failing: a start
    that asked before the other listened, then listened itself, opened a second window
    (seen once in CI: two "starting" lines). A start now waits for the claim another start
    is making, then asks it."""
    from tawasul_desktop.gui.single_instance import claim

    db = tmp_path / "data" / "tawasul.sqlite3"
    name = server_name(db)
    other = subprocess.Popen([sys.executable, "-c", _MIDWAY, name], env=_env(tmp_path, "data"),
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "locked"
        instance = claim(db)
        try:
            assert instance is None  # it asked the other start, which was listening by then
        finally:
            if instance is not None:
                instance.server.close()
    finally:
        other.terminate()
        other.wait(timeout=30)
