"""Turn the JSON form of a request (CLI submit, import lines) into a RequestDraft.

Attachment paths are resolved against a base folder and read here, at the edge; a file that
cannot be read becomes an attachment with ``content=None`` so validation reports it with
the others. Reading stops one byte past the size limit: a huge file is refused, not loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.messages import Problem


def read_limited(path: Path, limit: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(limit + 1)


def draft_from_json(
    obj: Any, base_dir: Path, max_file_bytes: int
) -> tuple[RequestDraft, list[Problem]]:
    """Build a draft; shape problems (not an object, attachments not a list) are returned."""
    problems: list[Problem] = []
    if not isinstance(obj, dict):
        return RequestDraft(), [Problem.of("input.bad_json", "", detail="expected a JSON object")]
    beneficiary = obj.get("beneficiary")
    fields = obj.get("fields") or {}
    if not isinstance(fields, dict):
        problems.append(Problem.of("input.bad_json", "fields", detail="'fields' must be an object"))
        fields = {}
    draft = RequestDraft(
        service=_text(obj.get("service")),
        applicant=PersonInput.from_mapping(obj.get("applicant")),
        beneficiary=PersonInput.from_mapping(beneficiary)
        if isinstance(beneficiary, dict)
        else None,
        relation=_text(obj.get("relation")) or "self",
        description=_text(obj.get("description")),
        fields={str(k): _text(v) for k, v in fields.items()},
    )
    attachments = obj.get("attachments") or []
    if not isinstance(attachments, list):
        problems.append(
            Problem.of("input.bad_json", "attachments", detail="'attachments' must be a list")
        )
        attachments = []
    for item in attachments:
        if not isinstance(item, dict):
            problems.append(
                Problem.of("input.bad_json", "attachments", detail="each attachment is an object")
            )
            continue
        raw_path = _text(item.get("path"))
        document = _text(item.get("document"))
        name = Path(raw_path.replace("\\", "/")).name or raw_path
        try:
            path = Path(raw_path)
            content = read_limited(path if path.is_absolute() else base_dir / path, max_file_bytes)
            draft.attachments.append(AttachmentInput(document=document, name=name, content=content))
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            draft.attachments.append(
                AttachmentInput(document=document, name=name, content=None, read_error=reason)
            )
    return draft, problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
