"""Create and migrate the central schema (its own Alembic scripts) and its login roles.

``init_central`` and ``upgrade_central`` run as a PostgreSQL role that may create roles (the
schema owner); ``add_counter``/``add_supervisor`` make one login role per desk or supervisor,
a member of the group role holding the privileges, mapped to its centre in ``counters``.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from psycopg import sql
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from tawasul_desktop.central.connection import CentralTarget, desk_key_hash
from tawasul_desktop.domain.lifecycle import RULES, Role

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "tawasul_central_version"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,20}")


class CentralSchemaError(RuntimeError):
    """The central schema is missing, or newer than this program, or already there."""


def _engine(target: CentralTarget) -> Engine:
    return create_engine("postgresql+psycopg://", creator=lambda: target.connect(),
                         poolclass=NullPool)


def _config(engine: Engine, **attributes: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    cfg.attributes.update(attributes)
    return cfg


@functools.cache
def central_head() -> str:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


# The oldest central revision this desk's code works with (the calls it makes exist there).
OLDEST_CENTRAL = "c0009"  # file bytes in blob_contents (c0007: binds the desk)
# central_settings key: the oldest desk (by the newest central revision its code knows) that
# central still serves. Written by the migrations: an expand-only revision leaves it, a
# contract (dropping what older desks use) moves it up.
SERVES_DESKS_FROM = "serves_desks_from"


@functools.cache
def _lineage() -> tuple[str, ...]:
    """This program's central revisions, newest first (read once: every sync pass asks)."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return tuple(r.revision for r in script.iterate_revisions(central_head(), "base"))


def served_from_of(conn: psycopg.Connection[Any]) -> str | None:
    """The oldest desk revision central declares it serves (None: a central before the key)."""
    with conn.cursor() as cur:
        cur.execute("SELECT value FROM central_settings WHERE key = %s", (SERVES_DESKS_FROM,))
        row = cur.fetchone()
    return str(row[0]) if row else None


def central_compatibility(conn: psycopg.Connection[Any]) -> tuple[str | None, str | None]:
    """(central revision, oldest desk revision it serves) in one round trip; (None, None)
    where there is no Tawasul schema."""
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT (SELECT version_num FROM {VERSION_TABLE}),
                       (SELECT value FROM central_settings WHERE key = %s)
                WHERE to_regclass(%s) IS NOT NULL AND to_regclass('central_settings') IS NOT NULL
            """, (SERVES_DESKS_FROM, VERSION_TABLE))
        row = cur.fetchone()
    return (row[0], row[1]) if row else (None, None)


def compatibility_problem(revision: str, served_from: str | None) -> str | None:
    """Why this desk may not sync with a central at ``revision`` (None: it may).

    A desk accepts a central whose revision it knows, from ``OLDEST_CENTRAL`` on, and a newer
    one (unknown here) that declares it still serves desks at this desk's revision or older."""
    head = central_head()
    lineage = _lineage()
    if revision in lineage:
        if lineage.index(revision) <= lineage.index(OLDEST_CENTRAL):
            return None
        return (f"the central schema is at {revision}, older than this desk needs "
                f"({OLDEST_CENTRAL}); run `tawasul central upgrade`")
    if served_from is not None and served_from in lineage:
        return None
    return (f"the central schema is at {revision} and serves desks from "
            f"{served_from or revision} on, this desk is at {head}; update this desk")


def central_revision_of(conn: psycopg.Connection[Any]) -> str | None:
    """The central schema revision, read over a plain connection (None: not initialised)."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (VERSION_TABLE,))
        row = cur.fetchone()
        if not row or not row[0]:
            return None
        cur.execute(f"SELECT version_num FROM {VERSION_TABLE}")
        found = cur.fetchone()
        return found[0] if found else None


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision) is not None
    except CommandError:
        return False


def init_central(target: CentralTarget, role_prefix: str = "tawasul",
                 revision: str = "head") -> str:
    """Create the central schema in an empty database (up to ``revision``, e.g. to try an
    older desk against it); return the revision reached."""
    engine = _engine(target)
    try:
        current = _revision(engine)
        if current is not None:
            raise CentralSchemaError(
                f"the central schema already exists (revision {current}); "
                "use `tawasul central upgrade`")
        command.upgrade(_config(engine, role_prefix=role_prefix), revision)
    finally:
        engine.dispose()
    with target.connect() as conn:
        sync_lifecycle_edges(conn)
    return central_head() if revision == "head" else revision


def upgrade_central(target: CentralTarget) -> tuple[str | None, str]:
    """Migrate to the newest central schema; refuse a schema from a newer program."""
    engine = _engine(target)
    try:
        current = _revision(engine)
        if current is None:
            raise CentralSchemaError("no central schema here yet; use `tawasul central init`")
        if not _known(current):
            raise CentralSchemaError(
                f"the central schema is at {current}, newer than this program knows; "
                "install the newer Tawasul Desk that wrote it")
        with target.connect() as conn:
            prefix = role_prefix_of(conn)
        if current != central_head():
            log.info("migrating the central schema from %s to %s", current, central_head())
            command.upgrade(_config(engine, role_prefix=prefix), "head")
    finally:
        engine.dispose()
    with target.connect() as conn:
        sync_lifecycle_edges(conn)
    with target.connect(autocommit=True) as conn:
        from tawasul_desktop.central.growth import maintain

        maintain(conn)  # the months up to now, if upgraded long after the last run
    return current, central_head()


def role_prefix_of(conn: psycopg.Connection[Any]) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT value FROM central_settings WHERE key = 'role_prefix'")
        row = cur.fetchone()
    if row is None:
        raise CentralSchemaError("the central schema has no role prefix; was it initialised?")
    return str(row[0])


def sync_lifecycle_edges(conn: psycopg.Connection[Any]) -> None:
    """Write the lifecycle's edges (from the one place they are declared) for the guard."""
    edges: dict[tuple[str, str], bool] = {}
    for rule in RULES.values():
        for source in rule.sources:
            key = (source.value, rule.target.value)
            edges[key] = edges.get(key, False) or Role.CLERK in rule.roles
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("DELETE FROM lifecycle_edges")
        cur.executemany(
            "INSERT INTO lifecycle_edges (from_status, to_status, clerk_allowed) "
            "VALUES (%s, %s, %s)",
            [(a, b, clerk) for (a, b), clerk in sorted(edges.items())])


