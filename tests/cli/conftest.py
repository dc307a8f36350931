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
from cli_users import OPERATOR, OPERATOR_PASSWORD, map_os_account

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
    # The test run's own empty machine folder (tests/conftest.py), never the real /etc/xdg.
    env["TAWASUL_SITE_CONFIG_DIR"] = os.environ["TAWASUL_SITE_CONFIG_DIR"]
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
    """``tawasul("request", "list", "--json")`` runs ``python -m tawasul_desktop.cli.main``.

    ``password="…"`` hands the command that password on a pipe (``--password-fd N``)."""

    def run(
        *args: str,
        stdin: str | None = None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
        password: str | None = None,
    ) -> Ran:
        argv = [sys.executable, "-m", "tawasul_desktop.cli.main", *map(str, args)]
        fds: tuple[int, ...] = ()
        if password is not None:
            read_end, write_end = os.pipe()
            os.write(write_end, password.encode() + b"\n")
            os.close(write_end)
            fds = (read_end,)
            argv += ["--password-fd", str(read_end)]
        try:
            proc = subprocess.run(
                argv,
                input=stdin if stdin is not None else "",
                capture_output=True,
                text=True,
                encoding="utf-8",
                cwd=cwd or tmp_path,
                env=cli_env | (env or {}),
                timeout=timeout,
                pass_fds=fds,
            )
        finally:
            for fd in fds:
                os.close(fd)
        return Ran(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def operator(store) -> str:
    """The OS account running the tests acts as an administrator, ``operator``; commands that
    need a password take ``password=OPERATOR_PASSWORD``."""
    map_os_account(store, OPERATOR, "admin", OPERATOR_PASSWORD)
    return OPERATOR
