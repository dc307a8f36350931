"""The `tawasul` command: operations over the same core the desktop uses.

Exit codes: 0 success, 2 invalid input (every problem is printed), 1 any other failure.
The command acts as the registered user an administrator mapped the operating-system account
to (cli/identity.py); an unmapped account only reads and prints. It never prompts unless stdin
is a terminal and a password is needed.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tawasul_desktop import __version__
from tawasul_desktop.cli import commands, completion, export_commands, faults, sync_commands
from tawasul_desktop.cli.output import Output
from tawasul_desktop.config import RECEIPT_FORMATS, ConfigError
from tawasul_desktop.domain.catalogue import SERVICE_CODES
from tawasul_desktop.domain.lifecycle import Role, Status
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.private_files import restrict_umask
from tawasul_desktop.storage.engine import StoreVersionError

log = logging.getLogger(__name__)


def _global_options(suppress: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name. The copies the subcommands
    carry default to SUPPRESS: a default there would replace what was given before the command."""
    keep: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", help="SQLite database file (default: $TAWASUL_DB or the data folder)", **keep
    )
    common.add_argument(
        "--data-dir", help="data folder (default: $TAWASUL_DATA_DIR or the platform's)", **keep
    )
    common.add_argument(
        "--config",
        help="configuration file (default: $TAWASUL_CONFIG or the platform's)",
        **keep,
    )
    common.add_argument("--json", action="store_true", help="machine-readable output", **keep)
    common.add_argument(
        "--log", action="store_true",
        help="also write this command's log to the rotating log file the desktop writes "
             "($TAWASUL_LOG_DIR or the platform's log folder)", **keep)
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _global_options(suppress=True)
    # Commands that change decisions, assignments, closures or users confirm the password of
    # the user the OS account is mapped to (see cli/identity.py).
    confirmed = argparse.ArgumentParser(add_help=False, parents=[common])
    confirmed.add_argument(
        "--password-fd",
        type=int,
        metavar="N",
        help="read your password as one line from file descriptor N (default: ask on the terminal)",
    )
    parser = argparse.ArgumentParser(
        prog="tawasul",
        parents=[_global_options(suppress=False)],
        description="Tawasul Desk operations (requests, users, audit).",
    )
    parser.add_argument("--version", action="version", version=f"tawasul {__version__}",
                        help="print the program's version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", parents=[common], help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", parents=[common], help="apply migrations").set_defaults(
        func=commands.db_upgrade
    )

    user = sub.add_parser("user", parents=[common], help="user accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser(
        "add", parents=[confirmed], help="add a user (password from stdin or a prompt)"
    )
    add.add_argument("name", help="the user name to sign in with")
    add.add_argument("--role", required=True, choices=[r.value for r in Role],
                     help="what the user may do")
    add.add_argument("--display-name", default="", help="the name shown on screen and receipts")
    add.set_defaults(func=commands.user_add)
    user_sub.add_parser(
        "list", parents=[common], help="list users and the OS accounts mapped to them"
    ).set_defaults(func=commands.user_list)
    map_os = user_sub.add_parser(
        "map-os", parents=[confirmed], help="let an OS account act as a registered user"
    )
    map_os.add_argument("account", help="the operating-system account (DOMAIN\\name on Windows)")
    map_os.add_argument("username", help="the registered user the account acts as")
    map_os.set_defaults(func=commands.user_map_os)
    unmap_os = user_sub.add_parser(
        "unmap-os", parents=[confirmed], help="take an OS account's mapping away"
    )
    unmap_os.add_argument("account", help="the operating-system account to unmap")
    unmap_os.set_defaults(func=commands.user_unmap_os)

    req = sub.add_parser("request", parents=[common], help="requests")
    req_sub = req.add_subparsers(dest="request_command", required=True)
    submit = req_sub.add_parser("submit", parents=[common], help="submit one request given as JSON")
    submit.add_argument("file", help="JSON file, or - for standard input")
    submit.add_argument(
        "--confirm-duplicate",
        action="store_true",
        help="submit even if an open request for the same person and service exists",
    )
    submit.set_defaults(func=commands.request_submit)

    imp = req_sub.add_parser("import", parents=[common], help="import JSON Lines (paper backlog)")
    imp.add_argument("file", help="JSON Lines file, or - for standard input (attachment paths "
                                  "are then relative to the current folder)")
    imp.add_argument("--confirm-duplicates", action="store_true",
                     help="import a line even if an open request for the same person and "
                          "service exists")
    imp.add_argument(
        "--allow-outside",
        action="store_true",
        help="accept attachment paths outside the import file's folder "
        "(absolute, '..' or symbolic links leading out)",
    )
    imp.set_defaults(func=commands.request_import)

    show = req_sub.add_parser("show", parents=[common], help="show one request")
    show.add_argument("number", help="the request number (dashes optional)")
    show.set_defaults(func=commands.request_show)

    lst = req_sub.add_parser("list", parents=[common], help="list requests, newest first")
    lst.add_argument("--status", choices=[s.value for s in Status], help="only this status")
    lst.add_argument("--service", choices=SERVICE_CODES, help="only this service")
    lst.add_argument("--overdue", action="store_true", help="only requests past their due date")
    lst.add_argument("--since", help="submitted on or after YYYY-MM-DD")
    lst.add_argument("--until", help="submitted on or before YYYY-MM-DD")
    lst.add_argument("--text", help="request number, full identity number, or name")
    lst.add_argument("--counter", type=int, help="only requests taken at this counter")
    lst.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    lst.add_argument("--offset", type=int, default=0, help="skip this many first (paging)")
    lst.set_defaults(func=commands.request_list)

    decide = req_sub.add_parser(
        "decide", parents=[confirmed], help="review, accept, reject, return or close"
    )
    choice = decide.add_mutually_exclusive_group(required=True)
    for flag in ("accept", "reject", "return", "review", "close"):
        choice.add_argument(f"--{flag}", dest="decision", action="store_const", const=flag,
                            help=f"{flag} the request")
    decide.add_argument("number", help="the request number")
    decide.add_argument("--reason", default="",
                        help="why (required to reject or return; shown to the applicant)")
    decide.set_defaults(func=commands.request_decide)

    assign = req_sub.add_parser(
        "assign",
        parents=[confirmed],
        help="put open requests in a supervisor's hands, or release them",
    )
    assign.add_argument("numbers", nargs="+", metavar="NUMBER", help="request numbers")
    assignee = assign.add_mutually_exclusive_group(required=True)
    assignee.add_argument(
        "--to",
        metavar="USERNAME",
        help="an active supervisor or administrator; 'me' claims them for yourself",
    )
    assignee.add_argument("--release", action="store_true", help="assign them to nobody")
    assign.set_defaults(func=commands.request_assign)

    for name, helptext in (
        ("withdraw", "withdraw at the applicant's wish"),
        ("answer", "record the applicant's answer to a returned request"),
    ):
        p = req_sub.add_parser(name, parents=[common], help=helptext)
        p.add_argument("number", help="the request number")
        p.add_argument("--note", default="", help="a note kept in the request's history")
        p.set_defaults(func=commands.request_simple_action, action_name=name)

    follow = req_sub.add_parser(
        "follow-up", parents=[common], help="record a follow-up (after 72 hours)"
    )
    follow.add_argument("number", help="the request number")
    follow.add_argument("--note", default="", help="what the applicant asked or was told")
    follow.set_defaults(func=commands.request_follow_up)

    closure = sub.add_parser("closure", parents=[common], help="office closure days")
    closure_sub = closure.add_subparsers(dest="closure_command", required=True)
    cadd = closure_sub.add_parser(
        "add", parents=[confirmed], help="add a closure day; moves due dates"
    )
    cadd.add_argument("day", help="YYYY-MM-DD")
    cadd.add_argument("--reason", default="", help="why the office is closed that day")
    cadd.set_defaults(func=commands.closure_add)
    closure_sub.add_parser("list", parents=[common], help="list closure days").set_defaults(
        func=commands.closure_list)

    demo = sub.add_parser(
        "demo-data", parents=[confirmed], help="fill the database with realistic requests"
    )
    demo.add_argument("--count", type=int, default=200, help="how many requests (default 200)")
    demo.add_argument("--seed", type=int, default=1,
                      help="random seed: the same seed makes the same requests")
    demo.add_argument(
        "--with-users",
        action="store_true",
        help="also create users clerk, supervisor and admin (password demo-password)",
    )
    demo.set_defaults(func=commands.demo_data)

    audit = sub.add_parser("audit", parents=[common], help="audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", parents=[common], help="check the hash chain").set_defaults(
        func=commands.audit_verify
    )

    backup = sub.add_parser(
        "backup", parents=[common], help="consistent online copy of the database"
    )
    backup.add_argument("file", help="the backup file to write")
    backup.set_defaults(func=commands.backup)
    restore = sub.add_parser(
        "restore", parents=[confirmed], help="put a backup back (keeps the old file)"
    )
    restore.add_argument("file", help="the backup file to put back")
    restore.set_defaults(func=commands.restore)

    receipt = sub.add_parser("receipt", parents=[common], help="write a request's PDF receipt")
    receipt.add_argument("number", help="the request number")
    receipt.add_argument("-o", "--output", required=True,
                         help="the PDF file to write, or - for standard output")
    receipt.add_argument("--format", choices=list(RECEIPT_FORMATS),
                         help="paper (default: receipt.format of the configuration)")
    receipt.add_argument("--copy", action="store_true", help="mark as a reprint")
    receipt.set_defaults(func=commands.receipt)
    sync_commands.add_parsers(sub, common)
    export_commands.add_parsers(sub, common)
    completion.add_parser(sub, common, parser)
    return parser


