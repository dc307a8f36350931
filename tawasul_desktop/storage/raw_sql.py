"""SQL text run through the driver itself (``exec_driver_sql``), for bulk writes that skip
SQLAlchemy's per-row work. Apart from storage.engine so that the audit log, which writes so,
does not import the module that opens, migrates and backs up the database."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Table


def driver_sql(dialect: Dialect, sql: str) -> str:
    """``sql`` written with ``?`` markers, in the driver's own style."""
    return sql if dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def _tuple_of(names: list[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A row's values under ``names``, as a tuple, in one C call when there are several."""
    if len(names) > 1:
        return itemgetter(*names)
    if names:
        name = names[0]
        return lambda row: (row[name],)
    return lambda row: ()


# Values no one can change between two rows: one converted is the same converted again.
_IMMUTABLE = (type(None), bool, int, float, str, bytes, dt.date, dt.datetime, dt.time,
              uuid.UUID, Decimal)


def _remembering(write: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``write`` that hands back its last result for the very same (immutable) object: the
    rows of a batch share their moments and dates (``now``, a submission instant, its due
    date) and their NULLs, each converted by a chain of Python calls."""
    last_in: list[Any] = [_IMMUTABLE]  # nothing a row holds
    last_out: list[Any] = [None]

    def remembered(value: Any) -> Any:
        if value is last_in[0]:
            return last_out[0]
        out = write(value)
        if type(value) in _IMMUTABLE:
            last_in[0], last_out[0] = value, out
        return out

    return remembered


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """What ``conn.execute(insert(table), rows)`` writes, in one driver ``executemany``.

    Each row gives the same columns (by name); each value goes through its column type's
    bind processor, and a column left out gets its scalar default, as a Core insert does
    (a server default or NULL is left to the database, as there). SQLAlchemy's own
    executemany builds a parameter dictionary per row, which an import of 10,000 requests
    with their attachments and outbox entries feels."""
    if not rows:
        return
    dialect = conn.dialect
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.name in rows[0] or column.default is None:
            continue
        if not column.default.is_scalar:  # a callable or sequence: made per row by SQLAlchemy
            raise ValueError(f"insert_rows: {table.name}.{column.name} needs its value given")
        defaults[column.name] = getattr(column.default, "arg", None)

    def processor(name: str) -> Callable[[Any], Any] | None:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    # Values the driver takes as they are are picked in one C call; the others converted.
    plain = [name for name in rows[0] if processor(name) is None]
    converted = [
        (name, _remembering(write)) for name in rows[0] if (write := processor(name)) is not None
    ]
    fixed = tuple(
        value if (write := processor(name)) is None else write(value)
        for name, value in defaults.items()
    )
    pick = _tuple_of(plain)
    params = [
        pick(row) + tuple([write(row[name]) for name, write in converted]) + fixed
        for row in rows
    ]
    names = [*plain, *(name for name, _ in converted), *defaults]
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in names)
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES ({marks})"
    conn.exec_driver_sql(driver_sql(dialect, sql), params)
