"""Implementations of the `tawasul` subcommands; each calls the core and prints through Output."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from sqlalchemy import select

from tawasul_desktop.cli.output import Output
from tawasul_desktop.config import Settings, load_settings
from tawasul_desktop.domain.intake_json import draft_from_json, parse_json_text
from tawasul_desktop.domain.intake_types import ValidRequest
from tawasul_desktop.domain.lifecycle import Action, Role
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.engine import upgrade
from tawasul_desktop.storage.models import Closure, User
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, add_user, find_user


class CommandFailed(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(
        Path(args.config) if args.config else None, db=args.db, data_dir=args.data_dir
    )


def open_store(args: argparse.Namespace) -> Store:
    return Store.open(settings_from(args))


def os_actor(store: Store) -> Actor:
    """The OS account running the command; a registered user of that name keeps their role."""
    name = getpass.getuser()
    with store.read() as session:
        user = find_user(session, name)
    if user is not None:
        if not user.active:
            # Else a deactivated clerk would act as "os:<name>", an administrator.
            raise CommandFailed(f"the user account {user.username} is deactivated", 1)
        return Actor(user.username, user.role, user.display_name)
    return Actor(f"os:{name}", Role.ADMIN.value, name)


# --- db, users ----------------------------------------------------------------------------


def db_upgrade(args: argparse.Namespace, out: Output) -> int:
    settings = settings_from(args)
    with Store.open(settings, sweep=False) as store:  # opening migrates; say so explicitly
        upgrade(store.engine)
    out.data(
        {"db": str(settings.db_path), "status": "up to date"},
        f"database up to date: {settings.db_path}",
    )
    return 0


def _read_password() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise CommandFailed("the passwords do not match", 2)
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def user_add(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store:
        password = _read_password()
        actor = os_actor(store)
        with store.write() as session:
            user = add_user(
                session,
                actor,
                args.name,
                args.role,
                password,
                store.policy.security,
                args.display_name,
            )
            out.data(
                {"username": user.username, "role": user.role},
                f"user {user.username} added as {user.role}",
            )
    return 0


def user_list(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store, store.read() as session:
        users = session.execute(select(User).order_by(User.username)).scalars().all()
        rows = [
            {
                "username": u.username,
                "role": u.role,
                "display_name": u.display_name,
                "active": u.active,
            }
            for u in users
        ]
    out.data(
        rows,
        "\n".join(f"{r['username']:<20} {r['role']:<11} {r['display_name']}" for r in rows)
        or "no users",
    )
    return 0


# --- requests -----------------------------------------------------------------------------


def _summary_text(s: ops.RequestSummary) -> str:
    lines = [
        f"number        {s.number}",
        f"status        {s.status}",
        f"service       {s.service}",
        f"submitted     {s.submitted_at.isoformat(timespec='minutes')}",
        f"due           {s.due_date.isoformat()}{'  (OVERDUE)' if s.overdue else ''}",
        f"follow-up     from {s.follow_up_from.isoformat(timespec='minutes')}",
    ]
    if s.decision_reason:
        lines.append(f"reason        {s.decision_reason}")
    if s.duplicate_of:
        lines.append(f"duplicate of  {s.duplicate_of}")
    return "\n".join(lines)


def _load_json_input(file_arg: str) -> tuple[object, Path]:
    try:
        if file_arg == "-":
            text, base = sys.stdin.read().removeprefix("\ufeff"), Path.cwd()
        else:
            path = Path(file_arg)
            text, base = path.read_text(encoding="utf-8-sig"), path.resolve().parent
    except (OSError, UnicodeDecodeError) as exc:
        raise TawasulError.of(
            "input.bad_json", "", detail=str(getattr(exc, "strerror", None) or exc)
        ) from None
    value, problem = parse_json_text(text)
    if problem is not None:
        raise TawasulError([problem])
    return value, base


def validate_json(store: Store, obj: object, base: Path) -> ValidRequest:
    draft, shape_problems = draft_from_json(obj, base, store.policy.intake.max_file_bytes)
    if not isinstance(obj, dict):
        # Not a request at all: "service required", "name required"... would only be noise.
        raise TawasulError(shape_problems)
    valid, problems = validate_request(draft, catalogue=store.catalogue, policy=store.policy.intake)
    problems = shape_problems + problems
    if problems or valid is None:
        raise TawasulError(problems)
    return valid


def request_submit(args: argparse.Namespace, out: Output) -> int:
    obj, base = _load_json_input(args.file)
    with open_store(args) as store:
        valid = validate_json(store, obj, base)
        summary = ops.submit_request(
            store, os_actor(store), valid, confirm_duplicate=args.confirm_duplicate
        )
    out.data(summary.as_json(), _summary_text(summary))
    return 0


def request_import(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.storage.importer import import_lines

    path = Path(args.file)
    try:
        # utf-8-sig: files saved by Windows Notepad start with a byte-order mark.
        handle = path.open(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror}", 2) from None
    with handle, open_store(args) as store:
        report = import_lines(
            store,
            os_actor(store),
            handle,
            path.resolve().parent,
            confirm_duplicates=args.confirm_duplicates,
            allow_outside=getattr(args, "allow_outside", False),
        )
    text = [
        f"imported {report.imported}, already present {report.skipped}, "
        f"refused {len(report.failed)}"
    ]
    for failure in report.failed:
        for p in failure.problems:
            text.append(f"line {failure.line}: [{p.code}] {p.field}: {p.message_en}")
    out.data(
        {
            "imported": report.imported,
            "skipped": report.skipped,
            "failed": [
                {"line": f.line, "errors": [p.as_dict() for p in f.problems]} for f in report.failed
            ],
        },
        "\n".join(text),
    )
    return 2 if report.failed else 0


def request_show(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store:
        req = ops.get_request(store, args.number)
        summary = ops.summarise(store, req)
        service = store.catalogue.get(req.service)
        detail = summary.as_json() | {
            "applicant": {
                "name": req.applicant_name,
                "id_number": req.applicant_id,
                "mobile": req.applicant_mobile,
                "email": req.applicant_email,
            },
            "beneficiary": {"name": req.beneficiary_name, "id_number": req.beneficiary_id},
            "relation": req.relation,
            "description": req.description,
            "fields": req.fields,
            "attachments": [
                {"document": a.document, "name": a.display_name, "size": a.size, "sha256": a.sha256}
                for a in req.attachments
            ],
            "follow_ups": [
                {"at": f.at.isoformat(), "by": f.by, "note": f.note} for f in req.follow_ups
            ],
        }
    text = (
        _summary_text(summary)
        + "\n"
        + "\n".join(
            [
                f"service name  {service.name_en if service else req.service}",
                f"applicant     {req.applicant_name} ({req.applicant_id})",
                f"beneficiary   {req.beneficiary_name} ({req.beneficiary_id}), "
                f"relation {req.relation}",
                f"attachments   {', '.join(a.document for a in req.attachments) or '-'}",
                f"follow-ups    {len(req.follow_ups)}",
                "description:",
                req.description,
            ]
        )
    )
    out.data(detail, text)
    return 0


def _date_arg(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandFailed(f"--{name} must be a date like 2026-11-25, not {text!r}", 2) from None


def request_list(args: argparse.Namespace, out: Output) -> int:
    flt = ops.RequestFilter(
        status=args.status,
        service=args.service,
        overdue=args.overdue,
        since=_date_arg(args.since, "since"),
        until=_date_arg(args.until, "until"),
        text=args.text,
        counter=args.counter,
    )
    if args.limit < 1 or args.offset < 0:
        raise CommandFailed("--limit must be at least 1 and --offset not negative", 2)
    with open_store(args) as store:
        rows = ops.list_requests(store, flt, limit=args.limit, offset=args.offset)
    text = (
        "\n".join(
            f"{r.number}  {r.status:<12} {r.service:<22} due {r.due_date}"
            + (" OVERDUE" if r.overdue else "")
            for r in rows
        )
        or "no requests"
    )
    out.data([r.as_json() for r in rows], text)
    return 0


_DECISIONS = {
    "accept": Action.ACCEPT,
    "reject": Action.REJECT,
    "return": Action.RETURN,
    "review": Action.START_REVIEW,
    "close": Action.CLOSE,
}


def request_decide(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store:
        summary = ops.transition(
            store, os_actor(store), args.number, _DECISIONS[args.decision], reason=args.reason
        )
    out.data(summary.as_json(), _summary_text(summary))
    return 0


def request_assign(args: argparse.Namespace, out: Output) -> int:
    """Assign (``--to``, ``--to me`` claims) or release each request; one refused request is
    reported and the others still go through. storage.assignment holds every rule."""
    from tawasul_desktop.storage.assignment import assign
    from tawasul_desktop.storage.queue import require_supervisor

    done: list[str] = []
    refused: list[tuple[str, TawasulError]] = []
    with open_store(args) as store:
        # The same refusal the workspace gives a clerk: once, before any request is touched.
        actor = require_supervisor(os_actor(store))
        wanted = None if args.release else actor.username if args.to == "me" else args.to
        assignee = wanted
        for text in args.numbers:
            number = text
            try:
                number = ops.display_number(ops.number_or_problem(text))
                assignee = assign(store, actor, text, wanted)
            except TawasulError as err:
                refused.append((number, err))
            else:
                done.append(number)
    out.data(
        {
            "assignee": assignee,
            "done": done,
            "refused": [
                {"number": n, "errors": [p.as_dict() for p in e.problems]} for n, e in refused
            ],
        },
        "\n".join(f"{n}  assigned to {assignee}" if assignee else f"{n}  released" for n in done)
        or "no request changed",
    )
    for number, refusal in refused:
        out.refusal(number, refusal.problems)
    if not refused:
        return 0
    # As for a single request (see main): 2 when each refusal was input to correct, else 1.
    return 2 if all(e.invalid_input for _, e in refused) else 1


def request_simple_action(args: argparse.Namespace, out: Output) -> int:
    action = Action.WITHDRAW if args.action_name == "withdraw" else Action.ANSWER
    with open_store(args) as store:
        summary = ops.transition(store, os_actor(store), args.number, action, reason=args.note)
    out.data(summary.as_json(), _summary_text(summary))
    return 0


def request_follow_up(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store:
        summary = ops.record_follow_up(store, os_actor(store), args.number, args.note)
    out.data(summary.as_json(), f"follow-up recorded for {summary.number}")
    return 0


# --- closures, demo data, audit, backup ---------------------------------------------------


def closure_add(args: argparse.Namespace, out: Output) -> int:
    day = _date_arg(args.day, "day")
    assert day is not None
    with open_store(args) as store:
        moved = ops.add_closure(store, os_actor(store), day, args.reason)
    out.data({"day": day, "moved": moved}, f"closure {day} added; {moved} due date(s) moved")
    return 0


def closure_list(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store, store.read() as session:
        rows = [
            {"day": c.day, "reason": c.reason, "added_by": c.added_by}
            for c in session.execute(select(Closure).order_by(Closure.day)).scalars()
        ]
    out.data(rows, "\n".join(f"{r['day']}  {r['reason']}" for r in rows) or "no closures")
    return 0


def demo_data(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.storage.demo import DEMO_PASSWORD, ensure_demo_users, generate_demo_data

    if args.count < 1:
        raise CommandFailed("--count must be at least 1", 2)
    with open_store(args) as store:
        actor = os_actor(store)
        users = ensure_demo_users(store, actor) if args.with_users else []
        made = generate_demo_data(store, actor, args.count, seed=args.seed)
    note = f"; demo users {', '.join(users)} (password {DEMO_PASSWORD})" if users else ""
    out.data({"created": made, "users": users}, f"created {made} demo requests{note}")
    return 0


def audit_verify(args: argparse.Namespace, out: Output) -> int:
    """The chain, the keyed hashes and the anchored head; and central's copy when reachable."""
    from tawasul_desktop.storage.audit import check_log
    from tawasul_desktop.sync.audit_check import central_comparison

    with open_store(args) as store:
        with store.read() as session:
            check = check_log(session)
        central_comparison(store, check)
    breaks = check.breaks
    notes = [check.central_note]
    if check.unkeyed:
        notes.append(f"{check.unkeyed} entries predate keyed hashes: checked by the chain only")
    data = {"entries": check.entries, "ok": not breaks, "unkeyed": check.unkeyed,
            "central_compared": check.central_compared,
            "breaks": [{"seq": b.seq, "reason": b.reason} for b in breaks]}
    if breaks:
        out.data(data, "\n".join([f"audit log BROKEN ({check.entries} entries checked):"]
                                 + [f"  entry {b.seq}: {b.reason}" for b in breaks] + notes))
        return 1
    out.data(data, "\n".join([f"audit log intact: {check.entries} entries", *notes]))
    return 0


