"""User accounts: argon2id hashes, logins, lockout after repeated failures."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.models import AuditEntry, User
from tawasul_desktop.storage.users import add_user, authenticate, find_user, login

T0 = dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def user(store, supervisor):
    with store.write() as session:
        add_user(
            session,
            supervisor,
            "sara.clerk",
            "clerk",
            PASSWORD,
            store.policy.security,
            "سارة",
            now=T0,
        )
    return "sara.clerk"


def _row(store, username):
    with store.read() as session:
        return find_user(session, username)


def _code(err: pytest.ExceptionInfo[TawasulError]) -> str:
    return err.value.problems[0].code


def test_passwords_are_stored_as_argon2id_hashes(store, user):
    row = _row(store, user)
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert (row.role, row.display_name, row.failed_logins, row.locked_until) == (
        "clerk",
        "سارة",
        0,
        None,
    )
    with store.read() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "user.add")
        ).scalar_one()
        assert PASSWORD not in (entry.new or "")


def test_the_same_password_hashes_differently_for_two_users(store, user, supervisor):
    with store.write() as session:
        add_user(session, supervisor, "other", "clerk", PASSWORD, store.policy.security)
    assert _row(store, "other").password_hash != _row(store, user).password_hash


@pytest.mark.parametrize(
    ("name", "role", "password", "code"),
    [
        ("ab", "clerk", "long enough", "user.bad_name"),
        ("has space", "clerk", "long enough", "user.bad_name"),
        ("سارة", "clerk", "long enough", "user.bad_name"),
        ("valid.name", "boss", "long enough", "user.bad_role"),
        ("valid.name", "clerk", "short", "user.weak_password"),
        ("SARA.CLERK", "clerk", "long enough", "user.exists"),
    ],
)
def test_bad_new_users_are_refused(store, user, supervisor, name, role, password, code):
    with pytest.raises(TawasulError) as caught, store.write() as session:
        add_user(session, supervisor, name, role, password, store.policy.security)
    assert _code(caught) == code
    with store.read() as session:
        assert len(session.execute(select(User)).scalars().all()) == 1


def test_a_correct_login(store, user):
    actor = login(store, "Sara.Clerk", PASSWORD, now=T0)
    assert (actor.username, actor.role, actor.display_name) == ("sara.clerk", "clerk", "سارة")
    assert not actor.is_supervisor
    with store.read() as session:
        assert "user.login" in session.execute(select(AuditEntry.action)).scalars().all()


@pytest.mark.parametrize(
    ("username", "password"), [("sara.clerk", "wrong password"), ("nobody", PASSWORD), ("", "")]
)
def test_a_wrong_login_says_nothing_about_which_part(store, user, username, password):
    with pytest.raises(TawasulError) as caught:
        login(store, username, password, now=T0)
    assert _code(caught) == "login.failed"


def test_failed_attempts_are_committed_although_the_login_raises(store, user):
    for attempt in (1, 2, 3):
        with pytest.raises(TawasulError):
            login(store, user, "wrong password", now=T0)
        assert _row(store, user).failed_logins == attempt  # read back in a new session


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(store, user):
    for minute in range(4):
        with pytest.raises(TawasulError) as caught:
            login(store, user, "wrong password", now=T0 + dt.timedelta(minutes=minute))
        assert _code(caught) == "login.failed"
    fifth = T0 + dt.timedelta(minutes=4)
    with pytest.raises(TawasulError) as caught:
        login(store, user, "wrong password", now=fifth)
    assert _code(caught) == "login.locked"
    lifts = fifth + dt.timedelta(minutes=15)
    shown = lifts.astimezone(ZoneInfo("Asia/Riyadh")).strftime(
        "%Y-%m-%d %H:%M"
    )  # the centre's zone
    assert shown in caught.value.problems[0].message_en
    assert shown in caught.value.problems[0].message_ar
    assert _row(store, user).locked_until == lifts

    # The right password is refused while locked, still naming the time it lifts.
    with pytest.raises(TawasulError) as caught:
        login(store, user, PASSWORD, now=lifts - dt.timedelta(seconds=1))
    assert _code(caught) == "login.locked"
    assert shown in caught.value.problems[0].message_en

    # ... and accepted once the lock has lifted; the counters start afresh.
    assert login(store, user, PASSWORD, now=lifts).username == user
    row = _row(store, user)
    assert (row.failed_logins, row.locked_until) == (0, None)
    with store.read() as session:
        actions = (
            session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
        )
        assert actions.count("user.locked") == 1
        assert verify_chain(session)[1] == []


def test_a_success_resets_the_failure_count(store, user):
    for _ in range(4):
        with pytest.raises(TawasulError):
            login(store, user, "wrong password", now=T0)
    login(store, user, PASSWORD, now=T0)
    for _ in range(4):
        with pytest.raises(TawasulError) as caught:
            login(store, user, "wrong password", now=T0)
        assert _code(caught) == "login.failed"


def test_authenticate_alone_leaves_committing_to_its_caller(store, user):
    """Inside a caller's transaction a refused login rolls back with it; login() exists for that."""
    with pytest.raises(TawasulError), store.write() as session:
        authenticate(session, user, "wrong password", store.policy.security, now=T0)
    assert _row(store, user).failed_logins == 0


def test_an_inactive_user_cannot_log_in(store, user):
    with store.write() as session:
        find_user(session, user).active = False
    with pytest.raises(TawasulError) as caught:
        login(store, user, PASSWORD, now=T0)
    assert _code(caught) == "login.failed"


def test_lock_message_gives_the_date_and_time_in_the_centres_zone(store, monkeypatch):
    import datetime as dt

    from tawasul_desktop.domain.messages import TawasulError
    from tawasul_desktop.storage.users import Actor, add_user, login

    with store.write() as session:
        add_user(
            session,
            Actor("setup", "admin"),
            "huda",
            "clerk",
            "right-password",
            store.policy.security,
        )
    now = dt.datetime(2026, 11, 25, 23, 50, tzinfo=dt.UTC)  # 02:50 on the 26th in Riyadh
    last = None
    for _ in range(store.policy.security.max_failed_logins):
        try:
            login(store, "huda", "wrong-password", now=now)
        except TawasulError as exc:
            last = exc
    assert last is not None and last.problems[0].code == "login.locked"
    assert "2026-11-26 03:05" in last.problems[0].message_en  # 15 minutes later, Riyadh time
