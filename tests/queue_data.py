"""Requests written straight into the store for queue tests (no intake, no audit).

The queue's tests need many rows with chosen values and many ties; submitting each through
the intake would be slow and could not choose statuses, assignees or due dates.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from sqlalchemy import insert

from tawasul_desktop.domain.arabic_fold import fold
from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.numbers import make_number
from tawasul_desktop.storage.models import FollowUp, Request

_sequence = itertools.count(1)
_identities = itertools.count(30_000_000)


def request_row(store, **values: Any) -> dict[str, Any]:
    """A complete requests row; ``values`` override any column."""
    counter = values.get("counter", 1)
    submitted = values.get("submitted_at", dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC))
    name = values.get("applicant_name", "محمد علي")
    identity = values.get("applicant_id") or make_identity("1", f"{next(_identities):08d}")
    row = {
        "id": uuid.uuid4(),
        "number": make_number(store.settings.centre_code, counter, submitted.year,
                              next(_sequence)).digits,
        "centre": store.settings.centre_code, "counter": counter, "service": "passport",
        "status": "submitted", "applicant_name": name, "applicant_id": identity,
        "applicant_id_kind": "national_id", "applicant_mobile": "+966501234567",
        "applicant_email": None, "beneficiary_name": name, "beneficiary_id": identity,
        "beneficiary_id_kind": "national_id", "beneficiary_mobile": None,
        "beneficiary_email": None, "relation": "self", "search_names": fold(f"{name} {name}"),
        "description": "وصف", "fields": {}, "submitted_at": submitted,
        "effective_day": submitted.date(), "due_date": submitted.date() + dt.timedelta(days=9),
        "paused_working_days": 0, "paused_since": None, "decision_reason": None,
        "decided_by": None, "decided_at": None, "duplicate_of": None, "created_by": "test",
        "import_key": None, "updated_at": submitted, "assignee": None,
    }
    row.update(values)
    if "applicant_name" in values and "search_names" not in values:
        row["search_names"] = fold(f"{row['applicant_name']} {row['beneficiary_name']}")
    return row


def insert_requests(store, rows: list[dict[str, Any]], follow_ups: dict[int, int] | None = None
                    ) -> list[dict[str, Any]]:
    """Insert rows (from request_row); ``follow_ups`` maps a row's index to how many it has."""
    with store.write() as session:
        session.execute(insert(Request), rows)
        extra = [{"id": uuid.uuid4(), "request_id": rows[i]["id"],
                  "at": rows[i]["submitted_at"] + dt.timedelta(days=4, minutes=k), "by": "amal",
                  "note": ""}
                 for i, n in (follow_ups or {}).items() for k in range(n)]
        if extra:
            session.execute(insert(FollowUp), extra)
    return rows
