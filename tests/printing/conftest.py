"""Print-test fixtures: the session's CUPS scheduler (cups_server.py has the details)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from cups_server import Cups, _free_port, cups_installed, running_cups, skip_or_fail

# Qt's print support (libcups) reads CUPS_SERVER once per process, the first time any test
# lists printers (the set-up dialog does). So the session's server address is chosen and
# exported here, at collection, before any test runs; the scheduler starts on it later.
PORT = _free_port()
if cups_installed():
    os.environ["CUPS_SERVER"] = f"127.0.0.1:{PORT}"


@pytest.fixture(scope="session")
def cups() -> Iterator[Cups]:
    """The running scheduler with both queues; CUPS_SERVER points at it meanwhile."""
    if not cups_installed():
        skip_or_fail("print tests need CUPS (Debian: cups cups-client cups-bsd cups-filters)")
    with running_cups(PORT) as server:
        yield server
