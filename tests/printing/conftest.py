"""Print-test fixtures: the session's CUPS scheduler (cups_server.py has the details)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from cups_server import Cups, cups_installed, running_cups


@pytest.fixture(scope="session")
def cups() -> Iterator[Cups]:
    """The running scheduler with both queues; CUPS_SERVER points at it meanwhile."""
    if not cups_installed():
        message = "print tests need CUPS (Debian: cups cups-client cups-bsd cups-filters)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + "; .ci/run installs them")
        pytest.skip(message)
    with running_cups() as server:
        yield server
