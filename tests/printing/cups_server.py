"""A real CUPS scheduler for print tests, started in a temporary folder (see conftest.py).

cupsd runs with its own configuration (nothing under /etc/cups is touched), listening only
on 127.0.0.1 at a free port and on a socket in its folder, with two queues whose device
is a file (``FileDevice Yes``):

* ``tw-roll80``: an 80 mm thermal roll printer whose PPD has only roll paper;
* ``tw-office``: an office printer with A4 and A5 sheets.

Both PPDs end in ``application/pdf``, so what arrives in the file is the job as CUPS's own
filters (pdftopdf: page size, scaling) made it: tests read its page size, size and barcode.
On a developer machine without cupsd the tests skip; on CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
CUPSD = shutil.which("cupsd") or ("/usr/sbin/cupsd" if Path("/usr/sbin/cupsd").exists() else None)
QUEUES = {"tw-roll80": HERE / "roll-80mm.ppd", "tw-office": HERE / "office-a4-a5.ppd"}
ROLL, OFFICE = "tw-roll80", "tw-office"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(predicate: Callable[[], bool], what: str, hang_after: float = 300.0) -> None:
    """Poll until ``predicate()``. The bound only stops a hang: CUPS filters rasterising a job
    on a loaded 2-core machine can take far longer than on an idle one."""
    stop = time.monotonic() + hang_after
    while not predicate():
        if time.monotonic() > stop:
            raise AssertionError(f"CUPS: still waiting for {what} after {hang_after:.0f} s")
        time.sleep(0.05)


@dataclass
class Cups:
    root: Path
    server: str  # "127.0.0.1:port", what CUPS_SERVER holds during the tests

    def run(self, *args: str) -> str:
        done = subprocess.run(args, capture_output=True, text=True, timeout=300,  # a hang
                              env={**os.environ, "CUPS_SERVER": self.server})
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    @property
    def socket(self) -> Path:
        """The scheduler's local socket (CUPS_SERVER may name it instead of host:port)."""
        return self.root / "cups.sock"

    def output(self, queue: str) -> Path:
        return self.root / "out" / f"{queue}.pdf"

    def reset(self, queue: str) -> None:
        """Empty the queue's output file (the scheduler opens it without creating it)."""
        path = self.output(queue)
        path.write_bytes(b"")
        path.chmod(0o666)

    def wait_done(self) -> None:
        """Until no job is pending or printing, and the last one ended without error."""
        _wait(lambda: not self.run("lpstat", "-o").strip(), "the job to finish")

    def job(self, queue: str, send: Callable[[], object]) -> bytes:
        """Run ``send`` (which prints to ``queue``), wait for CUPS, return what arrived."""
        self.reset(queue)
        send()
        self.wait_done()
        data = self.output(queue).read_bytes()
        assert data, f"nothing arrived at {queue}; see {self.root / 'log' / 'error_log'}"
        return data


def _write_config(root: Path, port: int) -> None:
    for sub in ("spool", "tmp", "cache", "state", "log", "ppd", "out"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    (root / "out").chmod(0o777)
    (root / "cupsd.conf").write_text(
        f"Listen 127.0.0.1:{port}\n"
        # Also a local socket, as a desk's own scheduler listens (/run/cups/cups.sock).
        f"Listen {root}/cups.sock\n"
        f"ServerName 127.0.0.1:{port}\n"
        "LogLevel info\nWebInterface No\nBrowsing No\nDefaultAuthType None\n"
        "<Location />\n  Order allow,deny\n  Allow 127.0.0.1\n</Location>\n"
    )
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nTempDir {root}/tmp\n"
        f"CacheDir {root}/cache\nStateDir {root}/state\nErrorLog {root}/log/error_log\n"
        f"AccessLog {root}/log/access_log\nPageLog {root}/log/page_log\n"
        f'FileDevice Yes\nSystemGroup root\nPrintcap {root}/printcap\n'
    )



def skip_or_fail(message: str) -> None:
    """Skip on a developer machine; fail on CI (``CI=true``), where .ci/run installs all."""
    import pytest

    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + "; .ci/run installs it")
    pytest.skip(message)


def cups_installed() -> bool:
    return CUPSD is not None and all(shutil.which(t) for t in ("lp", "lpadmin", "lpstat"))


@contextmanager
def running_cups(port: int | None = None) -> Iterator[Cups]:
    """A scheduler of our own with both queues, on ``port`` (default: a free one);
    CUPS_SERVER points at it meanwhile."""
    assert CUPSD is not None
    # Not under pytest's temporary folder: that is private to root (0700), and CUPS runs its
    # filters as the unprivileged user "lp", which must read the spool and the PPDs.
    root = Path(tempfile.mkdtemp(prefix="tawasul-cups-"))
    root.chmod(0o755)
    port = port or _free_port()
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
