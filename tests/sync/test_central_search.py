"""Name search over the central PostgreSQL goes through ``tawasul_name_matches`` (central
migration c0003): the same matches as the desk's search, only the caller's centre, only for
supervisors, and a trigram index behind it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from synchelp import CLERK, CentralDb, submit_many, supervisor_role

from tawasul_desktop.central.queue import open_central_store
from tawasul_desktop.storage.queue import QueueFilter, QueueQuery
from tawasul_desktop.storage.users import Actor

AMAL = Actor("amal", "supervisor", "Amal")
NAMES = ("أحمد محمد القحطاني", "سارة علي الزهراني", "خالد عبدالله العتيبي", "منى سعد الغامدي",
         "إيمان مصطفى الشهري", "Maria Cruz Santos")


@pytest.fixture
def world(desks: Any, central: CentralDb, valid_request: Any) -> Any:
    desk = desks("101", 1)
    submit_many(desk.store, CLERK, [valid_request(name=NAMES[i % len(NAMES)]) for i in range(18)])
    other = desks("102", 1)  # same names in another centre: never found from 101
    submit_many(other.store, CLERK, [valid_request(name=n) for n in NAMES])
    desk.sync()
    other.sync()
    role = supervisor_role(central, "amal")
    boss = open_central_store(desk.store.settings, local=desk.store, target=central.target(role))
    yield desk, boss, role
    boss.close()


SEARCHES = ("احمد", "أحمد", "القحطانى", "عبد الله", "عبدالله العتيبي", "العتيبي عبدالله",
            "ايمان", "مصطفي", "maria", "CRUZ santos", "سعد", "zzzz", "ا", "%", "_", "\\",
            "احمد%", "سارة_علي")


@pytest.mark.parametrize("text", SEARCHES)
def test_central_search_finds_what_the_desk_finds(world: Any, text: str) -> None:
    desk, boss, _ = world
    mine = QueueQuery(desk.store, AMAL, QueueFilter(text=text))
    theirs = QueueQuery(boss, AMAL, QueueFilter(text=text))
    expected = sorted(r.number for r in mine.rows())
    assert sorted(r.number for r in theirs.rows()) == expected
    assert theirs.count() == len(expected)


def test_a_search_that_matches_is_not_empty(world: Any) -> None:
    # Guards the parametrised test above against comparing two empty answers throughout.
    desk, boss, _ = world
    assert QueueQuery(boss, AMAL, QueueFilter(text="القحطانى")).count() == 3
    assert QueueQuery(boss, AMAL, QueueFilter(text="عبد الله العتيبى")).count() == 3
    assert QueueQuery(boss, AMAL, QueueFilter(text="maria")).count() == 3


def test_the_function_keeps_to_the_callers_centre_and_to_supervisors(
        world: Any, central: CentralDb) -> None:
    desk, _, role = world
    with psycopg.connect(central.dsn(role), autocommit=True) as conn:
        found = conn.execute("SELECT count(*) FROM tawasul_name_matches(%s)",
                             (["%%"],)).fetchone()
        assert found is not None and found[0] == 18  # 101's, not 102's six
    with psycopg.connect(central.dsn(desk.role), autocommit=True) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT count(*) FROM tawasul_name_matches(%s)", (["%%"],))


def test_the_names_have_a_trigram_index(central: CentralDb) -> None:
    indexes = central.scalar(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'requests_search_names_trgm'")
    assert indexes is not None and "gin_trgm_ops" in indexes
