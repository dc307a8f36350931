"""Who the `tawasul` command acts as.

The operating-system account is read from the operating system, never from the environment
($LOGNAME, $USER and %USERNAME% are whatever the caller sets): on POSIX the password-database
entry of the effective user id; on Windows the user of the process's access token
(``GetUserNameExW``, ``DOMAIN\\user``). An administrator maps an account to a registered user
(``tawasul user map-os ACCOUNT USER``); the command then acts as that user, with that user's
role. An unmapped account may read and print, nothing else. Commands that change decisions,
assignments, closures or users also ask for the user's password (a terminal prompt, or one
line read from ``--password-fd N``), checked like a desktop login, lockout included.

Bootstrap: while the database has no user at all, any account that can write the file may
create the first administrator (``tawasul user add NAME --role admin``), which is then mapped
to the account that created it, and may fill a demo database (``tawasul demo-data``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from enum import Enum

from tawasul_desktop.domain.bidi import ltr
from tawasul_desktop.domain.lifecycle import Role
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage.os_accounts import has_users, mapped_user
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, login


class Access(Enum):
    READ = "read"  # list, show, print, verify: anyone who can open the file
    WORK = "work"  # submit, import, answer, withdraw, follow up: a mapped user
    CONFIRMED = "confirmed"  # decide, assign, closures, users, restore: mapped + password


def os_account() -> str:
    """The account running this process, as the operating system knows it."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return _windows_account()
    import pwd

    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (some containers)
        return f"uid-{uid}"


def _windows_account() -> str:  # pragma: no cover - Windows only
    """DOMAIN\\user of the process's access token (GetUserNameExW reads the token, not
    %USERNAME%)."""
    if sys.platform != "win32":
        raise OSError("not Windows")
    import ctypes
    from ctypes import wintypes

    secur32 = ctypes.WinDLL("secur32", use_last_error=True)
    name_sam_compatible = 2
    size = wintypes.ULONG(0)
    secur32.GetUserNameExW(name_sam_compatible, None, ctypes.byref(size))
    buffer = ctypes.create_unicode_buffer(size.value + 1)
    if not secur32.GetUserNameExW(name_sam_compatible, buffer, ctypes.byref(size)):
        raise OSError(ctypes.get_last_error(), "GetUserNameExW failed")
    return buffer.value


def os_label(account: str) -> str:
    """How an unmapped account is named in the audit log."""
    return f"os:{account}"


def read_password_fd(fd: int) -> str:
    """One line from file descriptor ``fd``, read byte by byte so that nothing after it is
    consumed (with fd 0 the rest of standard input stays for the command)."""
    data = bytearray()
    while True:
        chunk = os.read(fd, 1)
        if not chunk or chunk == b"\n":
            break
        data += chunk
    return data.decode("utf-8").rstrip("\r")


def _password(args: argparse.Namespace, username: str) -> str:
    fd = getattr(args, "password_fd", None)
    if fd is not None:
        try:
            return read_password_fd(fd)
        except (OSError, UnicodeDecodeError):
            raise TawasulError.of("cli.password_needed", "password", value=username) from None
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"Password for {username} / كلمة المرور: ")
    raise TawasulError.of("cli.password_needed", "password", value=username, invalid_input=False)


def bootstrap_actor() -> Actor:
    """The account that sets up an empty database, before any user exists."""
    account = os_account()
    return Actor(os_label(account), Role.ADMIN.value, account)


def acting_user(store: Store, args: argparse.Namespace, access: Access) -> Actor:
    """The actor for a command needing ``access``; raises TawasulError when refused."""
    account = os_account()
    with store.read() as session:
        user = mapped_user(session, account)
        actor = Actor(user.username, user.role, user.display_name) if user else None
        active = bool(user and user.active)
    if actor is None:
        if access is Access.READ:
            return Actor(os_label(account), "", account)
        raise TawasulError.of("cli.unmapped", "user", account=ltr(account), invalid_input=False)
    if not active:
        raise TawasulError.of("cli.user_inactive", "user", value=actor.username,
                              invalid_input=False)
    if access is Access.CONFIRMED:
        login(store, actor.username, _password(args, actor.username))
    return actor


def store_is_empty(store: Store) -> bool:
    with store.read() as session:
        return not has_users(session)
