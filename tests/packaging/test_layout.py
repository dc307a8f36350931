"""The package's shape: a Qt-free core, and a wheel that carries ui/ and resources/."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE_MODULES = [
    "tawasul_desktop.config",
    "tawasul_desktop.domain.validation",
    "tawasul_desktop.domain.timing",
    "tawasul_desktop.domain.hijri",
    "tawasul_desktop.storage.requests",
    "tawasul_desktop.storage.importer",
    "tawasul_desktop.storage.demo",
    "tawasul_desktop.cli.main",
    "tawasul_desktop.cli.commands",
    "tawasul_desktop.receipts",
]


def test_core_imports_without_qt() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}: importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(','.join(qt))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "", "DISPLAY": ""}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core modules pulled in Qt: {result.stdout}"


@pytest.mark.slow
def test_wheel_carries_assets(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("tawasul_desktop-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "tawasul_desktop/assets_resources/catalogue/services.toml",
        "tawasul_desktop/assets_resources/texts/messages.toml",
        "tawasul_desktop/assets_resources/policy.toml",
        "tawasul_desktop/storage/migrations/env.py",
        "tawasul_desktop/storage/migrations/script.py.mako",
        "tawasul_desktop/storage/migrations/versions/0001_initial_schema.py",
    }
    assert expected <= names, sorted(expected - names)
    for folder in ("ui", "resources"):
        on_disk = {
            p.relative_to(ROOT / folder).as_posix()
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        packaged = {
            n.split("/", 2)[2] for n in names if n.startswith(f"tawasul_desktop/assets_{folder}/")
        }
        assert on_disk <= packaged, sorted(on_disk - packaged)
