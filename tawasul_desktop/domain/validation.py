"""The intake rules for a whole request: one call that reports every problem at once.

validate_request() is the only way from a RequestDraft to a ValidRequest; the wizard, the
`tawasul` command, import and sync all call it. The per-field checks are re-exported here so
the wizard can validate a field as the clerk types, with exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tawasul_desktop.domain.catalogue import Catalogue, Service, default_catalogue
from tawasul_desktop.domain.contact import check_email, normalise_mobile
from tawasul_desktop.domain.digits import compact_number
from tawasul_desktop.domain.file_checks import (
    ContentLimits,
    ContentVerdict,
    content_limits,
    inspect_content,
)
from tawasul_desktop.domain.files import display_name
from tawasul_desktop.domain.identity import check_identity, kind_labels
from tawasul_desktop.domain.intake_types import (
    RELATIONS,
    Attachment,
    Person,
    PersonInput,
    RequestDraft,
    ValidRequest,
)
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.domain.policy import IntakePolicy
from tawasul_desktop.domain.text_rules import (
    IntakeLimits,
    check_description,
    check_field,
    check_name,
    clip_for_message,
    description_progress,
    resolve_intake,
)

__all__ = [
    "check_description",
    "check_email",
    "check_field",
    "check_identity",
    "check_name",
    "description_progress",
    "normalise_mobile",
    "validate_request",
]

_PERSON_PARTS = ("name", "id_number", "mobile", "email")


@dataclass(frozen=True)
class _CheckedPerson:
    """What could be established about one person, even when other parts are wrong."""

    person: Person | None
    id_number: str | None
    id_kind: str | None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _is_blank(person: PersonInput | None) -> bool:
    return person is None or not any(_text(getattr(person, p, "")).strip() for p in _PERSON_PARTS)


def _check_person(
    data: PersonInput,
    role: str,
    intake: IntakePolicy,
    *,
    is_contact: bool,
    problems: list[Problem],
) -> _CheckedPerson:
    """Validate a person; the contact (the applicant) must give a mobile, maybe an e-mail."""
    before = len(problems)
    name = check_name(_text(data.name), f"{role}.name", intake)
    identity = check_identity(_text(data.id_number), f"{role}.id_number")
    mobile_text = _text(data.mobile)
    mobile: str | Problem = ""
    if is_contact or mobile_text.strip():
        mobile = normalise_mobile(mobile_text, f"{role}.mobile")
    email = check_email(
        _text(data.email), f"{role}.email", required=is_contact and intake.require_email
    )
    for result in (name, identity, mobile, email):
        if isinstance(result, Problem):
            problems.append(result)
    id_number, id_kind = identity if isinstance(identity, tuple) else (None, None)
    if len(problems) > before:
        return _CheckedPerson(None, id_number, id_kind)
    assert isinstance(name, str) and isinstance(mobile, str) and id_number and id_kind
    assert not isinstance(email, Problem)
    return _CheckedPerson(Person(name, id_number, id_kind, mobile, email), id_number, id_kind)


def _kind_not_allowed(kind: str, service: Service, field: str) -> Problem:
    kind_ar, kind_en = kind_labels(kind)
    allowed = [kind_labels(k) for k in service.identity_kinds]
    return Problem.of(
        "id.kind_not_allowed",
        field,
        kind_ar=kind_ar,
        kind_en=kind_en,
        allowed_ar="، ".join(ar for ar, _ in allowed),
        allowed_en=", ".join(en for _, en in allowed),
    )


def _check_fields(
    service: Service, values: Any, intake: IntakePolicy, problems: list[Problem]
) -> dict[str, str]:
    given = values if isinstance(values, dict) else {}
    checked: dict[str, str] = {}
    for spec in service.fields:
        result = check_field(spec, given.get(spec.code), f"fields.{spec.code}", intake)
        if isinstance(result, Problem):
            problems.append(result)
        elif result is not None:
            checked[spec.code] = result
    for key in given:
        if not isinstance(key, str) or service.field(key) is None:
            shown = clip_for_message(key)
            problems.append(Problem.of("field.unknown", f"fields.{shown}", value=shown))
    return checked


def _size_in_mb(size: float) -> str:
    return f"{size:g}"


Inspector = Callable[[bytes, ContentLimits], ContentVerdict]


def _check_attachments(
    service: Service | None,
    offered: Any,
    intake: IntakePolicy,
    problems: list[Problem],
    inspect: Inspector = inspect_content,
) -> tuple[Attachment, ...]:
    """Check each file; with a known service also the document codes and that none is missing."""
    checked: list[Attachment] = []
    covered: set[str] = set()
    total_bytes = 0
    for index, item in enumerate(offered if isinstance(offered, list | tuple) else ()):
        field = f"attachments[{index}]"
        document = _text(getattr(item, "document", ""))
        name = display_name(getattr(item, "name", ""))
        content = getattr(item, "content", None)
        if service is not None and service.document(document) is not None:
            covered.add(document)
        else:
            # Only a known code is kept as is; anything else is quoted back safely.
            document = clip_for_message(document)
            if service is not None:
                problems.append(
                    Problem.of("attachment.unknown_document", field, document, value=document)
                )
        if isinstance(content, bytearray | memoryview):
            content = bytes(content)
        if not isinstance(content, bytes):
            refusal = getattr(item, "refusal", None) or "attachment.unreadable"
            problems.append(Problem.of(refusal, field, document, name=name))
            continue
        total_bytes += len(content)
        if not content:
            problems.append(Problem.of("attachment.empty", field, document, name=name))
        elif len(content) > intake.max_file_bytes:
            problems.append(
                Problem.of(
                    "attachment.too_large",
                    field,
                    document,
                    name=name,
                    max_mb=_size_in_mb(intake.max_file_mb),
                )
            )
        else:
            verdict = inspect(content, content_limits(intake))
            if verdict.media_type is None:
                code = verdict.problem or "attachment.bad_type"
                problems.append(Problem.of(code, field, document, name=name, **verdict.params))
            else:
                checked.append(Attachment(document, name, verdict.media_type, content))
    if total_bytes > intake.max_request_bytes:
        problems.append(
            Problem.of(
                "attachment.request_too_large",
                "attachments",
                max_mb=_size_in_mb(intake.max_request_mb),
            )
        )
    if service is not None:
        for required in service.documents:
            if required.code not in covered:
                problems.append(
                    Problem.of(
                        "attachment.missing_document",
                        "attachments",
                        required.code,
                        label_ar=required.label_ar,
                        label_en=required.label_en,
                    )
                )
    return tuple(checked)


def validate_request(
    draft: RequestDraft,
    *,
    catalogue: Catalogue | None = None,
    policy: IntakeLimits = None,
    inspect: Inspector = inspect_content,
) -> tuple[ValidRequest | None, list[Problem]]:
    """Check a draft against every intake rule.

    Returns (ValidRequest, []) when it passes, otherwise (None, problems) listing all problems
    in form order. ``policy`` is an IntakePolicy or a whole Policy; None means the defaults.
    ``inspect`` judges a file's content (a run over many requests passes a VerdictMemo's).
    """
    intake = resolve_intake(policy)
    services = catalogue if catalogue is not None else default_catalogue()
    problems: list[Problem] = []

    service_code = _text(draft.service).strip()
    service = services.get(service_code) if service_code else None
    if not service_code:
        problems.append(Problem.of("service.required", "service"))
    elif service is None:
        problems.append(
            Problem.of("service.unknown", "service", value=clip_for_message(service_code))
        )

    relation = _text(draft.relation).strip()
    if relation not in RELATIONS:
        problems.append(Problem.of("relation.invalid", "relation"))

    applicant_input = draft.applicant if draft.applicant is not None else PersonInput()
    applicant = _check_person(
        applicant_input, "applicant", intake, is_contact=True, problems=problems
    )

    beneficiary_input = None if _is_blank(draft.beneficiary) else draft.beneficiary
    beneficiary = applicant
    kind_field = "applicant.id_number"
    if relation == "self":
        # The applicant is the person concerned; a beneficiary block may only repeat them.
        if beneficiary_input is not None and compact_number(
            _text(beneficiary_input.id_number)
        ) != compact_number(_text(applicant_input.id_number)):
            problems.append(Problem.of("relation.invalid", "relation"))
    elif beneficiary_input is None:
        if relation in RELATIONS:
            problems.append(Problem.of("beneficiary.required", "beneficiary"))
    else:
        beneficiary = _check_person(
            beneficiary_input, "beneficiary", intake, is_contact=False, problems=problems
        )
        kind_field = "beneficiary.id_number"
        if beneficiary.id_number is not None and beneficiary.id_number == applicant.id_number:
            problems.append(Problem.of("beneficiary.same_as_applicant", "relation"))

    if (
        service is not None
        and beneficiary.id_kind is not None
        and beneficiary.id_kind not in service.identity_kinds
    ):
        problems.append(_kind_not_allowed(beneficiary.id_kind, service, kind_field))

    description = check_description(_text(draft.description), "description", intake)
    if isinstance(description, Problem):
        problems.append(description)

    fields = _check_fields(service, draft.fields, intake, problems) if service else {}
    attachments = _check_attachments(service, draft.attachments, intake, problems, inspect)

    if problems:
        return None, problems
    assert service is not None and isinstance(description, str)
    assert applicant.person is not None and beneficiary.person is not None
    return (
        ValidRequest(
            service=service.code,
            applicant=applicant.person,
            beneficiary=beneficiary.person,
            relation=relation,
            description=description,
            fields=fields,
            attachments=attachments,
        ),
        [],
    )
