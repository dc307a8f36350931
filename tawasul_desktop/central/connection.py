"""How a desk reaches the central PostgreSQL: DSN, password source, TLS, timeouts.

The password is never in the configuration file: it comes from a file of its own that only
the owner may read (``[central] password_file``), or from the OS keyring when the optional
``keyring`` package is installed and holds one for the DSN's user. ``sslmode`` and
``sslrootcert`` are passed to libpq as they are (``verify-full`` is the sensible choice for
a central server reached over a network).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from tawasul_desktop.config import Settings

KEYRING_SERVICE = "tawasul-desk central"


class CentralConfigError(RuntimeError):
    """The central connection is not configured, or its password file is unsafe."""


def read_password_file(path: Path) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise CentralConfigError(f"central password file {path}: {exc.strerror}") from None
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CentralConfigError(
            f"central password file {path} may be read by others; "
            f"run: chmod 600 {path}")
    text = path.read_text(encoding="utf-8").splitlines()
    if not text or not text[0]:
        raise CentralConfigError(f"central password file {path} is empty")
    return text[0]


def _keyring_password(user: str | None) -> str | None:
    if not user:
        return None
    try:
        import keyring  # optional
    except ImportError:
        return None
    try:
        found = keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # no usable backend on this machine
        return None
    return str(found) if found else None


@dataclass(frozen=True)
class CentralTarget:
    dsn: str
    password_file: Path | None = None
    sslmode: str | None = None
    sslrootcert: str | None = None
    connect_timeout: int = 10
    application_name: str = "tawasul-desk"
    # The dsn reaches central through a pooler in transaction mode (PgBouncer): each
    # transaction may run on another server connection, so nothing may be prepared on one.
    pooled: bool = False
    # The dsn's user is the desks' shared login (central c0011): the connection acts as this
    # counter's role, proven with the desk key derived from the counter's own password.
    desk_role: str | None = None
    # PgBouncer in transaction mode, for idle passes (central c0012): the desk holds one
    # connection to it between passes, and each idle pass is one self-contained statement.
    idle_dsn: str | None = None

    def connect(self, *, named: bool = True, **extra: Any) -> psycopg.Connection[Any]:
        """A connection to ``dsn``; on the shared login it acts as ``desk_role`` for its
        session unless not ``named`` (then each statement must name it, as an idle pass does)."""
        if self.desk_role:
            return self._connect_shared(extra, named)
        params = self._params()
        params.update(self._login_password(self.dsn, own=True))
        params.update(extra)
        return psycopg.connect(self.dsn, **params)

    def connect_idle(self) -> psycopg.Connection[Any]:
        """A connection to ``idle_dsn`` (autocommit, nothing prepared: each statement may run
        on another server connection); it names no counter, each idle pass does."""
        assert self.idle_dsn
        params = self._params()
        params.pop("application_name")  # PgBouncer would set it anew on every transaction
        params["prepare_threshold"] = None
        params.update(self._login_password(self.idle_dsn, own=not self.desk_role))
        return psycopg.connect(self.idle_dsn, autocommit=True, **params)

    def desk_key_pair(self) -> tuple[str, str] | None:
        """(counter's role, desk key) on the shared login; None on a counter's own login."""
        if not self.desk_role:
            return None
        return self.desk_role, desk_key(self._own_password(), self.desk_role)

    def _login_password(self, dsn: str, *, own: bool) -> dict[str, Any]:
        """The password for ``dsn``'s login: the counter's own (password file first), or, for
        the shared login, the keyring's unless the dsn holds it."""
        if own and self.password_file is not None:
            return {"password": read_password_file(self.password_file)}
        if not conninfo_to_dict(dsn).get("password"):
            user = conninfo_to_dict(dsn).get("user")
            found = _keyring_password(str(user) if user else None)
            if found:
                return {"password": found}
        return {}

    def _own_password(self) -> str:
        assert self.desk_role
        own = (read_password_file(self.password_file) if self.password_file is not None
               else _keyring_password(self.desk_role))
        if not own:
            raise CentralConfigError(
                f"no password for {self.desk_role}: set [central] password_file to the "
                "counter's password file (the shared login's own password goes in the dsn's "
                "passfile or the keyring)")
        return own

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "connect_timeout": self.connect_timeout,
            "application_name": self.application_name,
            # A pulled network cable is noticed in about a minute, not after two hours.
            "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
            "keepalives_count": 3,
        }
        if self.sslmode:
            params["sslmode"] = self.sslmode
        if self.sslrootcert:
            params["sslrootcert"] = self.sslrootcert
        if self.pooled:
            params["prepare_threshold"] = None
        return params

    def _connect_shared(self, extra: dict[str, Any], named: bool) -> psycopg.Connection[Any]:
        """Log in as the shared desks' role, then name ``desk_role`` and its key for this
        session (PgBouncer in session mode resets both when the desk lets go)."""
        pair = self.desk_key_pair()
        assert pair is not None
        params = self._params()
        # Nothing prepared on a server connection the next desk is lent (the reset keeps
        # plans, for central's own functions); psycopg's names would clash there.
        params["prepare_threshold"] = None
        params.update(self._login_password(self.dsn, own=False))
        params.update(extra)
        conn = psycopg.connect(self.dsn, **params)
        if not named:
            return conn
        try:
            conn.execute("SELECT set_config('tawasul.desk_role', %s, false), "
                         "set_config('tawasul.desk_key', %s, false)", pair)
            if not conn.autocommit:
                conn.commit()  # a session setting made in a rolled-back transaction is undone
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def user(self) -> str | None:
        user = conninfo_to_dict(self.dsn).get("user")
        return str(user) if user else None


def desk_key(password: str, role: str) -> str:
    """What a desk shows central through the shared login as ``role``: derived from the
    counter's password, so a statement log that keeps it does not reveal the password (and the
    key alone logs in nowhere); the role is in it, so two counters never share a key."""
    message = b"tawasul desk key\0" + role.encode()
    return hmac.new(password.encode(), message, hashlib.sha256).hexdigest()


def desk_key_hash(password: str, role: str) -> bytes:
    """What central keeps of it (``desk_keys.key_hash``)."""
    return hashlib.sha256(desk_key(password, role).encode()).digest()


def target_from_settings(settings: Settings) -> CentralTarget:
    if not settings.central_dsn:
        raise CentralConfigError(
            "no central database configured: set [central] dsn in the configuration file "
            "or $TAWASUL_CENTRAL_DSN")
    return CentralTarget(
        dsn=settings.central_dsn, password_file=settings.central_password_file,
        sslmode=settings.central_sslmode, sslrootcert=settings.central_sslrootcert,
        pooled=settings.central_pooled, desk_role=settings.central_desk_role,
        idle_dsn=settings.central_idle_dsn,
        application_name=f"tawasul-desk {settings.centre_code}-{settings.counter:02d}")
