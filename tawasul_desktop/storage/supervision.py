"""A supervisor's actions over the queue a store reads: decide and assign one or many, keep
and forget saved filters — written once, through the store's ``QueueBackend``.

``backend_of`` is the one place that says which backend a store has: the one it was opened
with (a store over central brings central's, central.queue), else this desk's own
(storage.desk_queue). A bulk action applies the same call to each request, each its own unit
of work: a request someone else changed meanwhile is refused and reported, the rest go
through (``request.changed_meanwhile``, ``request.assigned_meanwhile``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.storage.assignment import UNSET, BulkOutcome, _Unset
from tawasul_desktop.storage.desk_queue import DeskQueue
from tawasul_desktop.storage.queue import NamedFilter, QueueFilter
from tawasul_desktop.storage.queue_backend import QueueBackend
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

MAX_FILTER_NAME = 80


def backend_of(store: Store) -> QueueBackend:
    """The queue backend ``store`` was opened with; this desk's own by default."""
    chosen = store.queue_backend
    return chosen if chosen is not None else DeskQueue(store)


def assign(store: Store, actor: Actor, number_text: str, assignee: str | None, *,
           expected_assignee: str | None | _Unset = UNSET,
           now: dt.datetime | None = None) -> str | None:
    """Put a request in ``assignee``'s hands (None releases it); return the new assignee.

    ``expected_assignee`` is who the screen showed: if someone else changed it meanwhile the
    assignment is refused with ``request.assigned_meanwhile`` rather than overwriting theirs.
    """
    return backend_of(store).assign(actor, number_text, assignee,
                                    expected_assignee=expected_assignee, now=now)


def decide_many(store: Store, actor: Actor, items: Sequence[tuple[str, str]], action: Action, *,
                reason: str | None = None, now: dt.datetime | None = None) -> BulkOutcome:
    """Apply one lifecycle action to each (number, status seen) pair."""
    backend = backend_of(store)
    outcome = BulkOutcome()
    for number, seen in items:
        try:
            backend.decide(actor, number, action, reason=reason, expected_status=seen, now=now)
        except TawasulError as exc:
            outcome.refuse(number, exc)
        else:
            outcome.done.append(number)
    return outcome


def assign_many(store: Store, actor: Actor,
                items: Sequence[tuple[str, str | None | _Unset]], assignee: str | None, *,
                now: dt.datetime | None = None) -> BulkOutcome:
    """Assign each (number, assignee seen) pair to ``assignee`` (seen ``UNSET``: whoever
    holds it, as the command line does)."""
    backend = backend_of(store)
    outcome = BulkOutcome()
    for number, seen in items:
        try:
            outcome.assignee = backend.assign(actor, number, assignee, expected_assignee=seen,
                                              now=now)
        except TawasulError as exc:
            outcome.refuse(number, exc)
        else:
            outcome.done.append(number)
    return outcome


# --- saved filters ------------------------------------------------------------------------


def saved_filters(store: Store, owner: str) -> list[NamedFilter]:
    """``owner``'s saved filters, by name: where the queue reads (central's are the same at
    every desk; a desk's own are this desk's)."""
    return backend_of(store).saved_filters(owner)


def save_filter(store: Store, actor: Actor, name: str, flt: QueueFilter,
                now: dt.datetime | None = None) -> None:
    """Keep a filter under a name for this user (the same name again replaces it)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_FILTER_NAME:
        raise TawasulError.of("queue.saved_filter_name", "name")
    backend_of(store).save_filter(actor.username, name, flt, now or dt.datetime.now(dt.UTC))


def delete_filter(store: Store, actor: Actor, name: str) -> bool:
    return backend_of(store).delete_filter(actor.username, name)


__all__ = ["assign", "assign_many", "backend_of", "decide_many", "delete_filter",
           "save_filter", "saved_filters"]
