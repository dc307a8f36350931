"""Issue 13 §4: every screen fits at 1024×768 and at 150 % scaling on 1366×768.

On a real X server with a window manager (Xvfb + openbox, started by tools/screenshots.py
on a free display), the application opens as a clerk sees it (maximised), and every page of
the walk-through, in Arabic and English, is checked: each enabled widget lies on the screen,
whole, or inside a scroll area that brings it into view. The same run writes the shots that
reviewers look at. It runs in a subprocess, so it works under the suite's offscreen platform.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("screen", "scale"), [("1024x768", 1.0), ("1366x768", 1.5)])
def test_every_page_fits_the_screen(tmp_path, screen, scale):
    report = tmp_path / "fit.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "screenshots.py"), str(tmp_path / "shots"),
         "--screen", screen, "--scale", str(scale), "--check", str(report)],
        env=env, capture_output=True, text=True, timeout=900, check=False)
    assert report.exists(), (done.returncode, done.stdout, done.stderr)
    found = json.loads(report.read_text(encoding="utf-8"))
    # The walk reached every screen in both languages, the supervisor's included.
    assert {"ar-04-service", "ar-07-confirm", "ar-09-enquiry", "ar-12-supervisor-queue",
            "en-13-supervisor-dashboard", "ar-12b-reject-dialog"} <= set(found)
    assert {page: problems for page, problems in found.items() if problems} == {}
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((tmp_path / "shots").glob("*.png"))) >= 20


def test_a_saved_window_size_is_clamped_to_a_smaller_screen(qtbot, settings, store, users,
                                                            answers):
    from gui_helpers import open_window
    from PySide6.QtCore import QRect

    from tawasul_desktop.gui.main_window import clamped

    screen = QRect(0, 0, 1024, 768)
    assert clamped(QRect(500, 300, 1920, 1080), screen) == screen
    assert clamped(QRect(900, 700, 400, 300), screen) == QRect(624, 468, 400, 300)
    window = open_window(qtbot, settings, store)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.setGeometry(40, 50, 600, 400)
    window.close()
    again = open_window(qtbot, settings, store)
    assert not again.isMaximized()
    # The size it was left at (the offscreen platform may add a few pixels of frame).
    assert abs(again.width() - 600) <= 10 and abs(again.height() - 400) <= 10
