"""`tawasul request assign`, run as a real process over the test's SQLite store.

The command acts as the user the OS account running it is mapped to, so each run first maps
the test's OS account to the registered user it acts as, and gives that user's password.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tawasul_desktop.cli.identity import os_account
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import verify_chain
from tawasul_desktop.storage.models import AuditEntry
from tawasul_desktop.storage.os_accounts import map_account
from tawasul_desktop.storage.users import Actor, add_user

SETUP = Actor("setup", "admin")
PEOPLE = (("amal", "supervisor"), ("huda", "supervisor"), ("noura", "clerk"), ("root", "admin"))
PASSWORD = "long password 1"


@pytest.fixture
def assign(tawasul, store):
    """``assign("amal", NUMBER, ..., "--to", "huda")`` runs the command as user amal."""
    with store.write() as session:
        for name, role in PEOPLE:
            add_user(session, SETUP, name, role, PASSWORD, store.policy.security)

    def run(user: str, *args: str):
        with store.write() as session:
            map_account(session, SETUP, os_account(), user)
        return tawasul("request", "assign", *args, password=PASSWORD)

    return run


def submitted(store, valid_request, count: int = 1) -> list[str]:
    return [ops.submit_request(store, SETUP, valid_request()).number for _ in range(count)]


def assignee(store, number: str) -> str | None:
    return ops.get_request(store, number).assignee


def assign_audit(store, number: str) -> list[tuple[str, dict, dict]]:
    req = ops.get_request(store, number)
    with store.read() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.old, AuditEntry.new)
            .where(AuditEntry.entity_id == str(req.id), AuditEntry.action == "request.assign")
            .order_by(AuditEntry.seq)
        ).all()
    return [(actor, json.loads(old), json.loads(new)) for actor, old, new in rows]


def test_assign_reassign_and_release_are_audited(assign, store, valid_request):
    a, b = submitted(store, valid_request, 2)
    given = assign("amal", a, b, "--to", "huda", "--json")
    assert given.code == 0, given.err
    assert given.data == {"assignee": "huda", "done": [a, b], "refused": []}
    assert assignee(store, a) == assignee(store, b) == "huda"

    # Another supervisor takes one over; "me" is whoever runs the command.
    claimed = assign("huda", a, "--to", "me")
    assert claimed.code == 0, claimed.err
    assert claimed.out == f"{a}  assigned to huda\n" and claimed.err == ""
    moved = assign("huda", a, "--to", "AMAL", "--json")  # user names are matched whatever the case
    assert moved.code == 0 and moved.data["assignee"] == "amal"
    assert assignee(store, a) == "amal"

    released = assign("root", a, b, "--release")
    assert released.code == 0, released.err
    assert released.out.splitlines() == [f"{a}  released", f"{b}  released"]
    assert assignee(store, a) is None and assignee(store, b) is None

    # huda's claim of a request already hers changed nothing, so it left no entry.
    assert assign_audit(store, a) == [
        ("amal", {"assignee": None}, {"assignee": "huda"}),
        ("huda", {"assignee": "huda"}, {"assignee": "amal"}),
        ("root", {"assignee": "amal"}, {"assignee": None}),
    ]
    with store.read() as session:
        assert verify_chain(session)[1] == []


def test_a_clerk_is_refused_once_and_nothing_changes(assign, store, valid_request):
    a, b = submitted(store, valid_request, 2)
    refused = assign("noura", a, b, "--to", "amal", "--json")
    assert refused.code == 1
    assert [e["code"] for e in refused.data["errors"]] == ["request.not_permitted"]
    assert "not permitted" in refused.err and "صلاحية" in refused.err
    assert assignee(store, a) is None and assignee(store, b) is None
    assert assign_audit(store, a) == []


@pytest.mark.parametrize("who", ["ghost", "noura"])  # nobody by that name; a clerk
def test_only_an_active_supervisor_can_hold_a_request(assign, store, valid_request, who):
    (number,) = submitted(store, valid_request)
    refused = assign("amal", number, "--to", who, "--json")
    assert refused.code == 2  # input to correct, as the single-request commands say
    assert refused.data["done"] == []
    [entry] = refused.data["refused"]
    assert entry["number"] == number
    assert [e["code"] for e in entry["errors"]] == ["request.assignee_invalid"]
    assert who in entry["errors"][0]["message_en"] and who in entry["errors"][0]["message_ar"]
    assert assignee(store, number) is None


def test_a_decided_or_closed_request_is_refused_and_the_rest_assigned(assign, store, valid_request):
    accepted, closed, open_ = submitted(store, valid_request, 3)
    ops.transition(store, SETUP, accepted, Action.ACCEPT)
    ops.transition(store, SETUP, closed, Action.REJECT, reason="المستندات غير واضحة")
    ops.transition(store, SETUP, closed, Action.CLOSE)
    ran = assign("amal", accepted, open_, closed, "--to", "me", "--json")
    assert ran.code == 1
    assert ran.data["done"] == [open_]
    assert [(r["number"], [e["code"] for e in r["errors"]]) for r in ran.data["refused"]] == [
        (accepted, ["request.not_assignable"]),
        (closed, ["request.not_assignable"]),
    ]
    assert assignee(store, open_) == "amal"
    assert assignee(store, accepted) is None and assignee(store, closed) is None

    # Plain output: the done ones on stdout, one bilingual error per refused request on stderr.
    plain = assign("huda", closed, open_, "--to", "huda")
    assert plain.code == 1
    assert plain.out == f"{open_}  assigned to huda\n"
    [english, arabic] = plain.err.splitlines()
    assert english.startswith(f"error {closed}: [request.not_assignable]")
    assert "لا يُسند إلا طلب مفتوح" in arabic


def test_unknown_and_mistyped_numbers_are_reported_each(assign, store, valid_request):
    (number,) = submitted(store, valid_request)
    digits = number.replace("-", "")
    mistyped = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    ran = assign("amal", mistyped, number, "--to", "amal", "--json")
    assert ran.code == 2
    assert ran.data["done"] == [number]
    assert ran.data["refused"][0]["number"] == mistyped
    assert ran.data["refused"][0]["errors"][0]["code"] == "request.bad_number"
    assert assignee(store, number) == "amal"


def test_to_and_release_are_one_or_the_other(assign, store, valid_request):
    (number,) = submitted(store, valid_request)
    both = assign("amal", number, "--to", "amal", "--release")
    neither = assign("amal", number)
    assert both.code == neither.code == 2  # argparse's usage error
    assert "--release" in both.err and "--to" in neither.err
    assert assignee(store, number) is None
