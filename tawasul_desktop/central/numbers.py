"""What central knows of a counter's request numbers: the highest sequence it holds for each
year. A restore raises the local high-water mark (storage/high_water.py) to it, so numbers stay
unique even when the data folder was lost with the database (a replaced PC)."""

from __future__ import annotations

from typing import Any

import psycopg


def central_high_water(conn: psycopg.Connection[Any], centre: str, counter: int) -> dict[int, int]:
    """{two-digit year: highest sequence} of the requests central holds for one counter.

    Numbers are CCC KK YY NNNNNN D (domain/numbers.py): the year at 6-7, the sequence at 8-13."""
    rows = conn.execute(
        "SELECT substr(number, 6, 2)::int, max(substr(number, 8, 6)::int) FROM requests"
        " WHERE centre = %s AND counter = %s GROUP BY 1",
        (centre, counter),
    ).fetchall()
    return {int(year): int(last) for year, last in rows}
