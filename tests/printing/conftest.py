"""Print-test fixtures: the session's CUPS scheduler (cups_server.py has the details)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cups_server import CUPSD, QUEUES, Cups, _free_port, _wait, _write_config


@pytest.fixture(scope="session")
def cups() -> Iterator[Cups]:
    """The running scheduler with both queues; CUPS_SERVER points at it meanwhile."""
    on_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if CUPSD is None or shutil.which("lp") is None or shutil.which("lpadmin") is None:
        message = "print tests need CUPS (Debian: cups cups-client cups-bsd cups-filters)"
        if on_ci:
            pytest.fail(message + "; .ci/run installs them")
        pytest.skip(message)
    # Not under pytest's temporary folder: that is private to root (0700), and CUPS runs its
    # filters as the unprivileged user "lp", which must read the spool and the PPDs.
    root = Path(tempfile.mkdtemp(prefix="tawasul-cups-"))
    root.chmod(0o755)
    port = _free_port()
    _write_config(root, port)
    process = subprocess.Popen(
        [CUPSD, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    server = Cups(root, f"127.0.0.1:{port}")
    previous = os.environ.get("CUPS_SERVER")
    os.environ["CUPS_SERVER"] = server.server
    try:
        def up() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"cupsd stopped: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            return subprocess.run(["lpstat", "-r"], capture_output=True, text=True,
                                  env={**os.environ}).stdout.strip() == "scheduler is running"

        _wait(up, "cupsd to start")
        for queue, ppd in QUEUES.items():
            server.reset(queue)
            server.run("lpadmin", "-p", queue, "-E", "-v", f"file:{server.output(queue)}",
                       "-P", str(ppd))
        yield server
    finally:
        if previous is None:
            os.environ.pop("CUPS_SERVER", None)
        else:
            os.environ["CUPS_SERVER"] = previous
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)
