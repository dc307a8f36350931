"""The supervisor queue over the central PostgreSQL, chosen by configuration.

``open_central_store`` gives a ``Store`` whose engine is the central database reached as the
supervisor's own login role (``[central] dsn``, password file or keyring, sslmode, as for
sync): storage.queue, storage.reports and the supervisor workspace read it with the same
SQLAlchemy code as a desk's SQLite store, and row-level security limits every read to the
role's centre. Decisions and assignments made through storage.assignment on such a store go
through ``sync.central.decide``/``assign`` (same lifecycle rules, row lock, conflicts), so
they flow down to the counters on their next sync.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

from tawasul_desktop.config import Settings
from tawasul_desktop.domain.assignment import is_supervisor
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.storage.blobs import BlobStore
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor
from tawasul_desktop.sync import central
from tawasul_desktop.sync.connection import CentralConfigError, CentralTarget, target_from_settings


def _utc_session(dbapi_conn: Any, _record: Any) -> None:
    # UTCDateTime binds naive UTC; central's columns are timestamptz: read them in UTC.
    dbapi_conn.execute("SET TIME ZONE 'UTC'")
    dbapi_conn.commit()


def central_engine(target: CentralTarget, **engine_args: Any) -> Engine:
    engine = create_engine("postgresql+psycopg://", creator=lambda: target.connect(),
                           pool_pre_ping=True, **engine_args)
    event.listen(engine, "connect", _utc_session)
    return engine


def queue_on_central(settings: Settings, actor: Actor | None) -> bool:
    """Whether this desk's supervisor queue reads central: ``[central] dsn`` is set and the
    user is a supervisor (or administrator)."""
    return bool(settings.central_dsn) and actor is not None and is_supervisor(actor.role)


def open_central_store(settings: Settings, *, local: Store | None = None,
                       target: CentralTarget | None = None) -> Store:
    """A Store over the central database for the supervisor queue (see the module's text)."""
    if target is None:
        if not settings.central_dsn:
            raise CentralConfigError("no central database configured for the queue")
        target = target_from_settings(settings)
    engine = central_engine(target)
    reader = sessionmaker(engine, expire_on_commit=False)
    store = Store(settings, engine, reader, reader, BlobStore(settings.attachments_dir),
                  central=target, local=local)
    if local is not None:
        store.catalogue = local.catalogue
    return store


def _raise(problem: Problem) -> None:
    raise TawasulError(problem, invalid_input=problem.code not in (
        "request.not_permitted", "request.changed_meanwhile", "request.assigned_meanwhile",
        "request.not_found"))


def decide_centrally(store: Store, actor: Actor, number: str, action: Action, *,
                     reason: str | None, expected_status: str | None) -> None:
    assert store.central is not None
    with store.central.connect(autocommit=True) as conn:
        outcome = central.decide(conn, number, action, actor=actor.username, role=actor.role,
                                 reason=reason, policy=store.policy,
                                 expected_status=expected_status)
    if isinstance(outcome, Problem):
        _raise(outcome)


def assign_centrally(store: Store, actor: Actor, number: str, assignee: str | None, *,
                     expected_assignee: str | None | object) -> str | None:
    assert store.central is not None
    with store.central.connect(autocommit=True) as conn:
        outcome = central.assign(conn, number, assignee, actor=actor.username, role=actor.role,
                                 expected_assignee=expected_assignee)
    if isinstance(outcome, Problem):
        _raise(outcome)
        raise AssertionError  # unreachable
    return outcome


__all__ = ["assign_centrally", "central_engine", "decide_centrally", "open_central_store",
           "queue_on_central"]
