"""`tawasul central maintain|prune|settings`: the central database's partitions over time
(tawasul_desktop.central.growth). Run as the schema owner, like the other central commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import psycopg

from tawasul_desktop.cli.central_access import admin_connect
from tawasul_desktop.cli.commands import CommandFailed
from tawasul_desktop.cli.output import Output


def add_parsers(central_sub: Any, common: argparse.ArgumentParser, dsn_help: str) -> None:
    maintain = central_sub.add_parser(
        "maintain", parents=[common],
        help="make the coming months' partitions (run daily, e.g. from a timer)")
    maintain.add_argument("--months-ahead", type=int,
                          help="months after this one to make (default: central setting)")
    maintain.add_argument("--dsn", help=dsn_help)
    maintain.set_defaults(func=central_maintain)

    prune = central_sub.add_parser(
        "prune", parents=[common],
        help="drop months older than a duration; move out files of long-ended requests")
    prune.add_argument("--older-than", required=True, metavar="DURATION",
                       help="e.g. 400d, 18m, 2y; never less than max_offline_days")
    files = prune.add_mutually_exclusive_group()
    files.add_argument("--attachments-to", metavar="FOLDER",
                       help="export files past their retention here, then remove them centrally")
    files.add_argument("--drop-attachments", action="store_true",
                       help="remove files past their retention without exporting them")
    prune.add_argument("--dry-run", action="store_true", help="count only; change nothing")
    prune.add_argument("--dsn", help=dsn_help)
    prune.set_defaults(func=central_prune)

    conf = central_sub.add_parser(
        "settings", parents=[common],
        help="show central's growth settings, or change one with --set KEY=VALUE")
    conf.add_argument("--set", dest="assign", metavar="KEY=VALUE",
                      help="max_offline_days, attachment_retention_days or months_ahead")
    conf.add_argument("--dsn", help=dsn_help)
    conf.set_defaults(func=central_settings)


def _connect(args: argparse.Namespace) -> psycopg.Connection[Any]:
    return admin_connect(args)


def central_maintain(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.growth import maintain

    with _connect(args) as conn:
        try:
            done = maintain(conn, args.months_ahead)
        except PermissionError as exc:
            raise CommandFailed(str(exc), 2) from None
    lines = [f"made {len(done.created)} partition(s)" + (
        f": {', '.join(done.created)}" if done.created else "")]
    lines += [f"{parent}: {rows} row(s) outside the months made (default partition)"
              for parent, rows in sorted(done.outside_months.items()) if rows]
    out.data({"created": done.created, "outside_months": done.outside_months},
             "\n".join(lines))
    return 0


def central_prune(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.growth import PruneRefused, prune

    with _connect(args) as conn:
        try:
            report = prune(conn, args.older_than,
                           export_to=Path(args.attachments_to) if args.attachments_to else None,
                           drop_files=args.drop_attachments, dry_run=args.dry_run)
        except (PruneRefused, ValueError, PermissionError) as exc:
            raise CommandFailed(str(exc), 2) from None
        except psycopg.errors.LockNotAvailable:
            raise CommandFailed("a table stayed busy (a long transaction holds it); nothing "
                                "more was removed: run prune again") from None
    verb = "would remove" if report.dry_run else "removed"
    lines = [f"cutoff {report.cutoff.isoformat(timespec='seconds')}"]
    lines += [f"{table}: {verb} {rows} row(s)" for table, rows in report.rows.items()]
    if report.dropped_partitions:
        lines.append(f"partitions {'to drop' if report.dry_run else 'dropped'}: "
                     + ", ".join(report.dropped_partitions))
    for table, rows in report.kept_young.items():
        lines.append(f"{table}: kept {rows} row(s) younger than the cutoff")
    if report.files:
        where = f"exported to {report.exported_to}" if report.exported_to else "dropped"
        lines.append(f"files past their retention: {report.files} "
                     f"({report.file_bytes // 1024} KiB), {where}")
    if report.files_waiting:
        lines.append(f"files past their retention: {report.files_waiting}, kept (give "
                     "--attachments-to FOLDER or --drop-attachments to move them out)")
    out.data(report.as_dict(), "\n".join(lines))
    return 0


def central_settings(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.central.growth import SETTINGS, set_setting, settings

    with _connect(args) as conn:
        if args.assign:
            key, sep, value = args.assign.partition("=")
            if not sep:
                raise CommandFailed("--set takes KEY=VALUE", 2)
            try:
                set_setting(conn, key.strip(), value.strip())
            except (ValueError, PermissionError) as exc:
                raise CommandFailed(str(exc), 2) from None
        values = settings(conn)
    out.data(values, "\n".join(f"{key} = {values.get(key, '(unset)')}  # {text}"
                               for key, text in SETTINGS.items()))
    return 0
