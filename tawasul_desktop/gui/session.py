"""Who is signed in: the store calls behind sign-in and first-run set-up (no rules here)."""

from __future__ import annotations

from tawasul_desktop.domain.lifecycle import Role
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, add_user, count_admins, login

SETUP_ACTOR = Actor("first-run-setup", Role.ADMIN.value)


def sign_in(store: Store, username: str, password: str) -> Actor:
    """Check a login (failed attempts are committed, so the lockout really counts)."""
    return login(store, username, password)


def needs_first_admin(store: Store) -> bool:
    with store.read() as session:
        return count_admins(session) == 0


def create_first_admin(store: Store, username: str, password: str, display_name: str) -> Actor:
    with store.write() as session:
        if count_admins(session) > 0:
            raise RuntimeError("an administrator exists already")
        user = add_user(session, SETUP_ACTOR, username, Role.ADMIN.value, password,
                        store.policy.security, display_name)
        return Actor(user.username, user.role, user.display_name)
