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
    # An empty configuration file: the command refuses a named one that does not exist.
    config = tmp_path / "config.toml"
    config.touch()
    env.update(QT_QPA_PLATFORM="offscreen", TAWASUL_CONFIG=str(config),
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
    # Every screen of every role was shown, the dashboard drew, a receipt was printed:
    # a Qt module build.spec leaves out (QtCharts once was) cannot pass.
    for role in ("supervisor", "admin"):
        assert f"{role}: wizard (4 steps), enquiryPage, supervision (queue, decision " \
               "dialogs, dashboard)" in result.stdout, result.stdout
    assert "receipt printed to PDF" in result.stdout


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


@pytest.fixture(scope="module")
def package(bundle: Path, tmp_path_factory) -> Path:
    """The .deb made from this bundle (tools/build_deb.py); kept in $TAWASUL_DEB_OUT when
    set, where .ci/run installs it and starts it."""
    sys.path.insert(0, str(ROOT / "tools"))
    import build_deb

    out = Path(os.environ.get("TAWASUL_DEB_OUT") or tmp_path_factory.mktemp("deb"))
    return build_deb.build(bundle, out)


def test_both_programs_tell_their_version(bundle: Path, tmp_path: Path) -> None:
    from tawasul_desktop import __version__

    for program in ("tawasul", "tawasul-desktop"):
        result = subprocess.run([str(bundle / f"{program}{EXE}"), "--version"],
                                capture_output=True, text=True, env=_env(tmp_path),
                                timeout=60, check=False)
        assert result.stdout.strip() == f"{program} {__version__}", result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="a Debian package")
def test_the_debian_package_unpacks_and_runs(package: Path, tmp_path: Path) -> None:
    """Unpacked under tmp_path (never installed here): the programs run from /opt's copy,
    the desktop entry validates, the shell completion is the bundle's own."""
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    opt = root / "opt" / "tawasul-desk"
    result = subprocess.run([str(opt / "tawasul-desktop"), "--self-check"], capture_output=True,
                            text=True, env=_env(tmp_path), timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(opt) in result.stdout
    result = subprocess.run([str(opt / "tawasul"), "db", "upgrade", "--data-dir",
                             str(tmp_path / "data"), "--json"], capture_output=True, text=True,
                            env=_env(tmp_path), timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # /usr/bin holds links into /opt: a program started through a link finds its bundle.
    link = tmp_path / "tawasul"
    link.symlink_to(opt / "tawasul")
    result = subprocess.run([str(link), "--version"], capture_output=True, text=True,
                            env=_env(tmp_path), timeout=60, check=False)
    assert result.returncode == 0 and result.stdout.startswith("tawasul "), result.stderr
    entry = root / "usr/share/applications/tawasul-desk.desktop"
    assert subprocess.run(["desktop-file-validate", str(entry)], check=False).returncode == 0
    completion = (root / "usr/share/bash-completion/completions/tawasul").read_text()
    assert "complete -o default -F _tawasul tawasul" in completion
