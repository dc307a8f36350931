"""How `tawasul central …` reaches the central database: ``--dsn``, or
$TAWASUL_CENTRAL_ADMIN_DSN, or the desk's configured central DSN; a role that owns the schema
and may create roles. Shared by the schema and role commands (cli/sync_commands.py) and the
growth commands (cli/central_growth.py)."""

from __future__ import annotations

import argparse
import os
from typing import Any

import psycopg

from tawasul_desktop.central.connection import (
    CentralConfigError,
    CentralTarget,
    target_from_settings,
)
from tawasul_desktop.cli.commands import CommandFailed, settings_from


def admin_target(args: argparse.Namespace) -> CentralTarget:
    dsn = getattr(args, "dsn", None) or os.environ.get("TAWASUL_CENTRAL_ADMIN_DSN")
    if dsn:
        return CentralTarget(dsn, application_name="tawasul central")
    try:
        return target_from_settings(settings_from(args))
    except CentralConfigError as exc:
        raise CommandFailed(f"{exc} (or pass --dsn)", 2) from None


def admin_connect(args: argparse.Namespace) -> psycopg.Connection[Any]:
    try:
        return admin_target(args).connect(autocommit=True)
    except (psycopg.OperationalError, CentralConfigError) as exc:
        raise CommandFailed(f"cannot reach the central database: {exc}") from None
