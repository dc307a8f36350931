"""Who the `tawasul` command acts as: the OS account as the operating system knows it (never
$LOGNAME/$USER), acting only as the registered user an administrator mapped it to; an unmapped
account reads and prints; decisions, assignments, closures and users need the password."""

from __future__ import annotations

import pytest
from cli_users import OPERATOR_PASSWORD, SETUP, map_os_account
from sqlalchemy import func, select

from tawasul_desktop.cli.identity import os_account
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.models import AuditEntry, User
from tawasul_desktop.storage.os_accounts import mapped_user
from tawasul_desktop.storage.users import add_user

PASSWORD = "long password 1"


def pretend(name: str) -> dict[str, str]:
    return {"LOGNAME": name, "USER": name, "LNAME": name, "USERNAME": name}


def users(store) -> list[str]:
    with store.read() as session:
        return sorted(session.execute(select(User.username)).scalars())


def audit_actors(store) -> set[str]:
    with store.read() as session:
        return set(session.execute(select(AuditEntry.actor)).scalars())


def status(store, number: str) -> str:
    return ops.get_request(store, number).status


@pytest.fixture
def submitted(store, valid_request) -> str:
    return ops.submit_request(store, SETUP, valid_request()).number


@pytest.fixture
def registered(store) -> None:
    with store.write() as session:
        add_user(session, SETUP, "supervisor", "supervisor", PASSWORD, store.policy.security)
        add_user(session, SETUP, "clerk", "clerk", PASSWORD, store.policy.security)


def test_the_account_comes_from_the_operating_system_not_the_environment():
    import os
    import pwd

    assert os_account() == pwd.getpwuid(os.geteuid()).pw_name


@pytest.mark.parametrize("name", ["supervisor", "ghost"])
def test_an_environment_name_gives_no_authority(
    tawasul, store, submitted, registered, name
):
    before = users(store)
    ran = tawasul(
        "request", "decide", submitted, "--reject", "--reason", "المستندات غير واضحة", "--json",
        env=pretend(name), password=PASSWORD,
    )
    assert ran.code == 1
    assert ran.data["errors"][0]["code"] == "cli.unmapped"
    assert os_account() in ran.data["errors"][0]["message_en"]
    assert "map-os" in ran.err
    assert status(store, submitted) == "submitted"
    assert users(store) == before  # no account was created on the way
    assert not audit_actors(store) & {"supervisor", f"os:{name}", f"os:{os_account()}"}


def test_an_unmapped_account_reads_and_prints(tawasul, store, submitted, registered, tmp_path):
    assert tawasul("request", "list", "--json").data[0]["number"] == submitted
    assert tawasul("request", "show", submitted, "--json").code == 0
    assert tawasul("user", "list", "--json").code == 0
    assert tawasul("audit", "verify").code == 0
    assert tawasul("closure", "list").code == 0
    printed = tawasul("receipt", submitted, "-o", tmp_path / "r.pdf")
    assert printed.code == 0, printed.err
    assert tawasul("backup", tmp_path / "b.sqlite3").code == 0


@pytest.mark.parametrize(
    "command",
    [
        ["request", "decide", "NUMBER", "--accept"],
        ["request", "assign", "NUMBER", "--to", "supervisor"],
        ["request", "withdraw", "NUMBER"],
        ["request", "answer", "NUMBER"],
        ["request", "follow-up", "NUMBER"],
        ["request", "submit", "-"],
        ["closure", "add", "2030-01-06"],
        ["user", "add", "newbie", "--role", "admin"],
        ["user", "map-os", "someone", "clerk"],
        ["user", "unmap-os", "someone"],
        ["demo-data", "--count", "1"],
        ["restore", "BACKUP"],
    ],
    ids=lambda c: "-".join(c[:2]),
)
def test_an_unmapped_account_may_not_change_anything(
    tawasul, store, submitted, registered, tmp_path, command
):
    from tawasul_desktop.storage.backup import backup_database

    backup = tmp_path / "backup.sqlite3"
    backup_database(store.db_path, backup)
    argv = [submitted if a == "NUMBER" else str(backup) if a == "BACKUP" else a for a in command]
    before_users, before_actors = users(store), audit_actors(store)
    confirmed = command[1] not in ("withdraw", "answer", "follow-up", "submit")
    ran = tawasul(*argv, "--json", stdin="{}\n", password=PASSWORD if confirmed else None)
    assert ran.code == 1, ran.err
    assert [e["code"] for e in ran.data["errors"]] == ["cli.unmapped"]
    assert "Traceback" not in ran.err
    assert status(store, submitted) == "submitted"
    assert users(store) == before_users and audit_actors(store) == before_actors
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_a_mapped_clerk_works_but_may_not_decide_or_manage(
    tawasul, store, submitted, registered
):
    map_os_account(store, "clerk.two", "clerk", PASSWORD)
    answered = tawasul("request", "withdraw", submitted, "--note", "طلب المراجع", "--json")
    assert answered.code == 0, answered.err
    decided = tawasul("request", "decide", submitted, "--close", "--json", password=PASSWORD)
    assert decided.code == 1
    assert decided.data["errors"][0]["code"] == "request.not_permitted"
    added = tawasul("user", "add", "x.user", "--role", "admin", "--json",
                    stdin="long password 2\n", password=PASSWORD)
    assert added.code == 1 and added.data["errors"][0]["code"] == "request.not_permitted"
    mapped = tawasul("user", "map-os", "nobody", "clerk", "--json", password=PASSWORD)
    assert mapped.code == 1 and mapped.data["errors"][0]["code"] == "request.not_permitted"
    assert "x.user" not in users(store)
    with store.read() as session:
        assert ops.get_request(store, submitted).status == "withdrawn"
        entries = session.execute(
            select(AuditEntry.actor).where(AuditEntry.action == "request.withdraw")
        ).scalars().all()
    assert entries == ["clerk.two"]


