"""The numbers' high-water mark outside the database: a sequence rolled back (as by restoring
an older backup) never gives a number again, whichever way numbers are taken."""

from __future__ import annotations

import contextlib
import json
import sqlite3

from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.demo import generate_demo_data
from tawasul_desktop.storage.high_water import FILE_NAME, HighWater


def _roll_back_sequences(store) -> None:
    with contextlib.closing(sqlite3.connect(store.db_path)) as conn:
        conn.execute("UPDATE number_sequences SET last = 0")
        conn.commit()


def _numbers(store) -> list[str]:
    with contextlib.closing(sqlite3.connect(store.db_path)) as conn:
        return [r[0] for r in conn.execute("SELECT number FROM requests")]


def test_submit_continues_above_the_mark(store, valid_request, clerk):
    first = [ops.submit_request(store, clerk, valid_request()).number for _ in range(3)]
    assert [parse_number(n).sequence for n in first] == [1, 2, 3]
    _roll_back_sequences(store)
    again = ops.submit_request(store, clerk, valid_request()).number
    assert parse_number(again).sequence == 4
    marks = json.loads((store.settings.data_dir / FILE_NAME).read_text())
    assert list(marks.values()) == [4]


def test_demo_data_continues_above_the_mark(store, valid_request, clerk):
    year = parse_number(ops.submit_request(store, clerk, valid_request()).number).year
    centre = store.settings.centre_code
    marks = HighWater(store.settings.data_dir)
    for counter in range(1, 100):  # demo data spreads over many counters
        marks.raise_to(centre, counter, year, 500)
    _roll_back_sequences(store)
    generate_demo_data(store, clerk, 30, seed=3)
    numbers = [parse_number(n) for n in _numbers(store)]
    assert len({n.digits for n in numbers}) == 31
    this_year = [n.sequence for n in numbers if n.year == year]
    assert this_year and sorted(this_year)[1:] == [s for s in sorted(this_year)[1:] if s > 500]


def test_a_damaged_mark_file_stops_numbering_rather_than_guess(store, valid_request, clerk):
    import pytest

    store.settings.data_dir.mkdir(parents=True, exist_ok=True)
    (store.settings.data_dir / FILE_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(OSError, match="high-water"):
        ops.submit_request(store, clerk, valid_request())
    assert ops.count_requests(store, ops.RequestFilter()) == 0
