"""``tawasul-desktop --self-check`` walks every screen of every role (gui/walkthrough.py).

Run as a separate process, as in the bundle, offscreen. A Qt module the program needs but
cannot import (as when build.spec excluded QtCharts) must fail the check, naming the screen.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RUN = """
import sys
for name in sys.argv[1:]:
    sys.modules[name] = None  # as if the bundle left it out: importing it fails
from tawasul_desktop.gui.app import main
sys.exit(main(["--self-check"]))
"""


def _self_check(tmp_path: Path, *missing: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               TAWASUL_CONFIG=str(tmp_path / "absent.toml"),
               TAWASUL_LOG_DIR=str(tmp_path / "logs"), HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-c", RUN, *missing], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=240, check=False)


def test_the_self_check_shows_every_screen_of_every_role(tmp_path: Path) -> None:
    result = _self_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert re.search(r"clerk: wizard \(4 steps\), enquiryPage\n", out), out
    for role in ("supervisor", "admin"):
        assert f"{role}: wizard (4 steps), enquiryPage, supervision (queue, decision " \
               "dialogs, dashboard)" in out, out
    assert "receipt printed to PDF" in out
    assert "set-up dialog" in out
    assert re.search(r"screens\s+ok", out)


def test_a_missing_chart_module_fails_the_self_check(tmp_path: Path) -> None:
    result = _self_check(tmp_path, "PySide6.QtCharts")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"screens\s+FAILED .*supervisor: dashboard.*PySide6\.QtCharts",
                     result.stdout), result.stdout
    assert "self-check FAILED: screens" in result.stdout


def test_the_bundle_keeps_every_qt_module_the_program_imports() -> None:
    """build.spec's excludes never name a PySide6 module that the code imports."""
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    excludes = re.search(r"^excludes = \[(.*?)\]", spec, re.S | re.M)
    assert excludes is not None
    excluded = set(re.findall(r'"([^"]+)"', excludes.group(1)))
    used = set()
    for source in (ROOT / "tawasul_desktop").rglob("*.py"):
        used |= set(re.findall(r"^\s*(?:from|import) (PySide6\.Qt\w+)", source.read_text(
            encoding="utf-8"), re.M))
    assert "PySide6.QtCharts" in used
    assert not used & excluded, f"build.spec excludes {sorted(used & excluded)}"
