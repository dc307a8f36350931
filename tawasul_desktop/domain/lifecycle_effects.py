"""What a lifecycle action does to a request: the new status and the fields that go with it.

One pure function, used by the counter's ``transition`` and by central when it applies an
event that came up from a counter or a supervisor's decision, so both sides apply exactly
the same rules (``check_transition`` for the move, the pause of the clock while a request is
returned, the decision fields).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from tawasul_desktop.domain.lifecycle import Action, check_transition
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.domain.timing import due_date_for
from tawasul_desktop.domain.workdays import WorkingCalendar


@dataclass(frozen=True)
class LifecycleState:
    """The mutable part of a request (its intake is immutable once confirmed)."""

    status: str
    effective_day: dt.date
    due_date: dt.date
    paused_working_days: int
    paused_since: dt.date | None
    decision_reason: str | None
    decided_by: str | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, obj: Any) -> LifecycleState:
        """Read the fields from anything carrying them as attributes (a model row, a record)."""
        return cls(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)})

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def write_to(self, obj: Any) -> None:
        for f in dataclasses.fields(self):
            if f.name != "effective_day":
                setattr(obj, f.name, getattr(self, f.name))


def apply_action(state: LifecycleState, action: Action, *, role: str, actor: str,
                 reason: str | None, now: dt.datetime, today: dt.date,
                 calendar: WorkingCalendar,
                 resolution_working_days: int) -> LifecycleState | Problem:
    """The state after ``action``, or the Problem that forbids it."""
    outcome = check_transition(state.status, action, role, reason)
    if isinstance(outcome, Problem):
        return outcome
    changes: dict[str, Any] = {"status": outcome.value}
    if action is Action.RETURN:
        changes["paused_since"] = today
    elif action is Action.ANSWER and state.paused_since is not None:
        paused = state.paused_working_days + calendar.working_days_between(state.paused_since,
                                                                           today)
        changes.update(
            paused_since=None,
            paused_working_days=paused,
            due_date=due_date_for(state.effective_day, calendar, resolution_working_days, paused),
        )
    if action in (Action.ACCEPT, Action.REJECT, Action.RETURN):
        changes.update(decision_reason=(reason or "").strip() or None, decided_by=actor,
                       decided_at=now)
    return dataclasses.replace(state, **changes)
