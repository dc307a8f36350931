"""Central growth: monthly partitions made ahead of need, and old months pruned.

``maintain`` makes the coming months' partitions of the partitioned tables (schema c0009:
``changes``, ``ops``, ``audit_entries``, ``blob_contents``); a default partition catches
anything outside them, so a missed run loses nothing, only makes that month's rows land in
the default partition until the month is made (they then move into it).

``prune`` drops whole months older than a cutoff, never younger than the longest time a
counter may stay offline (``central_settings.max_offline_days``): a desk back from a long
stretch offline sends its operations again and central recognises them by their ids. Files
of requests closed or withdrawn longer than ``attachment_retention_days`` are exported to a
folder (or dropped, when asked explicitly) and their bytes removed; the register keeps the
digest, so a desk still holding the file does not send it again. Every prune is recorded in
``prune_log``. Both run as the schema owner (``tawasul central …``), never as a desk's role.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from tawasul_desktop.central.operations import whoami

Conn = psycopg.Connection[Any]

SETTINGS = {
    "max_offline_days": "the longest a counter may stay offline and still sync (days); "
                        "operation ids and feed rows younger than this are never pruned",
    "attachment_retention_days": "how long files of closed or withdrawn requests stay "
                                 "centrally after the request ended (days)",
    "months_ahead": "how many months ahead `tawasul central maintain` makes partitions",
}
# The column whose age decides what prune may remove, per partitioned table.
_AGE = {"changes": "at", "ops": "received_at", "audit_entries": "at"}
_MONTH = re.compile(r"_(\d{4})_(\d{2})$")
_FINISHED = ("closed", "withdrawn")


class PruneRefused(ValueError):
    """The cutoff is younger than central allows (it would break dedup or the feed)."""


def _owner(conn: Conn) -> None:
    if whoami(conn).kind != "owner":
        raise PermissionError("only the schema owner (an administrator) may maintain or prune "
                              "the central database")


def settings(conn: Conn) -> dict[str, str]:
    with conn.cursor() as cur:
        cur.execute("SELECT key, value FROM central_settings WHERE key = ANY(%s)",
                    (list(SETTINGS),))
        return dict(cur.fetchall())


def set_setting(conn: Conn, key: str, value: str) -> None:
    _owner(conn)
    if key not in SETTINGS:
        raise ValueError(f"unknown setting {key}; known: {', '.join(sorted(SETTINGS))}")
    if not value.isdigit() or int(value) < (1 if key != "months_ahead" else 0):
        raise ValueError(f"{key} must be a whole number of "
                         f"{'months' if key == 'months_ahead' else 'days'}")
    with conn.transaction():
        conn.execute("INSERT INTO central_settings (key, value) VALUES (%s, %s) "
                     "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (key, value))


def partitions(conn: Conn, parent: str) -> list[tuple[str, dt.date | None]]:
    """(partition, its month; None for the default one), oldest first."""
    with conn.cursor() as cur:
        cur.execute("""SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                       WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname""", (parent,))
        names = [r[0] for r in cur.fetchall()]
    out: list[tuple[str, dt.date | None]] = []
    for name in names:
        found = _MONTH.search(name)
        out.append((name, dt.date(int(found[1]), int(found[2]), 1) if found else None))
    return out


def _month_after(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


@dataclass
class Maintained:
    created: list[str] = field(default_factory=list)
    outside_months: dict[str, int] = field(default_factory=dict)  # rows in default partitions


def maintain(conn: Conn, months_ahead: int | None = None) -> Maintained:
    """Make the partitions of this month and the next ``months_ahead`` (default: the
    ``months_ahead`` setting) for every partitioned table; idempotent."""
    _owner(conn)
    done = Maintained()
    ahead = months_ahead if months_ahead is not None else int(
        settings(conn).get("months_ahead", "3"))
    with conn.cursor() as cur:
        cur.execute("SELECT parent FROM tawasul_partitioned ORDER BY parent")
        parents = [r[0] for r in cur.fetchall()]
        for parent in parents:
            before = {name for name, _ in partitions(conn, parent)}
            with conn.transaction():
                cur.execute("SELECT tawasul_add_months(%s, now(), %s)", (parent, ahead))
            done.created += sorted({name for name, _ in partitions(conn, parent)} - before)
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(
                sql.Identifier(parent + "_default")))
            row = cur.fetchone()
            done.outside_months[parent] = int(row[0]) if row else 0
        with conn.transaction():  # where desks' pulls may start (central.operations.pull_changes)
            cur.execute("SELECT tawasul_record_feed_floors()")
    return done


@dataclass
class PruneReport:
    cutoff: dt.datetime
    dropped_partitions: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # rows removed per table
    kept_young: dict[str, int] = field(default_factory=dict)  # moved out of a dropped month
    files: int = 0  # files moved out (exported or dropped)
    file_bytes: int = 0
    files_waiting: int = 0  # past retention, left because no attachment policy was given
    exported_to: str | None = None
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff.isoformat(), "dropped_partitions": self.dropped_partitions,
                "rows": self.rows, "kept_young": self.kept_young, "files": self.files,
                "file_bytes": self.file_bytes, "files_waiting": self.files_waiting,
                "exported_to": self.exported_to, "dry_run": self.dry_run}


_INTERVAL = re.compile(r"\s*(\d+)\s*([dwmy])\s*", re.I)
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def interval_text(value: str) -> str:
    """``400d``, ``12w``, ``18m``, ``2y`` (or a PostgreSQL interval such as ``18 months``)."""
    found = _INTERVAL.fullmatch(value)
    if found:
        return f"{int(found[1])} {_UNITS[found[2].lower()]}"
    if not re.fullmatch(r"[0-9a-z ]+", value.strip(), re.I):
        raise ValueError(f"not a duration: {value!r} (say 400d, 12w, 18m or 2y)")
    return value.strip()


def prune(conn: Conn, older_than: str, *, export_to: Path | None = None,
          drop_files: bool = False, dry_run: bool = False) -> PruneReport:
    """Remove what is older than ``older_than`` (see ``interval_text``); refuse a cutoff
    younger than ``max_offline_days``. Files past their retention are exported to
    ``export_to`` or, with ``drop_files``, dropped; with neither they stay (and are counted).

    Each month goes in its own short transaction (dropping a partition locks its table
    briefly: desks' passes wait behind it, never behind a whole prune), with a lock timeout
    so a long reader makes prune fail, to be run again, rather than stall every desk."""
    _owner(conn)
    if export_to is not None and drop_files:
        raise ValueError("export the files or drop them, not both")
    span = interval_text(older_than)
    max_offline = _setting_int(conn, "max_offline_days", 90)
    with conn.cursor() as cur:
        try:
            cur.execute("""SELECT now() - %s::interval,
                                  now() - %s::interval > now() - make_interval(days => %s),
                                  now() - make_interval(days => %s)""",
                        (span, span, max_offline,
                         _setting_int(conn, "attachment_retention_days", 1825)))
        except psycopg.errors.DataError as exc:
            raise ValueError(f"not a duration: {older_than!r} ({exc})") from None
        row = cur.fetchone()
        assert row is not None
        cutoff, too_young, files_before = row
    if too_young:
        raise PruneRefused(
            f"refused: {older_than} is younger than the longest a counter may stay offline "
            f"({max_offline} days, central setting max_offline_days); a desk back from that "
            "long offline sends its operations again and central must still recognise their "
            "ids")
    report = PruneReport(cutoff=cutoff, dry_run=dry_run)
    _drop_months(conn, report)
    _files(conn, report, files_before, export_to, drop_files)
    if not dry_run:
        with conn.transaction():
            conn.execute("INSERT INTO prune_log (older_than, cutoff, removed) "
                         "VALUES (%s::interval, %s, %s)",
                         (span, cutoff, Jsonb(report.as_dict())))
    return report


def _setting_int(conn: Conn, key: str, default: int) -> int:
    return int(settings(conn).get(key, str(default)))


LOCK_TIMEOUT = "5s"


def _drop_months(conn: Conn, report: PruneReport) -> None:
    cutoff_day = report.cutoff.astimezone(dt.UTC).date()
    announced = False
    with conn.cursor() as cur:
        for parent, age in _AGE.items():
            removed = 0
            for name, month in partitions(conn, parent):
                if month is None or _month_after(month) > cutoff_day:
                    continue
                with conn.transaction():
                    conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    cur.execute(sql.SQL("SELECT count(*), count(*) FILTER (WHERE {} >= %s) "
                                        "FROM {}").format(sql.Identifier(age),
                                                          sql.Identifier(name)),
                                (report.cutoff,))
                    counted = cur.fetchone()
                    assert counted is not None
                    total, young = int(counted[0]), int(counted[1])
                    removed += total - young
                    if report.dry_run:
                        report.dropped_partitions.append(name)
                        continue
                    if parent == "changes" and total and not announced:
                        _announce_again(cur)
                        announced = True
                    cur.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(
                        sql.Identifier(parent), sql.Identifier(name)))
                    if young:  # ids made by a desk whose clock was behind: kept, by age
                        cur.execute(sql.SQL("INSERT INTO {} OVERRIDING SYSTEM VALUE "
                                            "SELECT * FROM {} WHERE {} >= %s").format(
                            sql.Identifier(parent), sql.Identifier(name), sql.Identifier(age)),
                            (report.cutoff,))
                        report.kept_young[parent] = report.kept_young.get(parent, 0) + young
                    cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
                    report.dropped_partitions.append(name)
            # Rows outside the months made (old desks' random op ids, clocks far off).
            default = sql.Identifier(parent + "_default")
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                if report.dry_run:
                    cur.execute(sql.SQL("SELECT count(*) FROM {} WHERE {} < %s").format(
                        default, sql.Identifier(age)), (report.cutoff,))
                    stale = cur.fetchone()
                    removed += int(stale[0]) if stale else 0
                else:
                    cur.execute(sql.SQL("DELETE FROM {} WHERE {} < %s").format(
                        default, sql.Identifier(age)), (report.cutoff,))
                    if parent == "changes" and cur.rowcount and not announced:
                        _announce_again(cur)
                        announced = True
                    removed += cur.rowcount
            report.rows[parent] = removed


def _announce_again(cur: psycopg.Cursor[Any]) -> None:
    """Feed rows about users, closures and the catalogue are what a new (or reset) desk needs
    from the start: before old ones go, their current state is written to the feed again
    (once per prune). Requests' rows need no such care: a desk that was offline no longer than
    allowed received them already."""
    cur.execute("UPDATE users SET updated_at = updated_at")  # its trigger writes the feed
    cur.execute(
        """INSERT INTO changes (centre, kind, entity_id, payload)
           SELECT NULLIF(centre, ''), 'closure', day::text, jsonb_build_object(
               'day', day, 'reason', reason, 'added_by', added_by, 'added_at', added_at)
           FROM closures ORDER BY day, centre""")
    cur.execute(
        """INSERT INTO changes (kind, entity_id, payload)
           SELECT 'catalogue', version::text,
                  jsonb_build_object('version', version, 'content', content)
           FROM catalogue ORDER BY version DESC LIMIT 1""")


def _files(conn: Conn, report: PruneReport, ended_before: dt.datetime, export_to: Path | None,
           drop_files: bool) -> None:
    with conn.cursor() as cur:
        # A file goes only when every request holding it ended before the retention cutoff.
        cur.execute(
            """SELECT b.sha256, b.size FROM blobs b
               WHERE b.archived_at IS NULL
                 AND EXISTS (SELECT 1 FROM request_attachments a WHERE a.sha256 = b.sha256)
                 AND NOT EXISTS (
                     SELECT 1 FROM request_attachments a JOIN requests r ON r.id = a.request_id
                     WHERE a.sha256 = b.sha256
                       AND NOT (r.status = ANY(%s) AND r.updated_at < %s))
               ORDER BY b.sha256""", (list(_FINISHED), ended_before))
        due = [(str(sha), int(size)) for sha, size in cur.fetchall()]
        if not due:
            return
        if export_to is None and not drop_files:
            report.files_waiting = len(due)
            return
        report.files = len(due)
        report.file_bytes = sum(size for _, size in due)
        report.exported_to = str(export_to) if export_to is not None else None
        if report.dry_run:
            return
        shas = [sha for sha, _ in due]
        if export_to is not None:
            _export(cur, export_to, shas)  # on disk before central lets go of the bytes
        with conn.transaction():
            cur.execute("DELETE FROM blob_contents WHERE sha256 = ANY(%s)", (shas,))
            report.rows["blob_contents"] = cur.rowcount
            cur.execute("UPDATE blobs SET archived_at = clock_timestamp(), archived_to = %s "
                        "WHERE sha256 = ANY(%s)",
                        (str(export_to) if export_to is not None else "dropped", shas))
        # Months of file bytes left empty go whole.
        today = dt.datetime.now(dt.UTC).date()
        for name, month in partitions(conn, "blob_contents"):
            if month is None or _month_after(month) > today:
                continue
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(
                    sql.Identifier(name)))
                found = cur.fetchone()
                if found and not found[0]:
                    cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
                    report.dropped_partitions.append(name)


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._") or "file"
    return cleaned[:120]


def _export(cur: psycopg.Cursor[Any], folder: Path, shas: list[str]) -> None:
    """Each file under ``<centre>/<number>/<position>-<name>`` for every request holding it,
    and a line per copy in ``manifest.csv``; written and flushed to disk before central lets
    go of the bytes (the caller's transaction commits after this returns)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.csv"
    new_manifest = not manifest.exists()
    with manifest.open("a", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        if new_manifest:
            writer.writerow(["centre", "number", "position", "document", "display_name",
                             "media_type", "size", "sha256", "path", "exported_at"])
        for start in range(0, len(shas), 100):
            part = shas[start:start + 100]
            cur.execute("""SELECT DISTINCT ON (sha256) sha256, content FROM blob_contents
                           WHERE sha256 = ANY(%s) ORDER BY sha256, stored_at""", (part,))
            contents = {str(sha): bytes(content) for sha, content in cur.fetchall()}
            cur.execute(
                """SELECT r.centre, r.number, a.position, a.document, a.display_name,
                          a.media_type, a.size, a.sha256
                   FROM request_attachments a JOIN requests r ON r.id = a.request_id
                   WHERE a.sha256 = ANY(%s) ORDER BY r.number, a.position""", (part,))
            for centre, number, position, document, display, media, size, sha in cur.fetchall():
                content = contents.get(str(sha))
                if content is None:
                    continue
                relative = Path(centre) / number / f"{position:02d}-{_safe(display)}"
                target = folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as fh:
                    fh.write(content)
                    fh.flush()
                    os.fsync(fh.fileno())
                writer.writerow([centre, number, position, document, display, media, size, sha,
                                 relative.as_posix(), dt.datetime.now(dt.UTC).isoformat()])
        out.flush()
        os.fsync(out.fileno())
