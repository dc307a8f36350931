"""Shared set-up of the supervisor workspace tests: supervisors, requests, waiting for the queue."""

from __future__ import annotations

import datetime as dt

from gui_helpers import APPLICANT_ID, DESCRIPTION, PASSWORD, PDF, sign_in, utc_now

from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.gui.supervisor.workspace import SupervisorWorkspace
from tawasul_desktop.storage.requests import submit_request
from tawasul_desktop.storage.users import Actor, add_user

OMAR = Actor("omar", "supervisor", "Omar")
NAMES = ("Alpha", "Bravo", "Charlie", "Delta")


def add_supervisors(store):
    """Sara and Omar, supervisors, beside the conftest's administrator and clerks."""
    with store.write() as session:
        setup = Actor("test-setup", "admin")
        add_user(session, setup, "sara", "supervisor", PASSWORD, store.policy.security, "Sara")
        add_user(session, setup, "omar", "supervisor", PASSWORD, store.policy.security, "Omar")
    return store


def submitted(store, name: str = "Mohammed Ali", hours_ago: float = 2) -> str:
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput(name, APPLICANT_ID, "0501234567", "m@example.com"),
        description=DESCRIPTION,
        fields={"passport_action": "renew"},
        attachments=[AttachmentInput("national_id_copy", "هوية.pdf", PDF),
                     AttachmentInput("personal_photo", "photo.pdf", PDF)],
    )
    valid, problems = validate_request(draft, catalogue=store.catalogue, policy=store.policy)
    assert not problems, problems
    when = utc_now() - dt.timedelta(hours=hours_ago)
    return submit_request(store, Actor("amal", "clerk"), valid, now=when, submitted_at=when,
                          confirm_duplicate=True).number.replace("-", "")


def open_workspace(qtbot, window, who: str = "sara") -> SupervisorWorkspace:
    sign_in(qtbot, window, who)
    workspace = window.supervision
    window.tabs.setCurrentWidget(workspace)
    wait_idle(qtbot, workspace)
    return workspace


def wait_idle(qtbot, workspace: SupervisorWorkspace) -> None:
    qtbot.waitUntil(workspace.model.idle, timeout=5000)


def shown_numbers(workspace: SupervisorWorkspace) -> list[str]:
    model = workspace.model
    return [model.row_at(r).number for r in range(model.rowCount())]


def row_of(workspace: SupervisorWorkspace, number: str) -> int:
    return shown_numbers(workspace).index(number)