def backup(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.storage.backup import backup_database

    target = Path(args.file)
    with open_store(args) as store:
        try:
            backup_database(store.db_path, target)
        except ValueError as exc:
            raise CommandFailed(str(exc), 2) from None
    out.data({"backup": str(target)}, f"backup written to {target}")
    return 0


def restore(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.storage.backup import restore_database

    settings = settings_from(args)
    kept = restore_database(Path(args.file), settings.db_path)
    out.data(
        {"restored": str(args.file), "previous_kept_as": str(kept) if kept else None},
        f"restored {args.file}" + (f"; the previous database is kept as {kept}" if kept else ""),
    )
    return 0


def receipt(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.receipts import ReceiptFontError
    from tawasul_desktop.receipts.for_request import write_receipt

    with open_store(args) as store:
        req = ops.get_request(store, args.number)
        fmt = args.format or store.settings.receipt_format
        actor = os_actor(store)
        try:
            write_receipt(store, req, Path(args.output), fmt, copy=args.copy)
        except ReceiptFontError as exc:
            raise CommandFailed(str(exc)) from None
        except OSError as exc:
            raise CommandFailed(f"cannot write {args.output}: {exc.strerror}") from None
        with store.write() as session:
            AuditLog(session).record(
                actor.username,
                "receipt.print",
                "request",
                str(req.id),
                None,
                {"format": fmt, "copy": args.copy},
            )
    out.data({"receipt": args.output, "format": fmt}, f"receipt written to {args.output}")
    return 0
