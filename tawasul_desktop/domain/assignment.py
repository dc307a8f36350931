"""Who may put a request in whose hands: the one rule behind claim, assign and release.

Only supervisors (and administrators) assign; only to an active supervisor or administrator
(or to nobody, which releases the request); only while the request is open.
"""

from __future__ import annotations

from tawasul_desktop.domain.lifecycle import OPEN_STATES, Role, Status
from tawasul_desktop.domain.messages import Problem

SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})


def is_supervisor(role: str) -> bool:
    return role in SUPERVISOR_ROLES


def check_assignment(actor_role: str, status: str, assignee: str | None,
                     assignee_role: str | None, assignee_active: bool = True) -> Problem | None:
    """None if ``actor_role`` may give a request in ``status`` to ``assignee`` (None: nobody)."""
    if not is_supervisor(actor_role):
        return Problem.of("request.not_permitted", "role")
    if Status(status) not in OPEN_STATES:
        return Problem.of("request.not_assignable", "status")
    if assignee is not None and not (assignee_active and assignee_role
                                     and is_supervisor(assignee_role)):
        return Problem.of("request.assignee_invalid", "assignee", name=assignee)
    return None
