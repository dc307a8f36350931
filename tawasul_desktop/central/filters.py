"""Supervisors' saved queue filters kept in the central PostgreSQL (table ``saved_filters``).

storage.queue's saved-filter functions come here when the queue reads central, so a
supervisor finds the same filters at whatever desk they sit. Row-level security limits every
statement to the rows of the connected login role (``role_name`` defaults to it);
``owner`` is the desk user who saved the filter. Each function is one transaction on the
store's engine; the payload is storage.queue's QueueFilter JSON, checked by the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.exc import ProgrammingError

from tawasul_desktop.domain.messages import TawasulError

_FILTERS = Table(
    "saved_filters", MetaData(),
    Column("role_name", Text, primary_key=True, server_default=text("current_user")),
    Column("owner", String(32), primary_key=True),
    Column("name", String(80), primary_key=True),
    Column("payload", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    try:
        with engine.begin() as conn:
            yield conn
    except ProgrammingError as exc:
        if isinstance(exc.orig, psycopg.errors.UndefinedTable):  # central before c0004
            raise TawasulError.of("queue.saved_filters_central_old",
                                  invalid_input=False) from exc
        raise


def central_filters(engine: Engine, owner: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, payload) of ``owner``'s filters under the connected role, by name."""
    with _transaction(engine) as conn:
        rows = conn.execute(
            select(_FILTERS.c.name, _FILTERS.c.payload).where(_FILTERS.c.owner == owner)
            # Code-point order, as the desk's SQLite sorts them.
            .order_by(_FILTERS.c.name.collate("C"))).all()
    return [(name, payload or {}) for name, payload in rows]


def put_central_filter(engine: Engine, owner: str, name: str, payload: dict[str, Any],
                       at: dt.datetime) -> None:
    """Keep a filter under ``name`` (the same name again replaces it)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    stmt = insert(_FILTERS).values(owner=owner, name=name, payload=payload, updated_at=at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_FILTERS.c.role_name, _FILTERS.c.owner, _FILTERS.c.name],
        set_={"payload": stmt.excluded.payload, "updated_at": stmt.excluded.updated_at})
    with _transaction(engine) as conn:
        conn.execute(stmt)


def delete_central_filter(engine: Engine, owner: str, name: str) -> bool:
    """Forget a filter; False when there was none by that name."""
    with _transaction(engine) as conn:
        result = conn.execute(_FILTERS.delete().where(_FILTERS.c.owner == owner,
                                                      _FILTERS.c.name == name))
    return bool(result.rowcount)


__all__ = ["central_filters", "delete_central_filter", "put_central_filter"]
