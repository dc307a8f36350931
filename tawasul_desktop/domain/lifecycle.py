"""Request states and the only transitions allowed between them.

submitted → under_review → accepted | rejected → closed; withdrawn before a decision;
under_review → returned (applicant must supply something; the clock pauses) → under_review.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tawasul_desktop.domain.messages import Problem


class Status(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    START_REVIEW = "start_review"
    RETURN = "return"
    ANSWER = "answer"
    ACCEPT = "accept"
    REJECT = "reject"
    CLOSE = "close"
    WITHDRAW = "withdraw"


class Role(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


OPEN_STATES = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.RETURNED})
DECIDED_STATES = frozenset({Status.ACCEPTED, Status.REJECTED})
# States in which the 7-working-day clock runs (it pauses while returned to the applicant),
# so only these can be overdue.
CLOCK_RUNNING_STATES = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW})

STATUS_NAMES = {
    Status.SUBMITTED: ("مقدَّم", "Submitted"),
    Status.UNDER_REVIEW: ("قيد المراجعة", "Under review"),
    Status.RETURNED: ("معاد لمقدم الطلب", "Returned to applicant"),
    Status.ACCEPTED: ("مقبول", "Accepted"),
    Status.REJECTED: ("مرفوض", "Rejected"),
    Status.CLOSED: ("مغلق", "Closed"),
    Status.WITHDRAWN: ("مسحوب", "Withdrawn"),
}


@dataclass(frozen=True)
class Rule:
    sources: frozenset[Status]
    target: Status
    roles: frozenset[Role]
    needs_reason: bool = False


_SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
_ANYONE = frozenset(Role)
_BEFORE_DECISION = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW})

RULES: dict[Action, Rule] = {
    Action.START_REVIEW: Rule(frozenset({Status.SUBMITTED}), Status.UNDER_REVIEW, _SUPERVISORS),
    Action.RETURN: Rule(_BEFORE_DECISION, Status.RETURNED, _SUPERVISORS, needs_reason=True),
    Action.ANSWER: Rule(frozenset({Status.RETURNED}), Status.UNDER_REVIEW, _ANYONE),
    Action.ACCEPT: Rule(_BEFORE_DECISION, Status.ACCEPTED, _SUPERVISORS),
    Action.REJECT: Rule(_BEFORE_DECISION, Status.REJECTED, _SUPERVISORS, needs_reason=True),
    Action.CLOSE: Rule(DECIDED_STATES, Status.CLOSED, _SUPERVISORS),
    Action.WITHDRAW: Rule(OPEN_STATES, Status.WITHDRAWN, _ANYONE),
}


def status_name(status: str, language: str = "ar") -> str:
    ar, en = STATUS_NAMES[Status(status)]
    return en if language == "en" else ar


def permits(current: str, action: Action, role: str) -> bool:
    """Whether ``role`` may take ``action`` on a request in ``current`` (a reason aside):
    what the GUI offers, so a button is never one the core would refuse."""
    rule = RULES[action]
    return Role(role) in rule.roles and Status(current) in rule.sources


def takes_follow_ups(current: str) -> bool:
    """A closed or withdrawn request takes no more follow-ups (the enquiry page offers none)."""
    return Status(current) not in (Status.CLOSED, Status.WITHDRAWN)


def check_transition(
    current: str, action: Action, role: str, reason: str | None
) -> Status | Problem:
    """Return the new status, or the Problem that forbids the move."""
    rule = RULES[action]
    if Role(role) not in rule.roles:
        return Problem.of("request.not_permitted", "role")
    status = Status(current)
    if status not in rule.sources:
        return Problem.of(
            "request.illegal_transition",
            "status",
            from_ar=status_name(status, "ar"),
            from_en=status_name(status, "en"),
            to_ar=status_name(rule.target, "ar"),
            to_en=status_name(rule.target, "en"),
        )
    if rule.needs_reason and not (reason and reason.strip()):
        return Problem.of("request.reason_required", "reason")
    return rule.target
