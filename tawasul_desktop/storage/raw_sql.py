"""SQL text run through the driver itself (``exec_driver_sql``), for bulk writes that skip
SQLAlchemy's per-row work. Apart from storage.engine so that the audit log, which writes so,
does not import the module that opens, migrates and backs up the database."""

from __future__ import annotations

from sqlalchemy import Dialect


def driver_sql(dialect: Dialect, sql: str) -> str:
    """``sql`` written with ``?`` markers, in the driver's own style."""
    return sql if dialect.paramstyle == "qmark" else sql.replace("?", "%s")
