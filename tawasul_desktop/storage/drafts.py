"""Unfinished intakes ("drafts"): saved as the clerk types, offered again at the next login.

A draft belongs to the user who started it. Its payload is the wizard's state as plain JSON.
Attachment contents are kept too, so that a draft survives a crash or the deletion of the
files it was made from: the bytes go into the content-addressed attachment store and the
payload's ``attachments`` entries name them by ``sha256``. The orphan sweep keeps every file
a draft names (``draft_digests``); deleting a draft, or dropping a file from it, releases the
files nothing else names. Each function is one unit of work.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tawasul_desktop.storage.models import Draft

if TYPE_CHECKING:
    from tawasul_desktop.storage.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedDraft:
    id: uuid.UUID
    owner: str
    updated_at: dt.datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class DraftAttachment:
    """One file of a draft: its content from the attachment store, or None when the draft
    predates stored contents (or its file is gone) and only the original path is left."""

    document: str
    name: str
    path: str
    content: bytes | None


def _saved(row: Draft) -> SavedDraft:
    return SavedDraft(row.id, row.owner, row.updated_at, dict(row.payload or {}))


def payload_digests(payload: dict[str, Any] | None) -> set[str]:
    """The attachment digests a draft payload names."""
    found: set[str] = set()
    entries = (payload or {}).get("attachments") or []
    if not isinstance(entries, list):
        return found
    for entry in entries:
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if isinstance(digest, str) and digest:
            found.add(digest)
    return found


def draft_digests(session: Session) -> set[str]:
    """Every attachment digest named by any draft (the sweep keeps these files)."""
    found: set[str] = set()
    for payload in session.execute(select(Draft.payload)).scalars():
        found |= payload_digests(payload)
    return found


def save_draft(store: Store, owner: str, payload: dict[str, Any], draft_id: uuid.UUID | None = None,
               *, contents: Iterable[bytes] = (), now: dt.datetime | None = None) -> uuid.UUID:
    """Create or overwrite a draft of ``owner``; returns its id.

    ``contents`` are the bytes of the files the payload's attachments name by ``sha256``;
    they are stored (under the write lock, so a sweep cannot take them before the row names
    them) in the same unit of work. Every digest the payload names must be stored by the
    time it commits. The caller may choose the id of a new draft (so that two saves racing
    each other update one row instead of creating two); None makes a new one."""
    now = now or dt.datetime.now(dt.UTC)
    wanted = payload_digests(payload)
    with store.write() as session:
        stored = {store.blobs.put(content) for content in contents}
        missing = [d for d in wanted - stored if not store.blobs.exists(d)]
        if missing:
            raise ValueError(f"draft names {len(missing)} attachment file(s) not given")
        row = session.get(Draft, draft_id) if draft_id is not None else None
        dropped: set[str] = set()
        if row is None or row.owner != owner:
            new_id = draft_id if draft_id is not None and row is None else uuid.uuid4()
            row = Draft(id=new_id, owner=owner, updated_at=now, payload=payload)
            session.add(row)
        else:
            dropped = payload_digests(row.payload) - wanted
            row.payload = payload
            row.updated_at = now
        session.flush()
        store.release_files(session, dropped)
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


def draft_attachments(store: Store, draft: SavedDraft) -> list[DraftAttachment]:
    """The draft's files with their stored contents, in the order they were attached."""
    found: list[DraftAttachment] = []
    entries = draft.payload.get("attachments") or []
    for entry in entries if isinstance(entries, Sequence) else []:
        if not isinstance(entry, dict):
            continue
        content: bytes | None = None
        digest = entry.get("sha256")
        if isinstance(digest, str) and digest:
            try:
                content = store.blobs.read(digest)
            except (OSError, ValueError) as exc:
                log.warning("a draft's attachment file is missing: %s", type(exc).__name__)
        found.append(DraftAttachment(str(entry.get("document", "")), str(entry.get("name", "")),
                                     str(entry.get("path", "")), content))
    return found


def delete_draft(store: Store, draft_id: uuid.UUID) -> None:
    """Delete a draft and release the files that only it named."""
    with store.write() as session:
        row = session.get(Draft, draft_id)
        if row is None:
            return
        digests = payload_digests(row.payload)
        session.execute(delete(Draft).where(Draft.id == draft_id))
        session.flush()
        store.release_files(session, digests)
