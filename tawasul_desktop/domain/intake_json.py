"""Turn the JSON form of a request (CLI submit, import lines) into a RequestDraft.

Attachment paths are resolved against a base folder and read here, at the edge; a file that
cannot be read becomes an attachment with ``content=None`` so validation reports it with
the others. Reading stops one byte past the size limit: a huge file is refused, not loaded.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.messages import Problem

# A request is a few levels deep; anything much deeper is hostile (json recurses per level).
MAX_DEPTH = 16
# No value of a request needs more digits; Python refuses over 4,300 with a ValueError.
MAX_NUMBER_DIGITS = 40


class NotARegularFile(OSError):
    """The path names a folder, a device, a pipe or a socket."""


class OutsideFolder(OSError):
    """The path leads outside the folder the request file is in."""


class _NumberTooLong(ValueError):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _NumberTooLong(text[:20])
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS * 2:
        raise _NumberTooLong(text[:20])
    return float(text)


def _depth_exceeds(obj: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_json_text(text: str) -> tuple[Any, Problem | None]:
    """The JSON value of ``text``, or a Problem: bad syntax, nested deeper than MAX_DEPTH,
    or a number longer than MAX_NUMBER_DIGITS. Never raises for any input text."""
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_float=_bounded_float)
    except json.JSONDecodeError as exc:
        return None, Problem.of("input.bad_json", "", detail=f"line {exc.lineno}: {exc.msg}")
    except RecursionError:
        return None, Problem.of("input.too_deep", "", max=MAX_DEPTH)
    except ValueError:  # _NumberTooLong, or a float/int the interpreter itself refuses
        return None, Problem.of("input.number_too_long", "", max=MAX_NUMBER_DIGITS)
    # Each level opens a bracket, so a text with few brackets cannot be too deep: an import
    # line need not be walked (a bracket inside a string only makes the count larger).
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth_exceeds(value, MAX_DEPTH):
        return None, Problem.of("input.too_deep", "", max=MAX_DEPTH)
    return value, None


def read_limited(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a regular file. Opened without blocking and checked
    with fstat before reading, so a FIFO or a device never hangs or floods the command."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise NotARegularFile(f"{os.path.basename(os.fspath(path))}: not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        # Ask for the size fstat gave (plus one, to see a file that grew), not for the limit:
        # a buffered read(limit) allocates the whole limit (10 MB) for every small file.
        chunks: list[bytes] = []
        want = min(found.st_size, limit) + 1
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(max(want - got, 64 * 1024), limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def confined_path(raw: Path, base_dir: Path, *, base_resolved: bool = False) -> Path:
    """``raw`` read relative to ``base_dir``; refused if it is absolute or leads (by ``..``
    or a symbolic link) outside that folder."""
    if raw.is_absolute() or raw.drive or raw.root:
        raise OutsideFolder(str(raw))
    base = base_dir if base_resolved else base_dir.resolve()
    plain = _plain_target(raw, base)
    if plain is not None:
        return plain
    target = (base / raw).resolve()
    if not target.is_relative_to(base):
        raise OutsideFolder(str(raw))
    return target


def _plain_parts(raw: str) -> list[str] | None:
    """The parts of a relative POSIX path written plainly ("a.pdf", "scans/a.pdf": no empty,
    ``.`` or ``..`` part, no backslash, no NUL), which are then exactly ``Path(raw).parts``;
    None for any other writing, which goes through Path."""
    if os.name != "posix" or not raw or "\\" in raw or "\x00" in raw:
        return None
    parts = raw.split("/")
    for part in parts:
        if not part or part == "." or part == "..":
            return None
    return parts


def _plain_target_text(parts: list[str], base: str) -> str | None:
    """What :func:`_plain_target` gives for these parts, as text (no Path made per line)."""
    current = base
    for part in parts:
        current = os.path.join(current, part)
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return None
        except (OSError, ValueError):
            return None
    return current


def _plain_target(raw: Path, base: Path) -> Path | None:
    """``base / raw`` when no part of ``raw`` is ``..`` or a symbolic link and every part
    exists: then it is what resolving would give, found with one lstat per part instead of
    a walk over the whole path (an import resolves two files per line). None otherwise, and
    resolving decides. POSIX only: Windows has junctions, which lstat does not tell."""
    if os.name != "posix" or ".." in raw.parts:
        return None
    found = _plain_target_text(list(raw.parts), str(base))
    return Path(found) if found is not None else None


def draft_from_json(
    obj: Any,
    base_dir: Path,
    max_file_bytes: int,
    *,
    confine: bool = False,
    resolved_base: Path | None = None,
) -> tuple[RequestDraft, list[Problem]]:
    """Build a draft; shape problems (not an object, attachments not a list) are returned.

    With ``confine`` (import files) an attachment path must stay inside ``base_dir``;
    ``resolved_base`` is ``base_dir`` already resolved (an import resolves it once)."""
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
        # The common writing ("a.pdf", "scans/a.pdf") is confined as confined_path would,
        # without Path objects (two per attachment line); any other goes through Path.
        parts = _plain_parts(raw_path) if confine else None
        if parts is not None:
            name = parts[-1]
        else:
            path = Path(raw_path)
            name = (path if "\\" not in raw_path else Path(raw_path.replace("\\", "/"))).name
            name = name or raw_path
        try:
            target: str | Path | None = None
            if parts is not None:
                resolved_base = resolved_base or base_dir.resolve()
                target = _plain_target_text(parts, str(resolved_base))
            if target is None:
                path = Path(raw_path)
                if confine:
                    resolved_base = resolved_base or base_dir.resolve()
                    path = confined_path(path, resolved_base, base_resolved=True)
                target = path if path.is_absolute() else base_dir / path
            content = read_limited(target, max_file_bytes)
            draft.attachments.append(AttachmentInput(document=document, name=name, content=content))
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            refusal = (
                "attachment.outside_folder" if isinstance(exc, OutsideFolder)
                else "attachment.not_a_file" if isinstance(exc, NotARegularFile | IsADirectoryError)
                else None
            )
            draft.attachments.append(
                AttachmentInput(document=document, name=name, content=None, read_error=reason,
                                refusal=refusal)
            )
    return draft, problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
