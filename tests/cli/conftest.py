"""Run the real `tawasul` command in a subprocess against the test's database and data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def data(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli_env(tmp_path, settings) -> dict[str, str]:
    """The environment of a counter PC whose database is the ``settings``/``store`` fixtures'."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    # An empty configuration file: a named one that does not exist is an error.
    (tmp_path / "none.toml").touch()
    env.update(
        TAWASUL_DB=str(settings.db_path),
        TAWASUL_DATA_DIR=str(settings.data_dir),
        TAWASUL_CONFIG=str(tmp_path / "none.toml"),
        PYTHONPATH=str(REPO),
        PYTHONIOENCODING="utf-8",
    )
    return env


@pytest.fixture
def tawasul(cli_env, tmp_path):
    """``tawasul("request", "list", "--json")`` runs ``python -m tawasul_desktop.cli.main``."""

    def run(
        *args: str,
        stdin: str | None = None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Ran:
        proc = subprocess.run(
            [sys.executable, "-m", "tawasul_desktop.cli.main", *map(str, args)],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=cwd or tmp_path,
            env=cli_env | (env or {}),
            timeout=timeout,
        )
        return Ran(proc.returncode, proc.stdout, proc.stderr)

    return run
