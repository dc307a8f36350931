"""The supervisor workspace over this desk's own store: the desk's ``QueueBackend``.

Decisions are ``storage.requests.transition`` and assignments ``storage.assignment.assign``
(each its own unit of work, audited, with the status or assignee the supervisor saw); saved
filters are rows of this store's ``saved_filters``; a request's history is its audit log and
its files are this desk's own. Nothing here reaches the network. Central's implementation of
the same protocol is ``tawasul_desktop.central.queue.CentralQueue``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select

from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.storage.assignment import Supervisor, _Unset, assign, list_supervisors
from tawasul_desktop.storage.audit import HistoryLine, history_for
from tawasul_desktop.storage.models import SavedFilter
from tawasul_desktop.storage.queue import NamedFilter, QueueFilter, QueueQuery, QueueSort
from tawasul_desktop.storage.queue_backend import RequestDetail
from tawasul_desktop.storage.requests import get_request, transition
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)
_HEX = frozenset("0123456789abcdef")


def check_digest(sha256: str) -> None:
    """Refuse anything but a sha256 hex digest before it names a file."""
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise ValueError("not a sha256 hex digest")


class DeskQueue:
    """This desk's own store as the supervisor workspace sees it (storage.queue_backend)."""

    reads_replica = False

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def store(self) -> Store:
        return self._store

    def query(self, actor: Actor | None, flt: QueueFilter, sort: QueueSort,
              now: dt.datetime | None = None) -> QueueQuery:
        return QueueQuery(self._store, actor, flt, sort, now=now)

    def supervisors(self) -> list[Supervisor]:
        return list_supervisors(self._store)

    def decide(self, actor: Actor, number: str, action: Action, *, reason: str | None,
               expected_status: str | None, now: dt.datetime | None = None) -> None:
        transition(self._store, actor, number, action, reason=reason, now=now,
                   expected_status=expected_status)

    def assign(self, actor: Actor, number: str, assignee: str | None, *,
               expected_assignee: str | None | _Unset,
               now: dt.datetime | None = None) -> str | None:
        return assign(self._store, actor, number, assignee, expected_assignee=expected_assignee,
                      now=now)

    # --- saved filters: rows of this store -------------------------------------------------

    def saved_filters(self, owner: str) -> list[NamedFilter]:
        with self._store.read() as session:
            rows = session.execute(select(SavedFilter.name, SavedFilter.payload)
                                   .where(SavedFilter.owner == owner)
                                   .order_by(SavedFilter.name)).all()
        return [NamedFilter(name, QueueFilter.from_json(payload or {})) for name, payload in rows]

    def save_filter(self, owner: str, name: str, flt: QueueFilter, now: dt.datetime) -> None:
        with self._store.write() as session:
            found = session.execute(select(SavedFilter).where(
                SavedFilter.owner == owner, SavedFilter.name == name)).scalar_one_or_none()
            if found is None:
                session.add(SavedFilter(owner=owner, name=name, payload=flt.as_json(),
                                        updated_at=now))
            else:
                found.payload, found.updated_at = flt.as_json(), now

    def delete_filter(self, owner: str, name: str) -> bool:
        with self._store.write() as session:
            found = session.execute(select(SavedFilter).where(
                SavedFilter.owner == owner, SavedFilter.name == name)).scalar_one_or_none()
            if found is None:
                return False
            session.delete(found)
            return True

    # --- one request -----------------------------------------------------------------------

    def detail(self, number: str) -> RequestDetail:
        req = get_request(self._store, number)
        return RequestDetail(req, self.history(req.id))

    def history(self, request_id: uuid.UUID) -> list[HistoryLine]:
        with self._store.read() as session:
            return history_for(session, "request", str(request_id))

    def read_attachment(self, sha256: str) -> bytes:
        check_digest(sha256)
        content = self._store.blobs.read(sha256)
        if hashlib.sha256(content).hexdigest() != sha256:
            log.warning("local attachment file %s… does not match its digest", sha256[:12])
            raise TawasulError.of("attachment.damaged", "attachment", invalid_input=False)
        return content

    def name_search(self, words: Sequence[str]) -> ColumnElement[bool]:
        return self._store.name_search(words)

    # --- the connection --------------------------------------------------------------------

    def problem_of(self, exc: BaseException) -> Problem | None:
        return None  # this desk's own file: a failure here is a bug, reported as one

    def lag_notice(self) -> Problem | None:
        return None

    def release(self) -> None:
        """Nothing to let go of: the store stays open with the desk."""


__all__ = ["DeskQueue", "check_digest"]
