"""Unfinished intakes ("drafts"): saved as the clerk types, offered again at the next login.

A draft belongs to the user who started it. Its payload is the wizard's state as plain JSON
(no file contents: attachments are kept as the paths they were added from). Each function is
one unit of work.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from tawasul_desktop.storage.models import Draft
from tawasul_desktop.storage.store import Store


@dataclass(frozen=True)
class SavedDraft:
    id: uuid.UUID
    owner: str
    updated_at: dt.datetime
    payload: dict[str, Any]


def _saved(row: Draft) -> SavedDraft:
    return SavedDraft(row.id, row.owner, row.updated_at, dict(row.payload or {}))


def save_draft(store: Store, owner: str, payload: dict[str, Any], draft_id: uuid.UUID | None = None,
               *, now: dt.datetime | None = None) -> uuid.UUID:
    """Create or overwrite a draft of ``owner``; returns its id.

    The caller may choose the id of a new draft (so that two saves racing each other update
    one row instead of creating two); None makes a new one."""
    now = now or dt.datetime.now(dt.UTC)
    with store.write() as session:
        row = session.get(Draft, draft_id) if draft_id is not None else None
        if row is None or row.owner != owner:
            new_id = draft_id if draft_id is not None and row is None else uuid.uuid4()
            row = Draft(id=new_id, owner=owner, updated_at=now, payload=payload)
            session.add(row)
        else:
            row.payload = payload
            row.updated_at = now
        session.flush()
        return row.id


def list_drafts(store: Store, owner: str) -> list[SavedDraft]:
    """The owner's drafts, newest first."""
    with store.read() as session:
        rows = session.execute(
            select(Draft).where(Draft.owner == owner).order_by(Draft.updated_at.desc())
        ).scalars()
        return [_saved(r) for r in rows]


def load_draft(store: Store, draft_id: uuid.UUID) -> SavedDraft | None:
    with store.read() as session:
        row = session.get(Draft, draft_id)
        return _saved(row) if row is not None else None


def delete_draft(store: Store, draft_id: uuid.UUID) -> None:
    with store.write() as session:
        session.execute(delete(Draft).where(Draft.id == draft_id))
