"""What every central migration script needs: the group roles' prefix and raw SQL.

Kept apart from the application's code so the scripts stay as they were written: these two
helpers read only Alembic's context and never change meaning.
"""

from __future__ import annotations

import re

from alembic import context, op

_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,39}")


def role_prefix() -> str:
    """The prefix of the group roles (``<prefix>_counter``, ``<prefix>_supervisor``), as
    ``tawasul central init --role-prefix`` set it; checked because it is spliced into SQL."""
    prefix = context.config.attributes.get("role_prefix", "tawasul")
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"role prefix must be lower-case letters, digits and _, not {prefix!r}")
    return str(prefix)


def run_sql(sql: str) -> None:
    """Straight to the driver, unparsed: the SQL holds PL/pgSQL with % and :: of its own."""
    op.get_bind().exec_driver_sql(sql, execution_options={"no_parameters": True})
