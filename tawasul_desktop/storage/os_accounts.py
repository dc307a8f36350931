"""Which operating-system account may act as which registered user in the `tawasul` command.

Only an administrator maps or unmaps an account, each change audited. Account names are
compared without regard to case (Windows account names ignore it; POSIX ones are lower-case
by convention).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tawasul_desktop.domain.lifecycle import Role
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.models import OsAccount, User
from tawasul_desktop.storage.users import Actor, find_user


@dataclass(frozen=True)
class Mapping:
    account: str
    username: str
    mapped_by: str
    mapped_at: dt.datetime


def _key(account: str) -> str:
    return account.strip().lower()


def _require_admin(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise TawasulError.of("request.not_permitted", "role", invalid_input=False)


def mapped_user(session: Session, account: str) -> User | None:
    """The registered user ``account`` acts as, or None (also when the account is unmapped)."""
    row = session.get(OsAccount, _key(account))
    return session.get(User, row.user_id) if row is not None else None


def has_users(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(User)).scalar_one() > 0


def map_account(
    session: Session, actor: Actor, account: str, username: str, now: dt.datetime | None = None
) -> Mapping:
    """Let OS ``account`` act as ``username`` (replacing an earlier mapping of that account)."""
    _require_admin(actor)
    key = _key(account)
    if not key or len(key) > 256 or any(ch.isspace() or ord(ch) < 32 for ch in key):
        raise TawasulError.of("os_account.bad_name", "account")
    user = find_user(session, username)
    if user is None or not user.active:
        raise TawasulError.of("os_account.no_such_user", "username", value=username)
    now = now or dt.datetime.now(dt.UTC)
    row = session.get(OsAccount, key)
    old = None
    if row is None:
        row = OsAccount(account=key, user_id=user.id, mapped_by=actor.username, mapped_at=now)
        session.add(row)
    else:
        previous = session.get(User, row.user_id)
        old = {"username": previous.username if previous else None}
        row.user_id, row.mapped_by, row.mapped_at = user.id, actor.username, now
    session.flush()
    AuditLog(session).record(
        actor.username, "user.map_os", "os_account", key, old, {"username": user.username}
    )
    return Mapping(key, user.username, actor.username, now)


def unmap_account(session: Session, actor: Actor, account: str) -> bool:
    """Take a mapping away; False when the account was not mapped."""
    _require_admin(actor)
    row = session.get(OsAccount, _key(account))
    if row is None:
        return False
    user = session.get(User, row.user_id)
    session.delete(row)
    session.flush()
    AuditLog(session).record(
        actor.username, "user.unmap_os", "os_account", row.account,
        {"username": user.username if user else None}, None,
    )
    return True


def mappings(session: Session) -> list[Mapping]:
    rows = session.execute(
        select(OsAccount, User.username).join(User, User.id == OsAccount.user_id)
        .order_by(OsAccount.account)
    ).all()
    return [Mapping(r.account, username, r.mapped_by, r.mapped_at) for r, username in rows]
