"""SQL text run through the driver itself (``exec_driver_sql``), for bulk writes that skip
SQLAlchemy's per-row work. Apart from storage.engine so that the audit log, which writes so,
does not import the module that opens, migrates and backs up the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Table


def driver_sql(dialect: Dialect, sql: str) -> str:
    """``sql`` written with ``?`` markers, in the driver's own style."""
    return sql if dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def _same(value: Any) -> Any:
    return value


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
    given = list(rows[0])
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.name in rows[0] or column.default is None:
            continue
        if not column.default.is_scalar:  # a callable or sequence: made per row by SQLAlchemy
            raise ValueError(f"insert_rows: {table.name}.{column.name} needs its value given")
        defaults[column.name] = getattr(column.default, "arg", None)
    names = given + list(defaults)
    processors: list[Callable[[Any], Any]] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) or _same
        for name in names
    ]
    write_given = list(zip(given, processors, strict=False))
    fixed = tuple(
        write(defaults[name]) for name, write in zip(names[len(given):],
                                                     processors[len(given):], strict=True)
    )
    params = [tuple(write(row[name]) for name, write in write_given) + fixed for row in rows]
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in names)
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES ({marks})"
    conn.exec_driver_sql(driver_sql(dialect, sql), params)