def test_a_decision_needs_the_mapped_users_password(tawasul, store, submitted):
    map_os_account(store, "sup.one", "supervisor", PASSWORD)
    none = tawasul("request", "decide", submitted, "--accept", "--json")
    assert none.code == 1 and none.data["errors"][0]["code"] == "cli.password_needed"
    wrong = tawasul("request", "decide", submitted, "--accept", "--json", password="not it")
    assert wrong.code == 2 and wrong.data["errors"][0]["code"] == "login.failed"
    assert status(store, submitted) == "submitted"
    right = tawasul("request", "decide", submitted, "--accept", "--json", password=PASSWORD)
    assert right.code == 0, right.err
    assert status(store, submitted) == "accepted"
    with store.read() as session:
        actors = session.execute(
            select(AuditEntry.actor).where(AuditEntry.action.like("request.%"))
            .order_by(AuditEntry.seq)
        ).scalars().all()
    assert actors[-1] == "sup.one"


def test_repeated_wrong_passwords_lock_the_user(tawasul, store, submitted):
    map_os_account(store, "sup.one", "supervisor", PASSWORD)
    for _ in range(store.policy.security.max_failed_logins):
        tawasul("request", "decide", submitted, "--accept", password="guess")
    locked = tawasul("request", "decide", submitted, "--accept", "--json", password=PASSWORD)
    assert locked.data["errors"][0]["code"] == "login.locked"
    assert status(store, submitted) == "submitted"


def test_a_deactivated_mapped_user_is_refused(tawasul, store, submitted):
    map_os_account(store, "sup.one", "supervisor", PASSWORD)
    with store.write() as session:
        session.execute(select(User).where(User.username == "sup.one")).scalar_one().active = False
    ran = tawasul("request", "decide", submitted, "--accept", "--json", password=PASSWORD)
    assert ran.code == 1 and ran.data["errors"][0]["code"] == "cli.user_inactive"
    assert status(store, submitted) == "submitted"


def test_first_administrator_bootstrap(tawasul, store):
    not_admin = tawasul("user", "add", "sara", "--role", "clerk", "--json", stdin=PASSWORD)
    assert not_admin.code == 2 and not_admin.data["errors"][0]["code"] == "cli.first_user_admin"
    first = tawasul("user", "add", "boss", "--role", "admin", "--json", stdin=PASSWORD + "\n")
    assert first.code == 0, first.err
    assert first.data == {"username": "boss", "role": "admin", "os_account": os_account()}
    with store.read() as session:
        assert mapped_user(session, os_account()).username == "boss"
    # From now on the database has a user: the next one takes the administrator's password.
    second = tawasul("user", "add", "sara", "--role", "clerk", "--json", stdin="clerk password\n")
    assert second.code == 1 and second.data["errors"][0]["code"] == "cli.password_needed"
    second = tawasul("user", "add", "sara", "--role", "clerk", "--json",
                     stdin="clerk password\n", password=PASSWORD)
    assert second.code == 0, second.err
    assert users(store) == ["boss", "sara"]


def test_password_on_standard_input_before_the_new_users(tawasul, store, operator):
    ran = tawasul("user", "add", "sara", "--role", "clerk", "--password-fd", "0", "--json",
                  stdin=f"{OPERATOR_PASSWORD}\nclerk password\n")
    assert ran.code == 0, ran.err
    from tawasul_desktop.storage.users import login

    assert login(store, "sara", "clerk password").role == "clerk"


def test_map_unmap_and_list(tawasul, store, operator, registered):
    mapped = tawasul("user", "map-os", "Amal.K", "clerk", "--json", password=OPERATOR_PASSWORD)
    assert mapped.code == 0, mapped.err
    assert mapped.data == {"os_account": "amal.k", "username": "clerk"}
    listed = {u["username"]: u["os_accounts"] for u in tawasul("user", "list", "--json").data}
    assert listed == {"clerk": ["amal.k"], "operator": [os_account()], "supervisor": []}
    plain = tawasul("user", "list").out
    assert "(OS: amal.k)" in plain
    unknown = tawasul("user", "map-os", "x", "nobody", "--json", password=OPERATOR_PASSWORD)
    assert unknown.code == 2 and unknown.data["errors"][0]["code"] == "os_account.no_such_user"
    gone = tawasul("user", "unmap-os", "AMAL.K", "--json", password=OPERATOR_PASSWORD)
    assert gone.data == {"os_account": "AMAL.K", "removed": True}
    # The operator unmaps itself: from then on the account only reads.
    tawasul("user", "unmap-os", os_account(), password=OPERATOR_PASSWORD)
    again = tawasul("user", "map-os", "y", "clerk", "--json", password=OPERATOR_PASSWORD)
    assert again.data["errors"][0]["code"] == "cli.unmapped"
    with store.read() as session:
        actions = session.execute(
            select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.actor)
            .where(AuditEntry.action.like("user.%map_os")).order_by(AuditEntry.seq)
        ).all()
        assert verify_chain(session)[1] == []
    assert [tuple(a) for a in actions][-3:] == [
        ("user.map_os", "amal.k", "operator"),
        ("user.unmap_os", "amal.k", "operator"),
        ("user.unmap_os", os_account(), "operator"),
    ]


def test_demo_data_fills_an_empty_database_only_for_an_administrator(tawasul, store, operator):
    refused = tawasul("demo-data", "--count", "2", "--json")
    assert refused.code == 1 and refused.data["errors"][0]["code"] == "cli.password_needed"
    done = tawasul("demo-data", "--count", "2", "--json", password=OPERATOR_PASSWORD)
    assert done.code == 0, done.err
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 1
