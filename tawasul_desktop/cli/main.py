"""The `tawasul` command: operations over the same core the desktop uses.

Exit codes: 0 success, 2 invalid input (every problem is printed), 1 any other failure.
The command acts as the operating-system account running it; that name goes into the audit
log. It never prompts unless stdin is a terminal and a password is needed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from tawasul_desktop.cli import commands, sync_commands
from tawasul_desktop.cli.output import Output
from tawasul_desktop.config import ConfigError
from tawasul_desktop.domain.catalogue import SERVICE_CODES
from tawasul_desktop.domain.lifecycle import Role, Status
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.private_files import restrict_umask
from tawasul_desktop.storage.engine import StoreVersionError


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", help="SQLite database file (default: $TAWASUL_DB or the data folder)"
    )
    common.add_argument(
        "--data-dir", help="data folder (default: $TAWASUL_DATA_DIR or the platform's)"
    )
    common.add_argument(
        "--config", help="configuration file (default: $TAWASUL_CONFIG or the platform's)"
    )
    common.add_argument("--json", action="store_true", help="machine-readable output")

    parser = argparse.ArgumentParser(
        prog="tawasul",
        parents=[common],
        description="Tawasul Desk operations (requests, users, audit).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", parents=[common], help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", parents=[common], help="apply migrations").set_defaults(
        func=commands.db_upgrade
    )

    user = sub.add_parser("user", parents=[common], help="user accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser(
        "add", parents=[common], help="add a user (password from stdin or a prompt)"
    )
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--display-name", default="")
    add.set_defaults(func=commands.user_add)
    user_sub.add_parser("list", parents=[common], help="list users").set_defaults(
        func=commands.user_list
    )

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
    imp.add_argument("file")
    imp.add_argument("--confirm-duplicates", action="store_true")
    imp.add_argument(
        "--allow-outside",
        action="store_true",
        help="accept attachment paths outside the import file's folder "
        "(absolute, '..' or symbolic links leading out)",
    )
    imp.set_defaults(func=commands.request_import)

    show = req_sub.add_parser("show", parents=[common], help="show one request")
    show.add_argument("number")
    show.set_defaults(func=commands.request_show)

    lst = req_sub.add_parser("list", parents=[common], help="list requests, newest first")
    lst.add_argument("--status", choices=[s.value for s in Status])
    lst.add_argument("--service", choices=SERVICE_CODES)
    lst.add_argument("--overdue", action="store_true")
    lst.add_argument("--since", help="submitted on or after YYYY-MM-DD")
    lst.add_argument("--until", help="submitted on or before YYYY-MM-DD")
    lst.add_argument("--text", help="request number, full identity number, or name")
    lst.add_argument("--counter", type=int)
    lst.add_argument("--limit", type=int, default=50)
    lst.add_argument("--offset", type=int, default=0)
    lst.set_defaults(func=commands.request_list)

    decide = req_sub.add_parser(
        "decide", parents=[common], help="review, accept, reject, return or close"
    )
    choice = decide.add_mutually_exclusive_group(required=True)
    for flag in ("accept", "reject", "return", "review", "close"):
        choice.add_argument(f"--{flag}", dest="decision", action="store_const", const=flag)
    decide.add_argument("number")
    decide.add_argument("--reason", default="")
    decide.set_defaults(func=commands.request_decide)

    assign = req_sub.add_parser(
        "assign",
        parents=[common],
        help="put open requests in a supervisor's hands, or release them",
    )
    assign.add_argument("numbers", nargs="+", metavar="NUMBER")
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
        p.add_argument("number")
        p.add_argument("--note", default="")
        p.set_defaults(func=commands.request_simple_action, action_name=name)

    follow = req_sub.add_parser(
        "follow-up", parents=[common], help="record a follow-up (after 72 hours)"
    )
    follow.add_argument("number")
    follow.add_argument("--note", default="")
    follow.set_defaults(func=commands.request_follow_up)

    closure = sub.add_parser("closure", parents=[common], help="office closure days")
    closure_sub = closure.add_subparsers(dest="closure_command", required=True)
    cadd = closure_sub.add_parser(
        "add", parents=[common], help="add a closure day; moves due dates"
    )
    cadd.add_argument("day", help="YYYY-MM-DD")
    cadd.add_argument("--reason", default="")
    cadd.set_defaults(func=commands.closure_add)
    closure_sub.add_parser("list", parents=[common]).set_defaults(func=commands.closure_list)

    demo = sub.add_parser(
        "demo-data", parents=[common], help="fill the database with realistic requests"
    )
    demo.add_argument("--count", type=int, default=200)
    demo.add_argument("--seed", type=int, default=1)
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
    backup.add_argument("file")
    backup.set_defaults(func=commands.backup)
    restore = sub.add_parser(
        "restore", parents=[common], help="put a backup back (keeps the old file)"
    )
    restore.add_argument("file")
    restore.set_defaults(func=commands.restore)

    receipt = sub.add_parser("receipt", parents=[common], help="write a request's PDF receipt")
    receipt.add_argument("number")
    receipt.add_argument("-o", "--output", required=True)
    receipt.add_argument("--format", choices=["a5", "a4", "roll80"])
    receipt.add_argument("--copy", action="store_true", help="mark as a reprint")
    receipt.set_defaults(func=commands.receipt)
    sync_commands.add_parsers(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    restrict_umask()  # backups, receipts and exports hold personal data
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(json_mode=args.json)
    try:
        result: Any = args.func(args, out)
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


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
