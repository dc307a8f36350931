"""Standard decision reasons (resources/texts/decision_reasons.toml) and the assignment rule."""

from __future__ import annotations

import pytest

from tawasul_desktop.domain.assignment import check_assignment
from tawasul_desktop.domain.decision_reasons import (
    DecisionReasonsError,
    compose_reason,
    load_reasons,
    reasons_for,
)


def test_the_shipped_reasons_load():
    assert reasons_for("reject") and reasons_for("return")
    with pytest.raises(ValueError):
        reasons_for("accept")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('[[reject]]\ncode = "a"\nar = "سبب"\n', "missing or empty en"),
        ('[[reject]]\ncode = "a"\nar = "سبب"\nen = "x"\n'
         '[[reject]]\ncode = "a"\nar = "ب"\nen = "y"\n', "repeated"),
        ('[[accept]]\ncode = "a"\nar = "سبب"\nen = "x"\n', "unknown section"),
        ("[[reject]\n", "reasons.toml"),
    ],
)
def test_a_broken_file_is_named(tmp_path, text, complaint):
    path = tmp_path / "reasons.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DecisionReasonsError, match=complaint):
        load_reasons(path)


def test_compose_reason():
    assert compose_reason(["أ", " "], "  كلمات   حرة ") == "أ؛ كلمات حرة"


@pytest.mark.parametrize(
    ("actor", "status", "assignee", "role", "active", "code"),
    [
        ("supervisor", "submitted", "sara", "supervisor", True, None),
        ("admin", "returned", "root", "admin", True, None),
        ("supervisor", "under_review", None, None, True, None),  # release
        ("clerk", "submitted", "sara", "supervisor", True, "request.not_permitted"),
        ("supervisor", "accepted", "sara", "supervisor", True, "request.not_assignable"),
        ("supervisor", "submitted", "amal", "clerk", True, "request.assignee_invalid"),
        ("supervisor", "submitted", "old", "supervisor", False, "request.assignee_invalid"),
    ],
)
def test_assignment_rule(actor, status, assignee, role, active, code):
    problem = check_assignment(actor, status, assignee, role, active)
    assert (problem.code if problem else None) == code
