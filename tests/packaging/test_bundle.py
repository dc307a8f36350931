"""The PyInstaller bundle (build.spec): both programs in one folder, and they work.

Building takes about three minutes on a two-core machine, so it runs only when
TAWASUL_BUILD_BUNDLE=1 (``.ci/run`` sets it; so CI always builds and checks the bundle).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if sys.platform == "win32" else ""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("TAWASUL_BUILD_BUNDLE") != "1",
                       reason="builds the bundle (~3 min): set TAWASUL_BUILD_BUNDLE=1"),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("bundle")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--workpath", str(work / "build"), "--distpath", str(work / "dist"),
         str(ROOT / "build.spec")],
        capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    folder = work / "dist" / "tawasul-desktop"
    files = [f for f in folder.rglob("*") if f.is_file() and not f.is_symlink()]
    size = sum(f.stat().st_size for f in files)
    print(f"\nbundle built in {time.monotonic() - started:.0f} s, {size / 2**20:.0f} MB")
    return folder


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    env.update(QT_QPA_PLATFORM="offscreen", TAWASUL_CONFIG=str(tmp_path / "absent.toml"),
               TAWASUL_LOG_DIR=str(tmp_path / "logs"))
    return env


def test_both_programs_are_in_one_folder(bundle: Path) -> None:
    assert (bundle / f"tawasul-desktop{EXE}").is_file()
    assert (bundle / f"tawasul{EXE}").is_file()
    internal = bundle / "_internal"
    assert (internal / "ui" / "login.ui").is_file()
    assert (internal / "resources" / "translations" / "tawasul_ar.qm").is_file()
    assert (internal / "tawasul_desktop" / "storage" / "migrations" / "env.py").is_file()


def test_the_desktop_passes_its_self_check(bundle: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(bundle / f"tawasul-desktop{EXE}"), "--self-check"],
                            capture_output=True, text=True, env=_env(tmp_path), timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-check passed" in result.stdout
    assert str(bundle) in result.stdout  # the assets are the bundle's own


def test_the_command_line_works(bundle: Path, tmp_path: Path) -> None:
    tawasul = str(bundle / f"tawasul{EXE}")
    result = subprocess.run([tawasul, "--help"], capture_output=True, text=True,
                            env=_env(tmp_path), timeout=60, check=False)
    assert result.returncode == 0 and "usage: tawasul" in result.stdout, result.stderr
    data = tmp_path / "data"
    config = tmp_path / "empty.toml"  # a named configuration file must exist
    config.touch()
    result = subprocess.run([tawasul, "db", "upgrade", "--data-dir", str(data), "--json"],
                            capture_output=True, text=True,
                            env=_env(tmp_path) | {"TAWASUL_CONFIG": str(config)}, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (data / "tawasul.sqlite3").is_file()
