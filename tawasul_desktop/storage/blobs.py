"""Content-addressed attachment files under the data directory.

A file is written to a temporary name, flushed to disk and renamed to its sha256 before the
database transaction that references it commits. Files nobody references (left by a crash
between the rename and the commit) are swept while holding the database write lock, so a
sweep never races a submit in progress.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tawasul_desktop.private_files import private_dir

log = logging.getLogger(__name__)
_TMP_PREFIX = ".incoming-"
_DIGEST = re.compile(r"[0-9a-f]{64}")


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise ValueError("not a sha256 hex digest")
        return self.root / digest[:2] / digest

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def put(self, content: bytes, known: set[str] | None = None) -> str:
        """Store content durably; return its digest. Idempotent: the same bytes are stored once.

        ``known``: the digests this caller has already put within the write transaction it
        holds (an import's batch, whose lines often share a file); such a file is not looked
        for again, and a digest put here is added. Only within that transaction: a sweep,
        which removes files no committed row references, waits for the write lock."""
        digest = sha256_hex(content)
        if known is not None and digest in known:
            return digest
        self._put(content, digest)
        if known is not None:
            known.add(digest)
        return digest

    def _put(self, content: bytes, digest: str) -> None:
        target = self.path_for(digest)
        try:
            found = os.stat(target)
        except (FileNotFoundError, NotADirectoryError):
            pass
        else:  # one stat, not two
            if stat.S_ISREG(found.st_mode) and found.st_size == len(content):
                return
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)

    def read(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()

    def stored_digests(self) -> Iterable[tuple[str, Path]]:
        if not self.root.is_dir():
            return
        for sub in self.root.iterdir():
            if sub.is_dir() and len(sub.name) == 2:
                for f in sub.iterdir():
                    yield f.name, f

    def sweep(self, referenced: set[str]) -> int:
        """Remove temporary files and blobs not in ``referenced``; return how many went."""
        removed = 0
        for name, path in list(self.stored_digests()):
            if name.startswith(_TMP_PREFIX) or name not in referenced:
                try:
                    path.unlink()
                    removed += 1
                except OSError as exc:  # e.g. a virus scanner holding it on Windows
                    log.warning("could not remove orphan attachment file: %s", exc.strerror)
        if removed:
            log.info("removed %d orphan attachment file(s)", removed)
        return removed


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return  # directories cannot be opened for fsync on Windows; NTFS journals renames
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