def _start_log(args: argparse.Namespace) -> bool:
    """The desktop's rotating log file, with --log or ``[log] command_line = true``."""
    wanted = args.log
    if not wanted:
        try:
            wanted = commands.settings_from(args).log_command_line
        except ConfigError:
            return False  # the command itself reports it
    if wanted:
        from tawasul_desktop.logs import setup_logging

        setup_logging(console=False)
        log.info("tawasul %s started by %s", args.command, getpass.getuser())
    return bool(wanted)


def main(argv: Sequence[str] | None = None) -> int:
    restrict_umask()  # backups, receipts and exports hold personal data
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(json_mode=args.json)
    logging_to_file = _start_log(args)
    try:
        result: Any = args.func(args, out)
        if logging_to_file:
            log.info("tawasul %s: exit code %s", args.command, int(result or 0))
        return int(result or 0)
    except TawasulError as err:
        out.problems(err.problems)
        return 2 if err.invalid_input else 1
    except ConfigError as err:
        out.error(f"configuration: {err}")
        return 1
    except StoreVersionError as err:
        out.error(str(err))
        return 1
    except commands.CommandFailed as err:
        out.error(str(err))
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line against a traceback (see cli/faults.py)
        if os.environ.get("TAWASUL_DEBUG"):
            raise
        problem = faults.describe(exc, *_places(args)) or Problem.of(
            "fault.unexpected", "", kind=type(exc).__name__
        )
        out.problems([problem])
        return 1


def _places(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """The database file and the data folder the command used, to name in a fault."""
    try:
        settings = commands.settings_from(args)
    except Exception:  # the configuration itself may be what failed
        return None, None
    return settings.db_path, settings.data_dir


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
