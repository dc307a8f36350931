"""What the supervisor workspace needs of the database its queue reads: one protocol.

A supervisor's queue reads either this desk's own store or, with ``[central] dsn`` and a
supervisor's login role, the central PostgreSQL. The rows are read with the same SQL either
way (``QueueQuery`` over ``store``, the exports and the dashboard); what differs — where a
decision or an assignment is made, where saved filters are kept, how a request's detail,
history and files are read, how a name is searched, what a failure reaching the database
means, whether reads come from a replica that may lag — is behind this protocol, with two
implementations: the desk's (storage.desk_queue) and central's (central.queue). Which one a
store has is settled when the store is opened; ``storage.supervision.backend_of`` hands it
out, and nothing else asks which it is (as calibre's ``calibredb`` chooses once between a
local library and a remote one).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from tawasul_desktop.domain.lifecycle import Action
    from tawasul_desktop.domain.messages import Problem
    from tawasul_desktop.storage.assignment import Supervisor, _Unset
    from tawasul_desktop.storage.audit import HistoryLine
    from tawasul_desktop.storage.models import Request
    from tawasul_desktop.storage.queue import NamedFilter, QueueFilter, QueueQuery, QueueSort
    from tawasul_desktop.storage.store import Store
    from tawasul_desktop.storage.users import Actor


@dataclass(frozen=True)
class RequestDetail:
    """One request as the detail pane shows it."""

    request: Request  # detached, with attachments and follow-ups loaded
    timeline: list[HistoryLine]  # oldest first


class QueueBackend(Protocol):
    """The supervisor workspace's queue, decisions, saved filters and detail over one store.

    Every method may be slow (a network round trip over central): call it in a worker.
    """

    @property
    def store(self) -> Store:
        """The rows: read by QueueQuery, the exports and the dashboard with the same SQL."""
        ...

    def query(self, actor: Actor | None, flt: QueueFilter, sort: QueueSort,
              now: dt.datetime | None = None) -> QueueQuery:
        """The queue's rows for one filter and sort (paged by storage.queue.QueueWindow)."""
        ...

    def supervisors(self) -> list[Supervisor]:
        """The people a request can be assigned to."""
        ...

    def decide(self, actor: Actor, number: str, action: Action, *, reason: str | None,
               expected_status: str | None, now: dt.datetime | None = None) -> None:
        """Apply one lifecycle action to the request ``number`` (typed or canonical), refused
        with ``request.changed_meanwhile`` unless it is still in ``expected_status``."""
        ...

    def assign(self, actor: Actor, number: str, assignee: str | None, *,
               expected_assignee: str | None | _Unset,
               now: dt.datetime | None = None) -> str | None:
        """Put a request in ``assignee``'s hands (None releases it); the new assignee."""
        ...

    def saved_filters(self, owner: str) -> list[NamedFilter]:
        """``owner``'s saved filters, by name."""
        ...

    def save_filter(self, owner: str, name: str, flt: QueueFilter, now: dt.datetime) -> None:
        """Keep ``flt`` under ``name`` (already checked) for ``owner``; the same name replaces."""
        ...

    def delete_filter(self, owner: str, name: str) -> bool:
        """Forget one; False when there was none by that name."""
        ...

    def detail(self, number: str) -> RequestDetail:
        """The request with its attachments, follow-ups and history."""
        ...

    def history(self, request_id: uuid.UUID) -> list[HistoryLine]:
        """What happened to the request, oldest first."""
        ...

    def read_attachment(self, sha256: str) -> bytes:
        """An attachment's bytes, checked against their digest (TawasulError if they cannot
        be had: damaged, still uploading, not the role's to read)."""
        ...

    def name_search(self, words: Sequence[str]) -> ColumnElement[bool]:
        """The condition that every (folded) word is in a request's names."""
        ...

    def problem_of(self, exc: BaseException) -> Problem | None:
        """What to tell the user about a failure reaching or being refused by the database;
        None when ``exc`` is not that (a bug, to be raised again)."""
        ...

    @property
    def reads_replica(self) -> bool:
        """Whether reads come from a copy that may lag behind (``lag_notice`` then says how
        far); False for a store that reads where it writes."""
        ...

    def lag_notice(self) -> Problem | None:
        """How far behind the replica is, when that is worth saying."""
        ...

    def release(self) -> None:
        """Let go of network connections (sign-out, lock, quit); they open again on use."""
        ...


__all__ = ["QueueBackend", "RequestDetail"]
