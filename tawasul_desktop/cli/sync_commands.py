"""`tawasul sync …` (a desk's sync with central) and `tawasul central …` (the central schema
and its roles). Both call tawasul_desktop.sync; nothing here holds a rule of its own.

The central commands connect with ``--dsn`` (or $TAWASUL_CENTRAL_ADMIN_DSN, or the desk's
configured central DSN): a role that owns the schema and may create roles.
"""

from __future__ import annotations

import argparse
import signal
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg

from tawasul_desktop.central.connection import CentralConfigError, target_from_settings
from tawasul_desktop.cli import central_growth
from tawasul_desktop.cli.central_access import admin_connect, admin_target
from tawasul_desktop.cli.commands import CommandFailed, open_store, settings_from
from tawasul_desktop.cli.output import Output
from tawasul_desktop.cli.progress import Progress
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import TawasulError


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    sync = sub.add_parser("sync", parents=[common],
                          help="send this desk's work to central and receive decisions")
    sync.add_argument("--once", action="store_true", help="one pass, then exit (1 if it failed)")
    sync.add_argument("--interval", type=float, help="seconds between passes (default: config)")
    sync.add_argument("--batch", type=int, default=1000, help="operations per transaction")
    sync.set_defaults(func=sync_run)
    sync_sub = sync.add_subparsers(dest="sync_command", required=False,
                                   metavar="[status|retry|reset|renumber]")
    status = sync_sub.add_parser("status", parents=[common],
                                 help="pending and refused operations, last sync, and "
                                      "whether this desk is behind central")
    status.add_argument("--offline", action="store_true",
                        help="do not ask central whether this desk is behind")
    status.set_defaults(func=sync_status)
    retry = sync_sub.add_parser("retry", parents=[common],
                                help="send refused operations again (default: all rejected)")
    retry.add_argument("op_ids", nargs="*", help="operation ids (from `tawasul sync status`)")
    retry.set_defaults(func=sync_retry)
    sync_sub.add_parser("reset", parents=[common],
                        help="receive everything from central again (pending work is kept)"
                        ).set_defaults(func=sync_reset)
    renumber = sync_sub.add_parser(
        "renumber", parents=[common],
        help="administrators: fresh numbers for requests refused because their number was "
             "taken centrally (asks the administrator's password)")
    renumber.add_argument("--password-fd", type=int, metavar="N",
                          help="read your password as one line from file descriptor N "
                               "(default: ask on the terminal)")
    renumber.set_defaults(func=sync_renumber)

    central = sub.add_parser("central", parents=[common], help="the central database (admin)")
    central_sub = central.add_subparsers(dest="central_command", required=True)
    dsn_help = "admin connection (default: $TAWASUL_CENTRAL_ADMIN_DSN, then [central] dsn)"
    init = central_sub.add_parser("init", parents=[common], help="create the central schema")
    init.add_argument("--dsn", help=dsn_help)
    init.add_argument("--role-prefix", default="tawasul",
                      help="prefix of the group and login roles (default tawasul)")
    init.set_defaults(func=central_init)
    up = central_sub.add_parser("upgrade", parents=[common], help="migrate the central schema")
    up.add_argument("--dsn", help=dsn_help)
    up.set_defaults(func=central_upgrade)

    counter = central_sub.add_parser("add-counter", parents=[common],
                                     help="create (or reset) a counter's login role")
    counter.add_argument("centre", help="the centre's three-digit code")
    counter.add_argument("counter", type=int, help="the counter's number, 1 to 99")
    counter.add_argument("--may-decide", action="store_true",
                         help="a single-desk centre whose supervisor decides at the desk")
    counter.add_argument("--password-file", help="write the password here (mode 600)")
    counter.add_argument("--dsn", help=dsn_help)
    counter.set_defaults(func=central_add_counter)
    sup = central_sub.add_parser("add-supervisor", parents=[common],
                                 help="create (or reset) a supervisor's login role")
    sup.add_argument("centre", help="the centre's three-digit code")
    sup.add_argument("name", help="lower-case letters, digits and _")
    sup.add_argument("--password-file", help="write the password here (mode 600)")
    sup.add_argument("--dsn", help=dsn_help)
    sup.set_defaults(func=central_add_supervisor)

    desks = central_sub.add_parser(
        "desk-login", parents=[common],
        help="let desks log in as one shared role (through PgBouncer in session mode), "
             "each still acting only as its own counter; sets a new password")
    desks.add_argument("--password-file", help="write the password here (mode 600)")
    desks.add_argument("--dsn", help=dsn_help)
    desks.set_defaults(func=central_desk_login)

    release = central_sub.add_parser(
        "release-desk", parents=[common],
        help="free a counter's login from the desk bound to it (that desk was replaced)")
    release.add_argument("centre", help="the centre's code, e.g. 101")
    release.add_argument("counter", type=int, help="the counter's number in its centre")
    release.add_argument("--dsn", help=dsn_help)
    release.set_defaults(func=central_release_desk)

    decide = central_sub.add_parser("decide", parents=[common],
                                    help="a supervisor's decision made centrally")
    choice = decide.add_mutually_exclusive_group(required=True)
    for flag in ("accept", "reject", "return", "review", "close"):
        choice.add_argument(f"--{flag}", dest="decision", action="store_const", const=flag,
                            help=f"{flag} the request")
    decide.add_argument("number", help="the request number")
    decide.add_argument("--reason", default="",
                        help="why (required to reject or return; shown to the applicant)")
    decide.add_argument("--actor", default="", help="the supervisor's name for the record")
    decide.add_argument("--dsn", help="connection (default: $TAWASUL_CENTRAL_ADMIN_DSN, …)")
    decide.set_defaults(func=central_decide)
    central_growth.add_parsers(central_sub, common, dsn_help)


