"""Implementations of the `tawasul` subcommands; each calls the core and prints through Output."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import io
import sys
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from tawasul_desktop.cli.identity import (
    Access,
    acting_user,
    bootstrap_actor,
    os_account,
    store_is_empty,
)
from tawasul_desktop.cli.output import Output
from tawasul_desktop.cli.progress import Progress
from tawasul_desktop.config import Settings, load_settings
from tawasul_desktop.domain.bidi import ltr
from tawasul_desktop.domain.intake_json import draft_from_json, parse_json_text
from tawasul_desktop.domain.intake_types import ValidRequest
from tawasul_desktop.domain.lifecycle import Action, Role
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.engine import upgrade
from tawasul_desktop.storage.models import Closure, User
from tawasul_desktop.storage.os_accounts import map_account, mappings, unmap_account
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, find_user


class CommandFailed(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(
        Path(args.config) if args.config else None,
        db=args.db,
        data_dir=args.data_dir,
        named_must_exist=True,
    )


def open_store(args: argparse.Namespace, *, sweep: bool = True) -> Store:
    """The desk's store. Read-only commands pass ``sweep=False``: the clean-up of orphan files
    needs the write lock, and reading must work while another program writes."""
    return Store.open(settings_from(args), sweep=sweep)


def require_admin(actor: Actor) -> Actor:
    if actor.role != Role.ADMIN:
        raise TawasulError.of("request.not_permitted", "role", invalid_input=False)
    return actor


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
    from tawasul_desktop.storage.users import add_user

    with open_store(args) as store:
        # Bootstrap: on a database without any user, the account that can write the file
        # creates the first administrator and is mapped to it.
        first = store_is_empty(store)
        if first:
            if args.role != Role.ADMIN:
                raise TawasulError.of("cli.first_user_admin", "role")
            actor = bootstrap_actor()
        else:
            actor = require_admin(acting_user(store, args, Access.CONFIRMED))
        password = _read_password()
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
            result: dict[str, Any] = {"username": user.username, "role": user.role}
            text = f"user {user.username} added as {user.role}"
            if first:
                mapped = map_account(session, actor, os_account(), user.username)
                result["os_account"] = mapped.account
                text += f"; the account {mapped.account} acts as {user.username}"
            out.data(result, text)
    return 0


def user_map_os(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store:
        actor = require_admin(acting_user(store, args, Access.CONFIRMED))
        with store.write() as session:
            mapped = map_account(session, actor, args.account, args.username)
    out.data(
        {"os_account": mapped.account, "username": mapped.username},
        f"the account {mapped.account} acts as {mapped.username}",
    )
    return 0


def user_unmap_os(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store:
        actor = require_admin(acting_user(store, args, Access.CONFIRMED))
        with store.write() as session:
            removed = unmap_account(session, actor, args.account)
    out.data(
        {"os_account": args.account, "removed": removed},
        f"the account {args.account} "
        + ("no longer acts as a user" if removed else "was not mapped"),
    )
    return 0


def user_list(args: argparse.Namespace, out: Output) -> int:
    with open_store(args, sweep=False) as store, store.read() as session:
        users = session.execute(select(User).order_by(User.username)).scalars().all()
        accounts: dict[str, list[str]] = {}
        for m in mappings(session):
            accounts.setdefault(m.username, []).append(m.account)
        rows = [
            {
                "username": u.username,
                "role": u.role,
                "display_name": u.display_name,
                "active": u.active,
                "os_accounts": accounts.get(u.username, []),
            }
            for u in users
        ]

    def line(r: dict[str, Any]) -> str:
        mapped = f"  (OS: {', '.join(r['os_accounts'])})" if r["os_accounts"] else ""
        return f"{r['username']:<20} {r['role']:<11} {r['display_name']}{mapped}"

    out.data(rows, "\n".join(line(r) for r in rows) or "no users")
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
        actor = acting_user(store, args, Access.WORK)
        valid = validate_json(store, obj, base)
        summary = ops.submit_request(
            store,
            actor,
            valid,
            confirm_duplicate=args.confirm_duplicate,
        )
    out.data(summary.as_json(), _summary_text(summary))
    return 0


def request_import(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.storage.importer import import_lines

    if args.file == "-":  # a file piped in; attachments are relative to the current folder
        handle: TextIO = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig",
                                          errors="replace")
        base = Path.cwd()
    else:
        path = Path(args.file)
        try:
            # utf-8-sig: files saved by Windows Notepad start with a byte-order mark.
            handle = path.open(encoding="utf-8-sig", errors="replace")
        except OSError as exc:
            raise CommandFailed(f"cannot read {path}: {exc.strerror}", 2) from None
        base = path.resolve().parent
    progress = Progress("importing, line", json_mode=args.json)
    with handle, open_store(args) as store, progress:
        report = import_lines(
            store,
            acting_user(store, args, Access.WORK),
            handle,
            base,
            confirm_duplicates=args.confirm_duplicates,
            progress=lambda line, r: progress.update(line, f", {r.imported} saved"),
            allow_outside=getattr(args, "allow_outside", False),
        )
    if report.interrupted:
        out.error(f"interrupted: {report.imported} request(s) saved, {report.skipped} already "
                  "present; run the same command again for the rest (lines already imported "
                  "are skipped)")
        out.data({"interrupted": True, "imported": report.imported,
                  "skipped": report.skipped})
        return 130
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
    with open_store(args, sweep=False) as store:
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
    with open_store(args, sweep=False) as store:
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
        actor = acting_user(store, args, Access.CONFIRMED)
        summary = ops.transition(
            store, actor, args.number, _DECISIONS[args.decision], reason=args.reason
        )
    out.data(summary.as_json(), _summary_text(summary))
    return 0


def _shown_number(text: str) -> str:
    """A request number as displayed, or as typed when it is not one."""
    try:
        return ops.display_number(ops.number_or_problem(text))
    except TawasulError:
        return text


def request_assign(args: argparse.Namespace, out: Output) -> int:
    """Assign (``--to``, ``--to me`` claims) or release each request; one refused request is
    reported and the others still go through. storage.assignment holds every rule."""
    from tawasul_desktop.storage.assignment import UNSET
    from tawasul_desktop.storage.queue import require_supervisor
    from tawasul_desktop.storage.supervision import assign_many

    with open_store(args) as store:
        # The same refusal the workspace gives a clerk: once, before any request is touched.
        actor = require_supervisor(acting_user(store, args, Access.CONFIRMED))
        wanted = None if args.release else actor.username if args.to == "me" else args.to
        # No assignee seen: the command changes whatever assignment a request has.
        outcome = assign_many(store, actor, [(text, UNSET) for text in args.numbers], wanted)
    done = [_shown_number(n) for n in outcome.done]
    refused = [(_shown_number(n), exc) for n, exc in outcome.errors]
    assignee = outcome.assignee if outcome.done else wanted
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
        actor = acting_user(store, args, Access.WORK)
        summary = ops.transition(store, actor, args.number, action, reason=args.note)
    out.data(summary.as_json(), _summary_text(summary))
    return 0


def request_follow_up(args: argparse.Namespace, out: Output) -> int:
    with open_store(args) as store:
        actor = acting_user(store, args, Access.WORK)
        summary = ops.record_follow_up(store, actor, args.number, args.note)
    out.data(summary.as_json(), f"follow-up recorded for {summary.number}")
    return 0


# --- closures, demo data, audit, backup ---------------------------------------------------


def closure_add(args: argparse.Namespace, out: Output) -> int:
    day = _date_arg(args.day, "day")
    assert day is not None
    from tawasul_desktop.storage.queue import require_supervisor

    with open_store(args) as store:
        actor = require_supervisor(acting_user(store, args, Access.CONFIRMED))
        moved = ops.add_closure(store, actor, day, args.reason)
    out.data({"day": day, "moved": moved}, f"closure {day} added; {moved} due date(s) moved")
    return 0


def closure_list(args: argparse.Namespace, out: Output) -> int:
    with open_store(args, sweep=False) as store, store.read() as session:
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
        # A fresh demo database has no user yet; a real one needs an administrator.
        if store_is_empty(store):
            actor = bootstrap_actor()
        else:
            actor = require_admin(acting_user(store, args, Access.CONFIRMED))
        users = ensure_demo_users(store, actor) if args.with_users else []
        progress = Progress("demo requests", args.count, json_mode=args.json)
        try:
            with progress:
                made = generate_demo_data(store, actor, args.count, seed=args.seed,
                                          progress=progress.update)
        except KeyboardInterrupt:
            # Each batch is one transaction: what was reported saved is in the database.
            out.error(f"interrupted: {progress.count} demo request(s) saved")
            return 130
    note = f"; demo users {', '.join(users)} (password {DEMO_PASSWORD})" if users else ""
    out.data({"created": made, "users": users}, f"created {made} demo requests{note}")
    return 0


def audit_verify(args: argparse.Namespace, out: Output) -> int:
    """The chain, the keyed hashes and the anchored head; and central's copy when reachable."""
    from tawasul_desktop.storage.audit import check_log
    from tawasul_desktop.sync.audit_check import central_comparison

    with open_store(args, sweep=False) as store:
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
    from tawasul_desktop.storage.backup import backup_database, database_damage

    target = Path(args.file)
    with open_store(args, sweep=False) as store:
        damage = database_damage(store.db_path)
        if damage is not None:
            raise TawasulError(
                Problem.of("fault.corrupt", "file", file=ltr(store.db_path)), invalid_input=False
            )
        try:
            backup_database(store.db_path, target)
        except ValueError as exc:
            raise CommandFailed(str(exc), 2) from None
    out.data({"backup": str(target)}, f"backup written to {target}")
    return 0


