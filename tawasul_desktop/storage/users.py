"""User accounts: argon2id password hashes, roles, and lockout after repeated failures."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tawasul_desktop.domain.lifecycle import Role
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.domain.policy import SecurityPolicy
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.models import User

if TYPE_CHECKING:
    from tawasul_desktop.storage.store import Store

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_USERNAME = re.compile(r"[A-Za-z0-9._-]{3,32}")


@dataclass(frozen=True)
class Actor:
    """Who does something: a logged-in user, or the OS account running the command."""

    username: str
    role: str
    display_name: str = ""

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


def check_new_user(username: str, role: str, password: str, policy: SecurityPolicy) -> None:
    if not _USERNAME.fullmatch(username or ""):
        raise TawasulError.of("user.bad_name", "username")
    if role not in {r.value for r in Role}:
        raise TawasulError.of("user.bad_role", "role", value=role)
    if len(password) < policy.password_min_chars:
        raise TawasulError.of("user.weak_password", "password", min=policy.password_min_chars)


def add_user(
    session: Session,
    actor: Actor,
    username: str,
    role: str,
    password: str,
    policy: SecurityPolicy,
    display_name: str = "",
    now: dt.datetime | None = None,
) -> User:
    check_new_user(username, role, password, policy)
    exists = session.execute(
        select(User.id).where(func.lower(User.username) == username.lower())
    ).first()
    if exists:
        raise TawasulError.of("user.exists", "username", value=username)
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=_hasher.hash(password),
        failed_logins=0,
        created_at=now or dt.datetime.now(dt.UTC),
        active=True,
    )
    session.add(user)
    session.flush()
    AuditLog(session).record(
        actor.username, "user.add", "user", str(user.id), None, {"username": username, "role": role}
    )
    return user


def count_admins(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    ).scalar_one()


def find_user(session: Session, username: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.username) == (username or "").lower())
    ).scalar_one_or_none()


def authenticate(
    session: Session,
    username: str,
    password: str,
    policy: SecurityPolicy,
    now: dt.datetime | None = None,
    timezone: str = "Asia/Riyadh",
) -> Actor:
    """Check a login; count failures and lock the account after too many. Raises TawasulError.

    ``timezone`` is the centre's, in which the lock message tells when the lock lifts."""
    now = now or dt.datetime.now(dt.UTC)
    _dummy_hash()  # made for every first login, so a known and an unknown name cost the same
    user = find_user(session, username)
    if user is None or not user.active:
        _hasher_dummy_verify(password)  # same cost as a real check: no user-name probing by timing
        raise TawasulError.of("login.failed", "password")
    if user.locked_until is not None and user.locked_until > now:
        raise TawasulError(_locked_problem(user.locked_until, timezone))
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        audit = AuditLog(session)
        if user.failed_logins >= policy.max_failed_logins:
            user.locked_until = now + dt.timedelta(minutes=policy.lockout_minutes)
            user.failed_logins = 0
            audit.record(
                user.username,
                "user.locked",
                "user",
                str(user.id),
                None,
                {"until": user.locked_until.isoformat()},
            )
            session.flush()
            raise TawasulError(_locked_problem(user.locked_until, timezone)) from None
        session.flush()
        raise TawasulError.of("login.failed", "password") from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    AuditLog(session).record(user.username, "user.login", "user", str(user.id))
    return Actor(user.username, user.role, user.display_name)


def login(store: Store, username: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check a login as its own unit of work.

    A refused attempt still commits what authenticate() counted (failed attempts, a lock),
    then re-raises: inside a caller's ``store.write()`` the exception would roll it back and
    the lockout would never come.
    """
    failure: TawasulError | None = None
    with store.write() as session:
        try:
            return authenticate(session, username, password, store.policy.security, now,
                                store.policy.calendar.timezone)
        except TawasulError as exc:
            failure = exc  # leaving the block normally commits the count
    raise failure


def _locked_problem(until: dt.datetime, timezone: str) -> Problem:
    local = until.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    return Problem.of("login.locked", "username", until=local)


@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: hashing costs ~0.1 s that every `tawasul` run would pay.
    return _hasher.hash("not-a-real-password")


def _hasher_dummy_verify(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), password)