# --- desk side ---------------------------------------------------------------------------------


def _engine(args: argparse.Namespace) -> Any:
    from tawasul_desktop.sync.engine import SyncEngine

    batch = getattr(args, "batch", 1000)
    if batch < 1:
        raise CommandFailed("--batch must be at least 1", 2)
    store = open_store(args)
    try:
        target = target_from_settings(store.settings)
    except CentralConfigError as exc:
        store.close()
        raise CommandFailed(str(exc)) from None
    return SyncEngine(store, target, batch_size=batch)


def _report_json(report: Any) -> dict[str, Any]:
    return {"ok": report.ok, "sent": report.pushed, "already_central": report.already_there,
            "received": report.pulled, "requests_changed": report.requests_changed,
            "files_uploaded": report.files_uploaded, "bytes_uploaded": report.bytes_uploaded,
            "audit_sent": report.audit_sent, "pending": report.pending_after,
            "clock_skew_seconds": report.clock_skew_seconds, "clock_warning": report.clock_warning,
            "refused": [{"op_id": r.op_id, "state": r.state, "code": r.code,
                         "message_en": r.message_en, "message_ar": r.message_ar}
                        for r in report.refused],
            "error": report.error}


def _progress(out: Output) -> Any:
    """Each phase's progress on one line of a terminal; nothing for a pipe, a log or a
    service's journal, nor with --json (cli/progress.py)."""
    line = Progress("sync", json_mode=out.json_mode)
    if not line.enabled:
        return None

    def show(p: Any) -> None:
        line.what, line.total = p.phase, p.total
        line.update(p.done, f" {p.detail}".rstrip())

    return show