def _restore_allowed(args: argparse.Namespace, settings: Settings) -> None:
    """Putting an older database back undoes decisions: an administrator's act, with the
    password. A live database that cannot be read at all is what a restore repairs, and an
    empty one has nobody to ask: then the file's own permissions decide."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    if not settings.db_path.exists():
        return
    try:
        store = Store.open(settings, sweep=False)
    except (DBAPIError, sqlite3.DatabaseError):
        return
    with store:
        if not store_is_empty(store):
            require_admin(acting_user(store, args, Access.CONFIRMED))


def _raise_numbers_from_central(settings: Settings, out: Output) -> None:
    """Numbering continues above what central holds for this counter too (a data folder lost
    with the database); unreachable, the local mark alone stands, and the operator is told."""
    import psycopg

    from tawasul_desktop.central.connection import CentralConfigError, target_from_settings
    from tawasul_desktop.central.numbers import central_high_water
    from tawasul_desktop.storage.high_water import HighWater

    try:
        with target_from_settings(settings).connect() as conn:
            marks = central_high_water(conn, settings.centre_code, settings.counter)
    except (psycopg.Error, CentralConfigError, OSError) as exc:
        out.warning(Problem.of("restore.central_unreachable", "central",
                               reason=type(exc).__name__))
        return
    high_water = HighWater(settings.data_dir)
    for year, last in marks.items():
        high_water.raise_to(settings.centre_code, settings.counter, year, last)


def restore(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.storage.backup import restore_database, unsent_dropped

    settings = settings_from(args)
    _restore_allowed(args, settings)
    dropped = unsent_dropped(settings.db_path, Path(args.file))
    kept = restore_database(Path(args.file), settings.db_path)
    out.data(
        {
            "restored": str(args.file),
            "previous_kept_as": str(kept) if kept else None,
            "unsent_dropped": dropped,
        },
        f"restored {args.file}" + (f"; the previous database is kept as {kept}" if kept else ""),
    )
    if settings.central_dsn:
        _raise_numbers_from_central(settings, out)
    if dropped:
        # Numbers are safe (storage/high_water.py); this work is not: say where it still is.
        out.warning(Problem.of("restore.unsent_dropped", "file", count=ltr(dropped),
                               kept=ltr(kept)))
    return 0


def _clerk_name(store: Store, created_by: str, actor: Actor) -> str:
    """The clerk a receipt names, as the desktop does: the registered user printing it (an
    OS account mapped to one), else the user who submitted the request. A request submitted
    by an unmapped account before mappings existed ("os:NAME") names that account's user."""
    from tawasul_desktop.storage.os_accounts import mapped_user

    if not actor.username.startswith("os:"):
        return actor.display_name or actor.username
    with store.read() as session:
        user = (
            mapped_user(session, created_by.removeprefix("os:"))
            if created_by.startswith("os:")
            else find_user(session, created_by)
        )
        if user is not None:
            return user.display_name or user.username
    return created_by.removeprefix("os:")


def receipt(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.receipts import ReceiptFontError
    from tawasul_desktop.receipts.for_request import record_receipt, write_receipt

    with open_store(args) as store:
        req = ops.get_request(store, args.number)
        fmt = args.format or store.settings.receipt_format
        actor = acting_user(store, args, Access.READ)
        clerk = _clerk_name(store, req.created_by, actor)
        to_stdout = args.output == "-"
        try:
            if to_stdout:  # the PDF on standard output (a pipe to lp, ssh, a mail tool)
                buffer = io.BytesIO()
                write_receipt(store, req, buffer, fmt, clerk=clerk, copy=args.copy)
                sys.stdout.buffer.write(buffer.getvalue())
                sys.stdout.buffer.flush()
            else:
                write_receipt(store, req, Path(args.output), fmt, clerk=clerk, copy=args.copy)
        except ReceiptFontError as exc:
            raise CommandFailed(str(exc)) from None
        except OSError as exc:
            raise CommandFailed(f"cannot write {args.output}: {exc.strerror}") from None
        record_receipt(store, actor.username, str(req.id), copy=args.copy, format=fmt)
    if not to_stdout:  # standard output holds the PDF alone
        out.data({"receipt": args.output, "format": fmt}, f"receipt written to {args.output}")
    return 0
