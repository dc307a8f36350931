"""The Debian package's shape (tools/build_deb.py), built from a stand-in bundle in seconds.

The real bundle is packaged, unpacked and run by test_bundle.py (TAWASUL_BUILD_BUNDLE=1),
and .ci/run installs that package and starts it. Nothing here is installed on the machine:
packages are only built and unpacked under tmp_path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_deb  # noqa: E402


@pytest.fixture
def package(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "tawasul").write_text(
        '#!/bin/sh\n[ "$1" = completion ] && echo "complete -F _tawasul tawasul" && exit 0\n'
        'echo "tawasul 0.1.0"\n', encoding="utf-8")
    (bundle / "tawasul-desktop").write_text('#!/bin/sh\necho "tawasul-desktop 0.1.0"\n',
                                            encoding="utf-8")
    for program in ("tawasul", "tawasul-desktop"):
        (bundle / program).chmod(0o755)
    return build_deb.build(bundle, tmp_path / "out")


def _unpack(package: Path, target: Path) -> Path:
    subprocess.run(["dpkg-deb", "-x", str(package), str(target)], check=True)
    return target


def test_the_package_holds_programs_entry_icon_service_and_docs(package: Path) -> None:
    listing = subprocess.run(["dpkg-deb", "-c", str(package)], capture_output=True,
                             text=True, check=True).stdout
    for path in ("./opt/tawasul-desk/tawasul", "./opt/tawasul-desk/tawasul-desktop",
                 "./usr/bin/tawasul -> /opt/tawasul-desk/tawasul",
                 "./usr/bin/tawasul-desktop -> /opt/tawasul-desk/tawasul-desktop",
                 "./usr/share/applications/tawasul-desk.desktop",
                 "./usr/share/icons/hicolor/256x256/apps/tawasul-desk.png",
                 "./lib/systemd/system/tawasul-sync.service",
                 "./usr/share/bash-completion/completions/tawasul",
                 "./usr/share/doc/tawasul-desk/config.sample.toml"):
        assert path in listing, path
    assert "root/root" in listing  # owned by root, whoever built it
    fields = subprocess.run(["dpkg-deb", "-f", str(package), "Package", "Version", "Depends"],
                            capture_output=True, text=True, check=True).stdout
    assert "Package: tawasul-desk" in fields and f"Version: {build_deb.version()}" in fields
    assert package.name == f"tawasul-desk_{build_deb.version()}_{build_deb.architecture()}.deb"


def test_the_desktop_entry_validates_and_names_the_icon(package: Path, tmp_path: Path) -> None:
    root = _unpack(package, tmp_path / "root")
    entry = root / "usr/share/applications/tawasul-desk.desktop"
    ran = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                         text=True, check=False)
    assert ran.returncode == 0 and ran.stdout == "", ran.stdout
    text = entry.read_text(encoding="utf-8")
    assert "Exec=tawasul-desktop" in text and "Icon=tawasul-desk" in text


def test_the_sync_service_unit_verifies(package: Path, tmp_path: Path) -> None:
    root = _unpack(package, tmp_path / "root")
    unit = (root / "lib/systemd/system/tawasul-sync.service").read_text(encoding="utf-8")
    assert "ExecStart=/usr/bin/tawasul sync" in unit and "User=tawasul" in unit
    # systemd-analyze checks the command exists: point it at the unpacked program.
    local = tmp_path / "tawasul-sync.service"
    local.write_text(unit.replace("/usr/bin/tawasul", str(root / "opt/tawasul-desk/tawasul")),
                     encoding="utf-8")
    ran = subprocess.run(["systemd-analyze", "verify", "--man=no", str(local)],
                         capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_the_maintainer_scripts_are_valid_shell(tmp_path: Path) -> None:
    for script in ("postinst", "prerm"):
        path = ROOT / "packaging" / "linux" / script
        assert os.access(path, os.X_OK)
        subprocess.run(["sh", "-n", str(path)], check=True)