def _set_login_role(conn: psycopg.Connection[Any], role: str, group: str, password: str) -> None:
    # Send a SCRAM verifier, never the password itself (statement logs would keep it).
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        exists = cur.fetchone() is not None
        verb = "ALTER" if exists else "CREATE"
        cur.execute(sql.SQL(verb + " ROLE {} LOGIN INHERIT PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(verifier.decode())))
        cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))


def _write_password(path: Path | None, password: str) -> None:
    if path is None:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    if os.name == "posix":
        os.chmod(path, 0o600)


def add_counter(conn: psycopg.Connection[Any], centre: str, counter: int, *,
                may_decide: bool = False, password: str | None = None,
                password_file: Path | None = None) -> tuple[str, str]:
    """Create (or reset) the login role of one counter; return (role name, password)."""
    if not re.fullmatch(r"[0-9]{3}", centre) or not 1 <= counter <= 99:
        raise ValueError("centre must be three digits and counter 1..99")
    prefix = role_prefix_of(conn)
    role = f"{prefix}_c{centre}_{counter:02d}"
    password = password or secrets.token_urlsafe(24)
    with conn.transaction():
        _set_login_role(conn, role, f"{prefix}_counter", password)
        conn.execute(
            "INSERT INTO counters (role_name, kind, centre, counter, may_decide) "
            "VALUES (%s, 'counter', %s, %s, %s) ON CONFLICT (role_name) DO UPDATE "
            "SET may_decide = EXCLUDED.may_decide", (role, centre, counter, may_decide))
        _set_desk_key(conn, role, password)
    _write_password(password_file, password)
    return role, password


def _set_desk_key(conn: psycopg.Connection[Any], role: str, password: str) -> None:
    """Let the desk reach central through the desks' shared login as this counter, with the
    key derived from the same password (central c0011; only its hash is sent)."""
    row = conn.execute("SELECT to_regclass('desk_keys')").fetchone()
    if row is None or row[0] is None:
        return  # a central before c0011: `tawasul central upgrade`, then add-counter again
    conn.execute("INSERT INTO desk_keys (role_name, key_hash) VALUES (%s, %s) "
                 "ON CONFLICT (role_name) DO UPDATE SET key_hash = EXCLUDED.key_hash, "
                 "set_at = now()", (role, desk_key_hash(password, role)))


def enable_desk_login(conn: psycopg.Connection[Any], *, password: str | None = None,
                      password_file: Path | None = None) -> tuple[str, str]:
    """Let the desks' shared login (``<prefix>_desks``) log in, with a new password; return
    (role, password). It holds the counters' group privileges, and row security gives it
    nothing but as the counter whose desk key it shows (see ``CentralTarget.desk_role``)."""
    role = f"{role_prefix_of(conn)}_desks"
    password = password or secrets.token_urlsafe(24)
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    with conn.transaction():
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(verifier.decode())))
        # Any desk holding the old password could have set defaults for every desk's session.
        conn.execute(sql.SQL("ALTER ROLE {} RESET ALL").format(sql.Identifier(role)))
    _write_password(password_file, password)
    return role, password


def release_desk(conn: psycopg.Connection[Any], centre: str, counter: int) -> str | None:
    """Free a counter's login from the desk store bound to it (the desk was replaced); the
    next desk that syncs as it is bound instead. Returns the label of the desk released."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            """UPDATE counters c SET desk_id = NULL, desk_label = NULL, desk_bound_at = NULL
               FROM (SELECT role_name, desk_label FROM counters
                     WHERE kind = 'counter' AND centre = %s AND counter = %s FOR UPDATE) old
               WHERE c.role_name = old.role_name RETURNING old.desk_label""",
            (centre, counter))
        row = cur.fetchone()
    if row is None:
        raise ValueError(f"no counter {counter} at centre {centre}")
    label: str | None = row[0]  # NULL when no desk was bound
    return label


def add_supervisor(conn: psycopg.Connection[Any], centre: str, name: str, *,
                   password: str | None = None,
                   password_file: Path | None = None) -> tuple[str, str]:
    """Create (or reset) a supervisor's login role for one centre; return (role, password)."""
    if not re.fullmatch(r"[0-9]{3}", centre) or not _NAME.fullmatch(name):
        raise ValueError("centre must be three digits and the name lower-case letters/digits/_")
    prefix = role_prefix_of(conn)
    role = f"{prefix}_s{centre}_{name}"
    password = password or secrets.token_urlsafe(24)
    with conn.transaction():
        _set_login_role(conn, role, f"{prefix}_supervisor", password)
        conn.execute(
            "INSERT INTO counters (role_name, kind, centre) VALUES (%s, 'supervisor', %s) "
            "ON CONFLICT (role_name) DO NOTHING", (role, centre))
    _write_password(password_file, password)
    return role, password
