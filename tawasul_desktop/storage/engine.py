"""Open the store: an SQLite file in WAL mode with foreign keys on, migrated to the latest schema.

Also opens PostgreSQL URLs (the central database) with the same models and migrations.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StoreVersionError(RuntimeError):
    """The database was written by a newer Tawasul Desk than this one."""

    def __init__(self, message: str, revision: str = "") -> None:
        super().__init__(message)
        self.revision = revision  # the schema revision the database is at


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, emit BEGIN so writers can ask for BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # NORMAL is durable across application crashes in WAL mode; FULL also survives power cuts.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front (IMMEDIATE): no lock upgrade that could fail with
    # "database is locked" half-way through a unit of work, and sweeps cannot race a submit.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def make_engine(url_or_path: str | Path) -> Engine:
    if isinstance(url_or_path, Path) or "://" not in str(url_or_path):
        path = Path(url_or_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: an error message (logged, shown) never carries the row's values.
        engine = create_engine(sqlite_url(path), hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    url = str(url_or_path)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def alembic_config(engine: Engine) -> Config:
    # Alembic is imported only when a migration may be needed: it costs start-up time.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_REVISION = re.compile(r"^revision\s*=\s*['\"](\w+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)


@cache
def declared_heads() -> frozenset[str]:
    """Head revisions of the migration scripts, read without importing Alembic."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        if match := _REVISION.search(source):
            revisions.add(match.group(1))
        if match := _DOWN.search(source):
            parents.update(re.findall(r"['\"](\w+)['\"]", match.group(1)))
    return frozenset(revisions - parents)


def _stamped_revisions(engine: Engine) -> set[str] | None:
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except (OperationalError, ProgrammingError):
        return None  # a new database: no version table yet


def _known_revision(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util import CommandError

    # Alembic raises (rather than returning None) for a revision it has no script for.
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def backup_before_upgrade(engine: Engine, revision: str) -> Path | None:
    """Copy an SQLite database about to be migrated next to itself (SQLite backup API), as
    ``<name>.before-upgrade-<revision>-<time>.sqlite3``; None for other databases."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    import datetime as dt

    from tawasul_desktop.storage.backup import backup_database

    db = Path(engine.url.database)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = db.with_name(f"{db.stem}.before-upgrade-{revision}-{stamp}{db.suffix}")
    engine.dispose()  # no connection of ours holds the file while it is copied
    backup_database(db, target)
    log.info("database backed up before migrating: %s", target.name)
    return target


def upgrade(engine: Engine) -> Path | None:
    """Migrate to the newest schema; refuse a database from a newer program.

    An existing SQLite database is backed up next to itself before it is migrated; returns
    that copy (None when nothing was migrated or the database was new)."""
    stamped = _stamped_revisions(engine)
    if stamped and stamped == set(declared_heads()):
        return None  # already current: the usual start, without loading Alembic
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    current = current_revision(engine)
    if current is not None and not _known_revision(script, current):
        raise StoreVersionError(
            f"the database is at schema {current}, newer than this program knows; "
            "install the newer Tawasul Desk that wrote it",
            current,
        )
    if current == script.get_current_head():
        return None
    backup = backup_before_upgrade(engine, current) if current is not None else None
    log.info("migrating store from %s to %s", current, script.get_current_head())
    command.upgrade(cfg, "head")
    return backup


def open_store(
    url_or_path: str | Path, *, migrate: bool = True
) -> tuple[Engine, sessionmaker[Any]]:
    engine = make_engine(url_or_path)
    if migrate:
        upgrade(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)
