"""Each counter's highest request number ever handed out, kept outside the database.

Restoring an older backup rolls the database's number sequences back; numbers printed on
receipts since then would be given again. This small file lives in the data folder, which a
restore does not replace, and only ever grows: reserving numbers starts above both the
database's sequence and this mark, and raises the mark (written and flushed to disk) inside
the write transaction, before the commit. A crash between the two leaves a gap, never a reuse.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

FILE_NAME = "number-high-water.json"


def _key(centre: str, counter: int, year: int) -> str:
    return f"{centre}-{counter:02d}-{year:02d}"


class HighWater:
    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME

    def read(self) -> dict[str, int]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # Guessing would risk a reused number: stop and say which file to look at.
            raise OSError(f"{self.path}: the numbers' high-water file cannot be read "
                          f"({exc})") from None
        return {str(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

    def mark(self, centre: str, counter: int, year: int) -> int:
        return self.read().get(_key(centre, counter, year), 0)

    def raise_to(self, centre: str, counter: int, year: int, last: int) -> None:
        marks = self.read()
        key = _key(centre, counter, year)
        if marks.get(key, 0) >= last:
            return
        marks[key] = last
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".high-water-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(marks, fh, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        with contextlib.suppress(OSError):  # the rename itself durable (POSIX)
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