def sync_run(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.sync.engine import SyncLoop

    engine = _engine(args)
    try:
        if args.once:
            report = engine.run_once(_progress(out))
            lines = [report.summary()]
            lines += [f"refused [{r.code}] {r.message_en}" for r in report.refused]
            out.data(_report_json(report), "\n".join(lines))
            if report.error is not None:
                # The report (on stdout, JSON for scripts) says it too; a failing command says
                # why on stderr, where an operator or a service's journal looks.
                out.error(f"sync stopped: {' '.join(report.error.splitlines())}")
                return 1
            return 0
        interval = args.interval or engine.store.settings.sync_interval_seconds
        stopped = threading.Event()

        def on_report(report: Any) -> None:
            out.data(_report_json(report), report.summary())

        loop = SyncLoop(engine, interval, on_report=on_report)
        previous = signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        loop.start()
        try:
            while not stopped.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            loop.stop()
        return 0
    finally:
        engine.close()
        engine.store.close()


def sync_status(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.admin import CentralSchemaError
    from tawasul_desktop.domain.clock import describe_skew, skew_too_large

    engine = _engine(args)
    feed, feed_error = None, None
    try:
        status = engine.status()
        refused = engine.refused()
        if not getattr(args, "offline", False):
            try:  # what central says this desk should have received, against what it has
                feed = engine.check_feed()
            except (psycopg.Error, CentralSchemaError, CentralConfigError) as exc:
                feed_error = str(exc).strip().splitlines()[0] if str(exc).strip() else "?"
    finally:
        engine.close()
        engine.store.close()
    data = {"pending": status.pending, "refused": status.refused,
            "last_success_at": status.last_success_at, "last_attempt_at": status.last_attempt_at,
            "last_error": status.last_error, "clock_skew_seconds": status.clock_skew_seconds,
            "refused_operations": [
                {"op_id": r.op_id, "kind": r.kind, "state": r.state, "number": r.request_number,
                 "code": r.code, "message_en": r.message_en, "message_ar": r.message_ar}
                for r in refused],
            "behind_central": None if feed is None else feed.behind,
            "feed": None if feed is None else {"expected": feed.expected,
                                               "received": feed.received,
                                               "waiting": feed.waiting, "missed": feed.missed},
            "feed_error": feed_error}
    last = (status.last_success_at.isoformat(timespec="seconds") if status.last_success_at
            else "never")
    lines = [f"pending {status.pending}, refused {status.refused}, last success {last}"]
    if feed is not None:
        lines.append(feed.summary())
    elif feed_error is not None:
        lines.append(f"could not ask central whether this desk is behind: {feed_error}")
    if skew_too_large(status.clock_skew_seconds):
        assert status.clock_skew_seconds is not None
        lines.append(f"{describe_skew(status.clock_skew_seconds)[1]}: new requests are refused")
    if status.last_error:
        lines.append(f"last error: {status.last_error}")
    for r in refused:
        lines.append(f"{r.state:<9} {r.op_id} {r.kind:<18} {r.request_number or '-'} "
                     f"[{r.code}] {r.message_en}")
    out.data(data, "\n".join(lines))
    return 0


def sync_retry(args: argparse.Namespace, out: Output) -> int:
    try:
        ids = [uuid.UUID(x) for x in args.op_ids] or None
    except ValueError:
        raise CommandFailed("an operation id looks like 1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                            2) from None
    engine = _engine(args)
    try:
        count = engine.requeue(ids)
        kept = engine.status().refused
    finally:
        engine.store.close()
    text = f"{count} operation(s) will be sent at the next sync"
    if kept:
        text += (f"; {kept} refused operation(s) kept (`tawasul sync status`): sending them "
                 "again would not change central's answer, or name them to send them anyway")
    out.data({"requeued": count, "still_refused": kept}, text)
    return 0


def sync_reset(args: argparse.Namespace, out: Output) -> int:
    engine = _engine(args)
    try:
        engine.reset()
        pending = engine.status().pending
    finally:
        engine.store.close()
    out.data({"reset": True, "pending": pending},
             f"the next sync receives everything again; {pending} pending operation(s) kept")
    return 0


def sync_renumber(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.cli.identity import Access, acting_user
    from tawasul_desktop.domain.lifecycle import Role
    from tawasul_desktop.sync.renumber import renumber_taken

    engine = _engine(args)
    try:
        # The OS account's mapped user, confirmed by password: numbers are printed on receipts.
        actor = acting_user(engine.store, args, Access.CONFIRMED)
        if actor.role != Role.ADMIN.value:
            raise CommandFailed("only an administrator renumbers requests", 1)
        try:
            conn = engine.connect()
        except Exception as exc:  # unreachable, incompatible, another desk's, a supervisor's
            raise CommandFailed(f"cannot sync with the central database: {exc}") from None
        done = renumber_taken(engine.store, conn, actor)
    finally:
        engine.close()
        engine.store.close()
    lines = [f"{r.old} -> {r.new}" for r in done]
    lines.append(f"{len(done)} request(s) renumbered; the old numbers are in the audit log and "
                 "on a reprinted receipt; they go up at the next sync")
    out.data({"renumbered": [{"request_id": r.request_id, "old": r.old, "new": r.new}
                             for r in done]}, "\n".join(lines))
    return 0


# --- central side ------------------------------------------------------------------------------


def central_init(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.admin import CentralSchemaError, init_central

    try:
        revision = init_central(admin_target(args), args.role_prefix)
    except CentralSchemaError as exc:
        raise CommandFailed(str(exc)) from None
    except psycopg.Error as exc:
        raise CommandFailed(f"central database: {exc}") from None
    out.data({"revision": revision, "role_prefix": args.role_prefix},
             f"central schema created (revision {revision}); groups {args.role_prefix}_counter "
             f"and {args.role_prefix}_supervisor")
    return 0


def central_upgrade(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.admin import CentralSchemaError, upgrade_central

    try:
        old, new = upgrade_central(admin_target(args))
    except CentralSchemaError as exc:
        raise CommandFailed(str(exc)) from None
    except psycopg.Error as exc:
        raise CommandFailed(f"central database: {exc}") from None
    text = "central schema up to date" if old == new else f"central schema {old} → {new}"
    out.data({"from": old, "to": new}, f"{text} (revision {new})")
    return 0


def _role_result(out: Output, role: str, password: str, password_file: str | None) -> None:
    if password_file:
        out.data({"role": role, "password_file": password_file},
                 f"role {role} ready; its password is in {password_file}")
    else:
        out.data({"role": role, "password": password},
                 f"role {role} ready\npassword (shown once, not stored): {password}")


def central_add_counter(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.admin import add_counter

    with admin_connect(args) as conn:
        try:
            role, password = add_counter(
                conn, args.centre, args.counter, may_decide=args.may_decide,
                password_file=Path(args.password_file) if args.password_file else None)
        except ValueError as exc:
            raise CommandFailed(str(exc), 2) from None
    _role_result(out, role, password, args.password_file)
    return 0


def central_desk_login(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.admin import enable_desk_login

    with admin_connect(args) as conn:
        role, password = enable_desk_login(
            conn, password_file=Path(args.password_file) if args.password_file else None)
    _role_result(out, role, password, args.password_file)
    return 0


def central_release_desk(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.admin import release_desk

    with admin_connect(args) as conn:
        try:
            label = release_desk(conn, args.centre, args.counter)
        except ValueError as exc:
            raise CommandFailed(str(exc), 2) from None
    out.data({"released": label}, f"released {label or 'no desk'}; the next desk that syncs "
             f"as counter {args.counter} of centre {args.centre} is bound instead")
    return 0


def central_add_supervisor(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.admin import add_supervisor

    with admin_connect(args) as conn:
        try:
            role, password = add_supervisor(
                conn, args.centre, args.name,
                password_file=Path(args.password_file) if args.password_file else None)
        except ValueError as exc:
            raise CommandFailed(str(exc), 2) from None
    _role_result(out, role, password, args.password_file)
    return 0


_DECISIONS = {"accept": Action.ACCEPT, "reject": Action.REJECT, "return": Action.RETURN,
              "review": Action.START_REVIEW, "close": Action.CLOSE}


def central_decide(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.operations import decide
    from tawasul_desktop.domain.messages import Problem
    from tawasul_desktop.storage.requests import number_or_problem

    digits = number_or_problem(args.number)
    settings = settings_from(args)
    with admin_connect(args) as conn:
        row = conn.execute("SELECT current_user").fetchone()
        actor = args.actor or (str(row[0]) if row else "central")
        outcome = decide(conn, digits, _DECISIONS[args.decision], actor=actor,
                         reason=args.reason or None, policy=settings.policy)
    if isinstance(outcome, Problem):
        raise TawasulError(outcome, invalid_input=False)
    out.data({"number": digits, "status": outcome.status, "due_date": outcome.due_date},
             f"{digits}: {outcome.status}")
    return 0
