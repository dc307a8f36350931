"""Progress of long commands (import, demo data, export, sync) for a person at a terminal.

Shown on standard error, on one line rewritten in place, only when standard error is a
terminal and the output is not JSON: a script, a pipe, a log file or a service gets nothing.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

REDRAW_SECONDS = 0.2


class Progress:
    def __init__(self, what: str, total: int | None = None, *, json_mode: bool = False,
                 stream: TextIO | None = None) -> None:
        self.what, self.total = what, total
        self.stream = stream or sys.stderr
        self.enabled = (not json_mode and self.stream is not None
                        and hasattr(self.stream, "isatty") and self.stream.isatty())
        self.count = 0
        self._drawn = 0.0

    def update(self, count: int, detail: str = "") -> None:
        self.count = count
        now = time.monotonic()
        if not self.enabled or now - self._drawn < REDRAW_SECONDS:
            return
        self._drawn = now
        of = f"/{self.total}" if self.total else ""
        self.stream.write(f"\r\x1b[K{self.what}: {count}{of}{detail}")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.finish()
