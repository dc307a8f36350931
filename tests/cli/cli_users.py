"""The registered user the test's OS account acts as in the `tawasul` command."""

from __future__ import annotations

from tawasul_desktop.cli.identity import os_account
from tawasul_desktop.storage.os_accounts import map_account
from tawasul_desktop.storage.users import Actor, add_user

OPERATOR = "operator"
OPERATOR_PASSWORD = "operator password 1"
SETUP = Actor("setup", "admin")


def map_os_account(store, username: str, role: str, password: str) -> None:
    """Register ``username`` and let the OS account running the tests act as it."""
    with store.write() as session:
        add_user(session, SETUP, username, role, password, store.policy.security)
        map_account(session, SETUP, os_account(), username)
