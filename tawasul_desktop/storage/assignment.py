"""Supervisor assignments in this desk's store, and what a supervisor's action reports.

Assigning follows domain.assignment's rule and is audited like every other change; an
assignment names the assignee the screen showed, so of two supervisors assigning the same
request at once one wins and the other is told (``request.assigned_meanwhile``). The bulk
actions and the choice between this desk's store and central are storage.supervision's
(through the store's ``QueueBackend``); central's assignments are central.queue's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from tawasul_desktop.domain.assignment import SUPERVISOR_ROLES, check_assignment
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.models import Request, User
from tawasul_desktop.storage.requests import display_number, number_or_problem
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, find_user


class _Unset:
    pass


UNSET = _Unset()


@dataclass(frozen=True)
class Supervisor:
    username: str
    display_name: str


def list_supervisors(store: Store) -> list[Supervisor]:
    """Active supervisors and administrators, the people a request can be assigned to."""
    with store.read() as session:
        rows = session.execute(
            select(User.username, User.display_name)
            .where(User.role.in_(SUPERVISOR_ROLES), User.active)
            .order_by(User.username)).all()
    return [Supervisor(u, d or u) for u, d in rows]


def assign(store: Store, actor: Actor, number_text: str, assignee: str | None, *,
           expected_assignee: str | None | _Unset = UNSET,
           now: dt.datetime | None = None) -> str | None:
    """Put a request in ``assignee``'s hands (None releases it); return the new assignee.

    ``expected_assignee`` is who the screen showed: if someone else changed it meanwhile the
    assignment is refused with ``request.assigned_meanwhile`` rather than overwriting theirs.
    """
    now = now or dt.datetime.now(dt.UTC)
    digits = number_or_problem(number_text)
    with store.write() as session:
        req = session.execute(
            select(Request).where(Request.number == digits).with_for_update()
        ).scalar_one_or_none()
        if req is None:
            raise TawasulError.of("request.not_found", "number", invalid_input=False,
                                  number=display_number(digits))
        if not isinstance(expected_assignee, _Unset) and req.assignee != expected_assignee:
            raise TawasulError.of("request.assigned_meanwhile", "assignee", invalid_input=False,
                                  assignee=req.assignee or "—")
        user = find_user(session, assignee) if assignee is not None else None
        problem = check_assignment(actor.role, req.status, assignee,
                                   user.role if user else None, bool(user and user.active))
        if problem is not None:
            raise TawasulError(problem, invalid_input=problem.code == "request.assignee_invalid")
        new = user.username if user is not None else None
        if new == req.assignee:
            return new
        old = req.assignee
        req.assignee, req.updated_at = new, now
        AuditLog(session).record(actor.username, "request.assign", "request", str(req.id),
                                 {"assignee": old}, {"assignee": new}, at=now)
        return new


@dataclass
class BulkOutcome:
    """What a bulk action did: the numbers done and, for the others, why not."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, Problem]] = field(default_factory=list)
    # The whole refusals, in the same order (the CLI's exit code tells input from failure).
    errors: list[tuple[str, TawasulError]] = field(default_factory=list)
    assignee: str | None = None  # as stored by the last assignment done (names match any case)

    def refuse(self, number: str, exc: TawasulError) -> None:
        self.refused.append((number, exc.problems[0]))
        self.errors.append((number, exc))
