"""The local store: database, attachment files, policy and catalogue behind one object.

Each user action is one unit of work: ``with store.write() as session:`` commits whole or not
at all (and on SQLite holds the write lock from the start); ``store.read()`` is for queries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sqlite3
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tawasul_desktop.config import Settings
from tawasul_desktop.domain.catalogue import (
    Catalogue,
    CatalogueError,
    default_catalogue,
    parse_catalogue,
)
from tawasul_desktop.domain.policy import Policy
from tawasul_desktop.domain.workdays import WorkingCalendar
from tawasul_desktop.private_files import (
    create_private_file,
    database_files,
    private_dir,
    warn_if_loosened,
)
from tawasul_desktop.storage.blobs import BlobStore
from tawasul_desktop.storage.drafts import draft_digests, payload_digests
from tawasul_desktop.storage.engine import open_store
from tawasul_desktop.storage.high_water import HighWater
from tawasul_desktop.storage.models import Attachment, Closure, SyncState
from tawasul_desktop.storage.search import NameSearch, words_in_names

if TYPE_CHECKING:
    from tawasul_desktop.storage.queue_backend import QueueBackend

log = logging.getLogger(__name__)


def synced_catalogue(session: Session) -> Catalogue | None:
    """The catalogue last received from central (kept in this store's ``sync_state`` row by
    the sync engine), if any; None: the packaged one."""
    state = session.get(SyncState, 1)
    if state is None or not state.catalogue:
        return None
    try:
        return parse_catalogue(tomllib.loads(state.catalogue), "central catalogue")
    except (CatalogueError, tomllib.TOMLDecodeError):
        return None


def kept_database_digests(db_path: Path) -> set[str]:
    """Attachment digests referenced by databases kept aside beside the live one (a restore's
    ``*.before-restore-*``, an upgrade's ``*.before-upgrade-*``), by their requests and their
    drafts: those files are confirmed data, not crash leftovers, and must survive the sweep."""
    found: set[str] = set()
    for kept in db_path.parent.glob(f"{db_path.stem}.before-*{db_path.suffix}"):
        try:
            with contextlib.closing(sqlite3.connect(f"{kept.as_uri()}?mode=ro", uri=True)) as conn:
                found.update(
                    row[0] for row in conn.execute("SELECT DISTINCT sha256 FROM attachments")
                )
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                if "drafts" in tables:
                    for (payload,) in conn.execute("SELECT payload FROM drafts"):
                        with contextlib.suppress(ValueError, TypeError):
                            found |= payload_digests(json.loads(payload or "{}"))
        except sqlite3.Error as exc:
            log.warning("kept database %s could not be read: %s", kept.name, exc)
    return found


def _make_private(settings: Settings) -> None:
    """The data folder and attachments folder 0700, the database 0600 before SQLite first
    writes it (its -wal and -shm then take the same mode), on a new desk."""
    private_dir(settings.data_dir)
    private_dir(settings.attachments_dir)
    private_dir(settings.db_path.parent)
    create_private_file(settings.db_path)


def _private_paths(settings: Settings) -> tuple[list[Path], list[Path]]:
    folders = [settings.data_dir, settings.attachments_dir]
    return folders, database_files(settings.db_path)


@dataclass
class Store:
    settings: Settings
    engine: Engine
    _reader: sessionmaker[Session]
    _writer: sessionmaker[Session]
    blobs: BlobStore
    catalogue: Catalogue = field(default_factory=default_catalogue)
    _calendar: WorkingCalendar | None = None
    _calendar_closures: frozenset[dt.date] = frozenset()
    # How words of a name are found (storage.search): the desk's own, unless the store
    # reads another database that brings its own.
    name_search: NameSearch = words_in_names
    # What the supervisor workspace does through, when this store brings its own (a store
    # over central: central.queue.CentralStore); None: the desk's own (storage.desk_queue),
    # chosen in one place, storage.supervision.backend_of.
    queue_backend: QueueBackend | None = None
    # The central database this store reads, for a store over central (its connection
    # target); None for a desk's own store. Told, never asked: what differs between the
    # two goes through ``queue_backend``.
    central: object | None = None
    # Paths holding personal data that other accounts may read (checked at open; logged).
    permission_warnings: list[Path] = field(default_factory=list)

    @classmethod
    def open(cls, settings: Settings, *, sweep: bool = True) -> Store:
        _make_private(settings)
        engine, reader = open_store(settings.db_path)
        writer = sessionmaker(
            engine.execution_options(sqlite_begin="IMMEDIATE"),
            expire_on_commit=False,
            info={"high_water": HighWater(settings.data_dir)},  # see storage/high_water.py
        )
        store = cls(settings, engine, reader, writer, BlobStore(settings.attachments_dir))
        with store.read() as session:  # the catalogue last received from central, if any
            store.catalogue = synced_catalogue(session) or store.catalogue
        store.permission_warnings = warn_if_loosened(*_private_paths(settings))
        # sweep=False opens without writing (read-only commands work while another program
        # holds the write lock): no clean-up, no statistics.
        if sweep:
            store.sweep_orphan_files()
            if not store.has_statistics():
                store.refresh_statistics()
        return store

    def has_statistics(self) -> bool:
        if self.engine.dialect.name != "sqlite":
            return True  # PostgreSQL's autovacuum keeps its own statistics
        with self.engine.connect() as conn:
            return bool(conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first())

    def refresh_statistics(self) -> None:
        """Let SQLite's planner know the data's shape (after bulk loads): without it, it may
        pick the status index for an overdue list and sort thousands of rows. A full ANALYZE
        (about 2 s on a million requests): sampled statistics mislead the planner here."""
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    @property
    def policy(self) -> Policy:
        return self.settings.policy

    @property
    def db_path(self) -> Path:
        return self.settings.db_path

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._writer() as session, session.begin():
            yield session

    def calendar(self, session: Session | None = None) -> WorkingCalendar:
        """The working calendar with the closures recorded in the database.

        With a session (every write passes its own) the closures are read again, so a day
        closed by another program (the `tawasul` command beside the desktop) counts at once;
        the calendar is rebuilt only when they changed. Without one the cached calendar is
        returned, which is cheap enough for display code to call often.
        """
        if session is None:
            if self._calendar is not None:
                return self._calendar
            with self.read() as s:
                return self.calendar(s)
        closures = frozenset(session.execute(select(Closure.day)).scalars())
        if self._calendar is None or self._calendar_closures != closures:
            self._calendar = WorkingCalendar(self.policy.calendar, sorted(closures))
            self._calendar_closures = closures
        return self._calendar

    def forget_calendar(self) -> None:
        self._calendar = None

    def referenced_files(self, session: Session) -> set[str]:
        """Digests of every attachment file something still needs: the requests, the drafts,
        and the databases kept aside beside this one."""
        referenced = set(session.execute(select(Attachment.sha256).distinct()).scalars())
        referenced |= draft_digests(session)
        referenced |= kept_database_digests(self.db_path)
        return referenced

    def sweep_orphan_files(self) -> int:
        # Inside a write transaction: no submit can be between writing its files and committing.
        with self.write() as session:
            return self.blobs.sweep(self.referenced_files(session))

    def release_files(self, session: Session, candidates: set[str]) -> int:
        """Remove those of ``candidates`` that nothing references any more (after a draft is
        deleted or loses a file). Call inside the write transaction that dropped them: holding
        the write lock, no other writer can start to rely on a file that is going."""
        if not candidates:
            return 0
        unused = candidates - self.referenced_files(session)
        removed = 0
        for digest in unused:
            try:
                self.blobs.path_for(digest).unlink(missing_ok=True)
                removed += 1
            except (OSError, ValueError) as exc:  # the sweep at the next start retries
                log.warning("could not release an attachment file: %s", exc)
        return removed

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
