"""`tawasul export csv|xlsx FILE`: the supervision queue's export from the command line.

The same filters as the queue's filter bar, the same QueueQuery and the same writers
(storage/reports.py) as the workspace's Export buttons: a file from the command line and
one from the screen are alike. Supervisors and administrators only (the queue says so).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from tawasul_desktop.cli.output import Output
from tawasul_desktop.cli.progress import Progress
from tawasul_desktop.domain.catalogue import SERVICE_CODES
from tawasul_desktop.domain.lifecycle import Status
from tawasul_desktop.storage.queue import SortKey


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    export = sub.add_parser(
        "export", parents=[common],
        help="export the supervision queue to CSV or Excel (the screen's export)")
    export.add_argument("kind", choices=["csv", "xlsx"], help="file type: csv or xlsx")
    export.add_argument("file", help="the file to write (replaced whole, never half-written)")
    export.add_argument("--status", action="append", choices=[s.value for s in Status],
                        help="only requests in this status (repeat for several)")
    export.add_argument("--service", choices=SERVICE_CODES, help="only this service")
    export.add_argument("--counter", type=int, help="only requests taken at this counter")
    export.add_argument("--since", help="submitted on or after YYYY-MM-DD")
    export.add_argument("--until", help="submitted on or before YYYY-MM-DD")
    export.add_argument("--overdue", action="store_true", help="only overdue requests")
    export.add_argument("--due-within", type=int, metavar="DAYS",
                        help="only requests due within this many working days")
    export.add_argument("--assignee", metavar="USERNAME",
                        help="only requests assigned to this user ('' for nobody)")
    export.add_argument("--text", default="",
                        help="a request number, a full identity number or words of a name")
    export.add_argument("--sort", default=SortKey.DUE.value, choices=[k.value for k in SortKey],
                        help="column to sort by, as the queue (default due)")
    export.add_argument("--descending", action="store_true", help="sort newest/largest first")
    export.add_argument("--language", choices=["ar", "en"],
                        help="headings and statuses in this language (default: ui.language)")
    export.set_defaults(func=export_queue)


def export_queue(args: argparse.Namespace, out: Output) -> int:
    from tawasul_desktop.cli.commands import CommandFailed, _date_arg, open_store
    from tawasul_desktop.cli.identity import Access, acting_user
    from tawasul_desktop.storage import reports
    from tawasul_desktop.storage.queue import QueueFilter, QueueQuery, QueueSort

    key = SortKey(args.sort)
    flt = QueueFilter(
        statuses=tuple(args.status or ()), service=args.service, counter=args.counter,
        since=_date_arg(args.since, "since"), until=_date_arg(args.until, "until"),
        overdue=args.overdue, due_within=args.due_within, assignee=args.assignee,
        text=args.text)
    target = Path(args.file)
    write = reports.export_csv if args.kind == "csv" else reports.export_xlsx
    with open_store(args) as store:
        language = args.language or store.settings.language
        actor = acting_user(store, args, Access.READ)
        query = QueueQuery(store, actor, flt, QueueSort(key, args.descending),
                           now=dt.datetime.now(dt.UTC))
        progress = Progress(f"exporting to {target.name}", json_mode=args.json)
        try:
            with progress:
                count = write(query, target, store.catalogue, language,
                              progress=progress.update)
        except KeyboardInterrupt:
            # Nothing half-written: the file is replaced only once whole.
            out.error(f"interrupted after {progress.count} row(s); {target} was not written")
            return 130
        except OSError as exc:
            raise CommandFailed(f"cannot write {target}: {exc.strerror or exc}") from None
    out.data({"exported": count, "file": str(target), "kind": args.kind,
              "filter": flt.as_json()}, f"exported {count} row(s) to {target}")
    return 0
