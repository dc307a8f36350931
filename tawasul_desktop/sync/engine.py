"""Run a sync: push the outbox, the audit log and attachments up, pull changes down.

``SyncEngine.run_once`` is one pass and never raises for a network or server problem: it
reports it (``SyncReport.error``) and the next pass carries on where this one stopped, because
every step is idempotent (operation ids, a commit-ordered pull cursor stored with what it
pulled, resumable content-addressed uploads). ``SyncLoop`` repeats it in a background thread,
on an interval and on "sync now", backing off while central cannot be reached. Neither
touches Qt; the GUI reads ``status()`` / ``SyncLoop.state`` and the callbacks.

Only a counter's role syncs. A desk whose ``[central] dsn`` is a supervisor's role of its
centre (a supervisor's own desk, whose queue reads central directly) has nothing to send:
the pass says so (``SyncReport.supervisor_desk``), not as an error, and the loop then waits
for "sync now" instead of retrying.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Select, select

from tawasul_desktop.central import operations as central
from tawasul_desktop.central.admin import (
    CentralSchemaError,
    central_compatibility,
    compatibility_problem,
)
from tawasul_desktop.central.connection import CentralConfigError, CentralTarget
from tawasul_desktop.central.operations import APPLIED, CONFLICT, DUPLICATE, REJECTED, FaultHook
from tawasul_desktop.domain.bidi import ltr
from tawasul_desktop.domain.clock import SKEW_LIMIT_SECONDS, describe_skew
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.storage.models import AuditEntry, SyncState
from tawasul_desktop.storage.store import Store
from tawasul_desktop.sync import local

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
T = TypeVar("T")
SKEW_WARNING_SECONDS = SKEW_LIMIT_SECONDS
# Who the login is and the desk binding are checked again after this long by a pass with work
# to do; in between it checks only central's revision (one statement), and a connection
# replacing one the link dropped skips even that. An idle pass (central c0012) checks all
# three each time.
CHECKS_KEPT_SECONDS = 600.0


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # connect | push | audit | pull | attachments
    done: int
    total: int | None = None
    detail: str = ""


ProgressCallback = Callable[[SyncProgress], None]


@dataclass(frozen=True)
class RefusedOutcome:
    op_id: uuid.UUID
    state: str  # conflict | rejected
    code: str
    message_en: str
    message_ar: str


@dataclass(frozen=True)
class FeedCheck:
    """This desk's feed as central counts it against what the desk received (its cursor and
    ``pull_count``): rows waiting past the cursor, and rows before it the desk never got."""

    expected: int  # central: rows of this desk's feed up to its cursor
    received: int  # the desk: rows it received since its cursor was at the start
    waiting: int  # central: rows past the cursor that may be read now

    @property
    def missed(self) -> int:
        return max(0, self.expected - self.received)

    @property
    def behind(self) -> bool:
        return self.waiting > 0 or self.missed > 0

    def summary(self) -> str:
        if self.missed:
            return (f"behind central: {self.missed} change(s) never received; "
                    "run `tawasul sync reset` to receive everything again")
        if self.waiting:
            return f"behind central: {self.waiting} change(s) waiting"
        return "up to date with central"


@dataclass
class SyncReport:
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    pushed: int = 0  # operations central applied now
    already_there: int = 0  # operations central had (a batch sent again)
    refused: list[RefusedOutcome] = field(default_factory=list)
    audit_sent: int = 0
    pulled: int = 0  # changes read from the feed
    requests_changed: int = 0  # local requests central changed
    files_uploaded: int = 0
    bytes_uploaded: int = 0
    pending_after: int = 0
    clock_skew_seconds: float | None = None
    error: str | None = None
    online: bool = False
    supervisor_desk: bool = False  # a supervisor's role: nothing is sent or received
    seconds: dict[str, float] = field(default_factory=dict)  # per phase
    feed: FeedCheck | None = None  # when the pass was asked to check the feed

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def progressed(self) -> bool:
        """Something committed (either way) before the pass stopped, if it stopped."""
        return bool(self.pushed or self.already_there or self.refused or self.audit_sent
                    or self.pulled or self.files_uploaded)

    @property
    def clock_warning(self) -> bool:
        skew = self.clock_skew_seconds
        return skew is not None and abs(skew) > SKEW_WARNING_SECONDS

    def summary(self) -> str:
        if self.supervisor_desk:
            text = ("this desk is a supervisor's: the queue reads central directly; "
                    "nothing to send")
            if self.pending_after:  # work made here all the same (a clerk signed in): say so
                text += f" (pending {self.pending_after}, sent only from a counter's role)"
            return text
        parts = [f"sent {self.pushed}", f"received {self.pulled}"]
        if self.already_there:
            parts.append(f"already central {self.already_there}")
        if self.refused:
            parts.append(f"refused {len(self.refused)}")
        if self.files_uploaded:
            parts.append(f"files {self.files_uploaded} ({self.bytes_uploaded // 1024} KiB)")
        parts.append(f"pending {self.pending_after}")
        text = ", ".join(parts)
        if self.feed is not None and self.feed.behind:
            text += f"; {self.feed.summary()}"
        if self.clock_warning and self.clock_skew_seconds is not None:
            text += f"; {describe_skew(self.clock_skew_seconds)[1]}: new requests are refused"
        if self.error:
            text += f"; stopped: {self.error}"
        return text


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    online: bool | None  # None: not tried yet
    running: bool
    pending: int
    refused: int
    last_success_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_error: str | None
    clock_skew_seconds: float | None
    supervisor_desk: bool = False  # central knows this desk's role as a supervisor's
    feed: FeedCheck | None = None  # the last check of the feed against central (None: not yet)


class _Window:
    """How many items the next batch of one phase sends. A batch cut by a dropped connection
    makes the next one a single item, each batch that commits doubles it back up to
    ``limit``: on a link that drops every few tens of milliseconds, with a fresh connection
    slow to come, a pass still commits something, and what a pass committed stays done.
    (Halving instead took a pass per halving before a batch fitted; every drop started over.)"""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = limit

    def limited(self, limit: int) -> _Window:
        if limit != self.limit:
            self.limit, self.size = limit, min(self.size, limit) if limit < self.limit else limit
        return self

    def grew(self) -> None:
        self.size = min(self.limit, self.size * 2)

    def cut(self) -> None:
        self.size = 1


class DeskTakenError(CentralSchemaError):
    """Another desk store is bound to this counter's login (both named, in both languages)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.message_ar} | {problem.message_en}")
        self.problem = problem


class _SupervisorDesk(Exception):
    """The desk's role is a supervisor's of its centre: nothing to sync (not an error)."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SyncEngine:
    # Files per upload batch, and the bytes of small files read for one batch at most.
    file_batch = 500
    file_batch_bytes = 8 << 20

    def __init__(self, store: Store, target: CentralTarget, *, batch_size: int = 1000,
                 pull_batch: int = 2000, chunk_size: int = 1 << 20, clock: Clock = _utcnow,
                 fault_hook: FaultHook | None = None) -> None:
        self.store = store
        self.target = target
        self.batch_size = batch_size
        self.pull_batch = pull_batch
        self.chunk_size = chunk_size
        self.clock = clock
        self.fault_hook = fault_hook
        self._conn: psycopg.Connection[Any] | None = None
        # Held between passes: to ``target.idle_dsn`` (PgBouncer, transaction mode), for this
        # target only.
        self._idle_conn: tuple[CentralTarget, psycopg.Connection[Any]] | None = None
        self._identity: central.Identity | None = None
        self._run_lock = threading.Lock()
        self._online: bool | None = None
        self._running = False
        self._supervisor_desk = False
        self._desk_id: uuid.UUID | None = None  # this store's id (made at its first start)
        self._schema: str | None = None  # central's schema, as the full check found it
        # (target, when) of the last full check (login, counter, desk binding); cleared by close()
        self._checked: tuple[CentralTarget, float] | None = None
        self._feed: FeedCheck | None = None
        self._after_drop = False  # the link dropped the last connection (checks still hold)
        self._push_window = _Window(batch_size)
        self._audit_window = _Window(batch_size)
        self._pull_window = _Window(pull_batch)

    # --- state ---

    def status(self) -> SyncStatus:
        with self.store.read() as session:
            pending, refused = local.counts(session)
            state = session.get(SyncState, 1)
        return SyncStatus(
            online=self._online, running=self._running, pending=pending, refused=refused,
            last_success_at=state.last_success_at if state else None,
            last_attempt_at=state.last_attempt_at if state else None,
            last_error=state.last_error if state else None,
            clock_skew_seconds=state.clock_skew_seconds if state else None,
            supervisor_desk=self._supervisor_desk, feed=self._feed)

    def refused(self) -> list[local.RefusedOp]:
        with self.store.read() as session:
            return local.refused_ops(session)

    def requeue(self, op_ids: list[uuid.UUID] | None = None) -> int:
        with self.store.write() as session:
            return local.requeue(session, op_ids)

    def reset(self) -> None:
        """Receive everything from central again; pending work is kept."""
        with self._run_lock, self.store.write() as session:
            local.reset_cursor(session)

    def connect(self) -> psycopg.Connection[Any]:
        """This desk's checked connection to central (compatible, its counter, bound here)."""
        with self._run_lock:
            return self._connection()

    def close(self) -> None:
        """Close the connections; the next one is checked again."""
        self._checked = None
        self._drop()
        self._drop_idle()

    def _drop_idle(self) -> None:
        if self._idle_conn is not None:
            try:
                self._idle_conn[1].close()
            finally:
                self._idle_conn = None

    def _drop(self) -> None:
        """Let go of the connection (its checks stay valid for a while)."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    # --- one pass ---

    def run_once(self, progress: ProgressCallback | None = None, *,
                 check_feed: bool = False) -> SyncReport:
        """One pass; ``check_feed`` also counts this desk's feed against central after the
        pull (``SyncReport.feed``): it reads all of the desk's feed rows, so not every pass."""
        with self._run_lock:
            self._running = True
            try:
                return self._run(progress or (lambda _p: None), check_feed)
            finally:
                self._running = False

    def check_feed(self) -> FeedCheck:
        """Count this desk's feed against central now, without a pass. Raises what
        connecting raises (psycopg.Error, CentralSchemaError, CentralConfigError)."""
        with self._run_lock:
            try:
                return self._feed_check(self._connection())
            except _SupervisorDesk:
                raise CentralSchemaError("a supervisor's desk receives no feed") from None

    def _check_feed(self, conn: psycopg.Connection[Any], report: SyncReport) -> None:
        report.feed = self._feed_check(conn)

    def _feed_check(self, conn: psycopg.Connection[Any]) -> FeedCheck:
        with self.store.read() as session:
            state = local.sync_state(session)
            cursor, received = (state.pull_xid, state.pull_id), state.pull_count or 0
        expected, waiting = central.feed_position(conn, cursor)
        self._feed = FeedCheck(expected, received, waiting)
        return self._feed

    def _run(self, progress: ProgressCallback, check_feed: bool = False) -> SyncReport:
        report = SyncReport(started_at=self.clock())
        try:
            # The first batch is read before connecting: on a link that drops every few tens
            # of milliseconds the connection's short life goes to the network work.
            with self.store.read() as session:
                total = local.pending_op_count(session)
                first = local.pending_ops(session, 0,
                                          self._push_window.limited(self.batch_size).size
                                          ) if total else []
                idle = (not total and not check_feed and self._checked_once()
                        and not local.anything_unsent(session))
                state = local.sync_state(session)
                cursor = (state.pull_xid, state.pull_id)
                # Files saved from here on may belong to a request saved after the push
                # below has ended, which central would refuse a file of: the next pass sends
                # them. The files themselves, not a position: the push deletes the outbox's
                # tail, and SQLite gives a deleted row's number to the next row saved.
                files = [] if idle else local.pending_blobs(session)  # idle: none pending
            progress(SyncProgress("connect", 0))
            if idle and self._timed(report, "idle", self._idle_pass, report, progress, cursor):
                report.online = True  # that one statement was the whole pass
            else:
                conn = self._timed(report, "connect", self._connection)
                report.online = True
                self._timed(report, "push", self._push, conn, report, progress, total, first)
                self._timed(report, "audit", self._push_audit, conn, report, progress)
                self._timed(report, "pull", self._pull, conn, report, progress)
                if check_feed:
                    self._timed(report, "feed check", self._check_feed, conn, report)
                self._timed(report, "attachments", self._upload_files, conn, report, progress,
                            files)
        except _SupervisorDesk:
            report.supervisor_desk = report.online = True
            self._supervisor_desk = True
        except psycopg.OperationalError as exc:
            report.error = _short(exc) or "central database unreachable"
            report.online = False
            self._after_drop = self._checked is not None
            self._drop()
            self._drop_idle()
        except DeskTakenError as exc:  # both desks named, in both languages: kept whole
            report.error = str(exc)
            self.close()
        except (psycopg.Error, CentralSchemaError, CentralConfigError, PermissionError) as exc:
            report.error = _short(exc)
            self.close()
        except BaseException:
            # Unexpected (the desk's own disk, a bug): the loop logs it and backs off for
            # minutes, with no server connection held meanwhile.
            self._drop()
            raise
        if report.ok:
            self._after_drop = False
        # No connection is held between passes: thousands of desks syncing every minute
        # would keep as many idle server backends; each pass connects (directly or through a
        # pooler such as PgBouncer) and lets go, and a pass leaves no session state behind.
        self._drop()
        self._online = report.online
        report.finished_at = self.clock()
        with self.store.write() as session:
            state = local.sync_state(session)
            state.last_attempt_at = report.finished_at
            state.last_error = report.error
            if report.ok and not report.supervisor_desk:  # nothing was synced
                state.last_success_at = report.finished_at
            if report.clock_skew_seconds is not None:
                state.clock_skew_seconds = report.clock_skew_seconds
            report.pending_after = local.counts(session)[0]
        if report.clock_warning:
            log.warning("desk clock differs from central by %+.0f s", report.clock_skew_seconds)
        if report.error:
            log.info("sync stopped: %s", report.error)
        return report

    @staticmethod
    def _timed(report: SyncReport, phase: str, step: Callable[..., T], *args: Any) -> T:
        started = time.perf_counter()
        try:
            return step(*args)
        finally:
            report.seconds[phase] = time.perf_counter() - started

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed:
            return self._conn  # within a pass, or held by connect()
        conn = self.target.connect(autocommit=True)
        checked = self._checked
        try:
            if (checked is None or checked[0] != self.target
                    or time.monotonic() - checked[1] >= CHECKS_KEPT_SECONDS):
                self._identity = self._check(conn)  # who it is, bound to this desk store
                self._checked = (self.target, time.monotonic())
            elif not self._after_drop:
                # A new pass: central may have been upgraded since the last one (one statement).
                # A connection replacing one the link dropped skips even this: the server did
                # not change, and a flapping link spends its short connections on work.
                self._check_compatible(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _checked_once(self) -> bool:
        """This target had its full check (an idle pass makes it again, but the binding)."""
        return (self._checked is not None and self._checked[0] == self.target
                and self._desk_id is not None and self._schema is not None)

    def _idle_pass(self, report: SyncReport, progress: ProgressCallback,
                   cursor: tuple[str, int]) -> bool:
        """A pass with nothing to send: one statement (central c0012) checks compatibility and
        who this desk acts as, and pulls the first batch after ``cursor``. True when that was
        the whole pass; False when there is more (a full batch, another counter, an older
        central)."""
        limit = self._pull_window.limited(self.pull_batch).size
        pair = self.target.desk_key_pair()
        assert self._desk_id is not None and self._schema is not None
        for attempt in (1, 2):
            conn, reused = self._idle_connection()
            try:
                with _sized(self._pull_window):
                    got = central.desk_pass(conn, self._schema, pair, self._desk_id, cursor,
                                            limit)
                if got is None:
                    return False
                problem = compatibility_problem(got.revision, got.serves_from)
                if problem is not None:
                    raise CentralSchemaError(problem)
                settings = self.store.settings
                if got.place != (settings.centre_code, settings.counter) or not got.bound:
                    self._checked = None  # the full check binds again, or says what is wrong
                    return False
                self._apply(conn, report, progress, cursor, got.batch)
                return got.batch.complete
            except psycopg.OperationalError:
                self._drop_idle()
                if not reused or attempt == 2:  # a held connection may have gone stale
                    raise
            finally:
                if not self.target.idle_dsn:
                    conn.close()  # this pass's own: a pass that goes on connects as usual
        raise AssertionError("unreachable")  # the second attempt returns or raises

    def _idle_connection(self) -> tuple[psycopg.Connection[Any], bool]:
        """(connection, reused): the one held to ``idle_dsn``, or a new one for this pass that
        names no counter for its session (the idle statement names it for itself)."""
        if not self.target.idle_dsn:
            return self.target.connect(autocommit=True, named=False), False
        if self._idle_conn is not None and self._idle_conn[0] == self.target \
                and not self._idle_conn[1].closed:
            return self._idle_conn[1], True
        self._drop_idle()
        conn = self.target.connect_idle()
        self._idle_conn = (self.target, conn)
        return conn, False

    def desk_label(self) -> str:
        """How an administrator recognises this desk store: computer and database file."""
        return f"{socket.gethostname()}:{self.store.settings.db_path}"

    def _bind_desk(self, conn: psycopg.Connection[Any], identity: central.Identity) -> None:
        # A counter's login belongs to the first desk store that synced as it: a second desk
        # set up as the same counter would hand out the same request numbers.
        if self._desk_id is None:
            with self.store.write() as session:
                self._desk_id = local.sync_state(session).store_id
        desk_id = self._desk_id
        label = self.desk_label()
        binding = central.bind_desk(conn, desk_id, label)
        if binding.desk_id is not None and binding.desk_id != desk_id:
            problem = Problem.of(
                "sync.desk_taken", "central", role=ltr(identity.role_name),
                bound=ltr(f"{binding.label} [{str(binding.desk_id)[:8]}]"),
                here=ltr(f"{label} [{str(desk_id)[:8]}]"),
                command=ltr(f"tawasul central release-desk {identity.centre} "
                            f"{identity.counter}"))
            raise DeskTakenError(problem)

    @staticmethod
    def _check_compatible(conn: psycopg.Connection[Any]) -> None:
        revision, served_from = central_compatibility(conn)
        if revision is None:
            raise CentralSchemaError("the central database has no Tawasul schema; "
                                     "run `tawasul central init`")
        problem = compatibility_problem(revision, served_from)
        if problem is not None:
            raise CentralSchemaError(problem)

    def _check(self, conn: psycopg.Connection[Any]) -> central.Identity:
        self._check_compatible(conn)
        identity = central.whoami(conn)
        settings = self.store.settings
        if identity.kind == "supervisor" and identity.centre == settings.centre_code:
            raise _SupervisorDesk(identity.role_name)
        if identity.kind != "counter" and self.target.desk_role:
            raise CentralSchemaError(
                f"central did not accept this desk as {self.target.desk_role}: its password "
                "(the desk key) does not match, or the counter was not set up for the shared "
                "login; ask an administrator for `tawasul central add-counter` again")
        if identity.kind != "counter":
            raise CentralSchemaError(f"{identity.role_name} is not a counter's role; "
                                     "create one with `tawasul central add-counter`")
        if (identity.centre, identity.counter) != (settings.centre_code, settings.counter):
            raise CentralSchemaError(
                f"central maps {identity.role_name} to centre {identity.centre} counter "
                f"{identity.counter}, but this desk is centre {settings.centre_code} "
                f"counter {settings.counter}")
        self._bind_desk(conn, identity)
        row = conn.execute("SELECT current_schema()").fetchone()
        self._schema = str(row[0]) if row and row[0] else None
        return identity

    # --- up ---

    def _push(self, conn: psycopg.Connection[Any], report: SyncReport,
              progress: ProgressCallback, total: int,
              first: list[central.OutgoingOp] | None = None) -> None:
        """Send the outbox in batches, one central transaction each. The desk's side of a
        batch (reading the next one, settling the last) runs on a thread of its own while
        central applies this one: SQLite and the wait on the socket both let go of the GIL,
        so the two overlap instead of taking turns. Order is kept: a batch is read before it
        is sent and settled only after central committed it (a crash in between leaves it
        pending, and sent again it is answered as already there)."""
        assert self._identity is not None
        window = self._push_window.limited(self.batch_size)
        batch = first if first is not None else self._outgoing(0, window.size)
        settling: Future[None] | None = None
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="tawasul-sync-outbox") as desk:
                while batch:
                    # The next batch, as large as the window will be once this one commits
                    # (if it does not, the pass ends and the read is dropped).
                    ahead = desk.submit(self._outgoing, batch[-1].seq,
                                        min(window.limit, window.size * 2))
                    with _sized(window):
                        result = central.push_ops(conn, batch, sent_at=self.clock(),
                                                  policy=self.store.policy,
                                                  identity=self._identity,
                                                  fault_hook=self.fault_hook)
                    if self.fault_hook is not None:
                        self.fault_hook("push.after_commit", conn)
                    report.clock_skew_seconds = result.clock_skew_seconds
                    if settling is not None:
                        settling.result()  # the last batch's bookkeeping failed: stop here
                    settling = desk.submit(self._settle, batch, result.outcomes)
                    self._count(report, result.outcomes)
                    done = report.pushed + report.already_there + len(report.refused)
                    progress(SyncProgress("push", done, total))
                    batch = ahead.result()
        except BaseException:
            # Leaving the pool waited for the batch being settled; its own failure is only
            # logged here (the batch stays pending and is answered as already there later).
            if settling is not None and settling.exception() is not None:
                log.warning("settling a pushed batch failed: %s",
                            _short(settling.exception() or Exception()))
            raise
        if settling is not None:
            settling.result()

    def _outgoing(self, after: int, limit: int) -> list[central.OutgoingOp]:
        with self.store.read() as session:
            return local.pending_ops(session, after, limit)

    def _settle(self, batch: list[central.OutgoingOp],
                outcomes: list[central.OpOutcome]) -> None:
        with self.store.write() as session:
            local.settle(session, batch, outcomes, self.clock())

    @staticmethod
    def _count(report: SyncReport, outcomes: list[central.OpOutcome]) -> None:
        for o in outcomes:
            if o.outcome == APPLIED:
                report.pushed += 1
            elif o.outcome == DUPLICATE:
                report.already_there += 1
            elif o.outcome in (CONFLICT, REJECTED):
                p = o.problem or {}
                report.refused.append(RefusedOutcome(o.op_id, o.outcome, p.get("code", ""),
                                                     p.get("message_en", ""),
                                                     p.get("message_ar", "")))

    def _push_audit(self, conn: psycopg.Connection[Any], report: SyncReport,
                    progress: ProgressCallback) -> None:
        assert self._identity is not None
        while True:
            with self.store.read() as session:
                state = local.sync_state(session)
                store_id, after = state.store_id, state.audit_sent_seq
                size = self._audit_window.limited(self.batch_size).size
                rows = session.execute(_audit_after(after, size)).all()
            if not rows:
                return
            with _sized(self._audit_window):
                central.push_audit(conn, store_id, [tuple(r) for r in rows], self._identity)
            with self.store.write() as session:
                state = local.sync_state(session)
                state.audit_sent_seq = max(state.audit_sent_seq, rows[-1][0])
            report.audit_sent += len(rows)
            progress(SyncProgress("audit", report.audit_sent))

    def _upload_files(self, conn: psycopg.Connection[Any], report: SyncReport,
                      progress: ProgressCallback, blobs: list[local.PendingBlob]) -> None:
        """Send the pending files in batches: one round trip asks central which it holds, the
        small ones go whole in one pipelined transaction, larger ones in chunks that each
        commit (so a cut upload resumes), and the batch is settled locally in one
        transaction (one fsync). Killed at any point, the next pass finds on central what
        committed there and sends only the rest; the register's key keeps one copy.
        ``blobs``: the files pending when the pass began, whose requests the push sent (only
        this upload settles a file, so they are pending still)."""
        done = 0
        for batch in _file_batches(blobs, self.file_batch, self.file_batch_bytes):
            present = central.blobs_present(conn, [b.sha256 for b in batch])
            settled = [b.seq for b in batch if b.sha256 in present]
            central.attachments_arrived(conn, sorted(present))
            lost = [b for b in batch
                    if b.sha256 not in present and not self.store.blobs.exists(b.sha256)]
            small = [b for b in batch if b.sha256 not in present and b not in lost
                     and b.size <= self.chunk_size]
            large = [b for b in batch if b.sha256 not in present and b not in lost
                     and b.size > self.chunk_size]
            if small:
                files = [(b.sha256, b.size, self.store.blobs.path_for(b.sha256).read_bytes())
                         for b in small]
                try:
                    central.put_files(conn, files, self.fault_hook)
                except (psycopg.errors.IntegrityError, psycopg.errors.InsufficientPrivilege,
                        psycopg.errors.DataError):
                    large = small + large  # one of them is refused: one by one, to find it
                else:
                    settled += [b.seq for b in small]
                    report.files_uploaded += len(small)
                    report.bytes_uploaded += sum(len(f[2]) for f in files)
            for blob in large:
                if self._upload(conn, blob, report, progress):
                    settled.append(blob.seq)
                    report.files_uploaded += 1
                # else: did not verify; staging was cleared, the next pass sends it again
            if self.fault_hook is not None:
                self.fault_hook("upload.batch_sent", conn)
            with self.store.write() as session:
                local.drop_blobs(session, settled)
                for blob in lost:
                    problem = Problem.of("sync.attachment_missing", "attachment",
                                         sha=blob.sha256[:12])
                    local.refuse_blob(session, blob.seq, problem.as_dict(), self.clock())
            if self.fault_hook is not None:
                self.fault_hook("upload.settled", conn)
            done += len(batch)
            progress(SyncProgress("attachments", done, len(blobs)))

    def _upload(self, conn: psycopg.Connection[Any], blob: local.PendingBlob, report: SyncReport,
                progress: ProgressCallback) -> bool:
        pos = central.upload_offset(conn, blob.sha256)
        with self.store.blobs.path_for(blob.sha256).open("rb") as fh:
            fh.seek(pos)
            while pos < blob.size:
                data = fh.read(self.chunk_size)
                if not data:
                    break
                central.put_chunk(conn, blob.sha256, pos, data)
                pos += len(data)
                report.bytes_uploaded += len(data)
                if self.fault_hook is not None:
                    self.fault_hook("upload.chunk", conn)
                progress(SyncProgress("attachments", pos, blob.size, blob.sha256[:12]))
        return central.finish_blob(conn, blob.sha256, blob.size)

    # --- down ---

    def _pull(self, conn: psycopg.Connection[Any], report: SyncReport,
              progress: ProgressCallback) -> None:
        """Pull batches until the feed is read. While the desk applies one batch (SQLite, its
        fsync), a worker thread reads the next from central on ``conn`` (the worker touches
        no SQLite connection; the main thread leaves ``conn`` to it meanwhile). The batch
        read ahead is taken only if the stored cursor is still the one it was read after
        (something reset it meanwhile: dropped, read again); the pool is left, and so the
        worker's read finished, whatever happened, before the pass drops the connection."""
        window = self._pull_window
        with ThreadPoolExecutor(1, thread_name_prefix="tawasul-sync-pull") as reader:
            ahead: tuple[tuple[str, int], Future[central.FeedBatch]] | None = None
            while True:
                with self.store.read() as session:
                    state = local.sync_state(session)
                    cursor = (state.pull_xid, state.pull_id)
                limit = window.limited(self.pull_batch).size
                with _sized(window):
                    if ahead is not None and ahead[0] == cursor:
                        batch = ahead[1].result()
                    else:
                        if ahead is not None:  # read after another cursor: not this one's
                            _settled(ahead[1])
                        batch = central.pull_changes(conn, cursor, limit)
                ahead = None
                if not batch.complete:
                    # As large as the next read would be (the window counted this one).
                    after = batch.next_cursor(cursor)
                    ahead = (after, reader.submit(central.pull_changes, conn, after,
                                                  window.limited(self.pull_batch).size))
                if not self._apply(conn, report, progress, cursor, batch) or batch.complete:
                    if ahead is not None:
                        _settled(ahead[1])
                    return

    def _apply(self, conn: psycopg.Connection[Any], report: SyncReport,
               progress: ProgressCallback, cursor: tuple[str, int],
               batch: central.FeedBatch) -> bool:
        """Apply one pulled batch and move the cursor; False when it moved nothing."""
        if report.clock_skew_seconds is None:  # measured even when nothing was pushed
            report.clock_skew_seconds = (batch.central_now - self.clock()).total_seconds()
        changes = batch.changes
        after = batch.next_cursor(cursor)
        if not changes and after == cursor:
            return False
        with self.store.write() as session:
            applied = local.apply_changes(session, changes, self.clock())
            state = local.sync_state(session)
            state.pull_xid, state.pull_id = after
            state.pull_count = (state.pull_count or 0) + len(changes)
        if applied.closures:
            self.store.forget_calendar()
        if applied.catalogue is not None:
            self.store.catalogue = applied.catalogue
        report.pulled += len(changes)
        report.requests_changed += applied.requests
        progress(SyncProgress("pull", report.pulled))
        if self.fault_hook is not None and changes:
            self.fault_hook("pull.after_batch", conn)
        return True


def _settled(future: Future[Any]) -> None:
    """Wait for a read that will not be used (its failure, if any, is the connection's:
    the next use of it says so)."""
    with contextlib.suppress(Exception):
        future.result()


@contextlib.contextmanager
def _sized(window: _Window) -> Iterator[None]:
    """One batch's round trip: the window grows when it commits, shrinks when the link drops."""
    try:
        yield
    except psycopg.OperationalError:
        window.cut()
        raise
    window.grew()


def _file_batches(blobs: list[local.PendingBlob], files: int,
                  size: int) -> Iterator[list[local.PendingBlob]]:
    """Consecutive runs of at most ``files`` files and about ``size`` bytes (a larger file
    makes a batch of its own bytes: it goes in chunks, never read whole)."""
    batch: list[local.PendingBlob] = []
    held = 0
    for blob in blobs:
        if batch and (len(batch) >= files or held + min(blob.size, size) > size):
            yield batch
            batch, held = [], 0
        batch.append(blob)
        held += min(blob.size, size)
    if batch:
        yield batch


def _audit_after(after: int, limit: int) -> Select:  # type: ignore[type-arg]  # 2.0 and 2.1 differ
    return (select(AuditEntry.seq, AuditEntry.hash, AuditEntry.at, AuditEntry.actor,
                   AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.old,
                   AuditEntry.new, AuditEntry.prev_hash)
            .where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(limit))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


# --- background loop -----------------------------------------------------------------------------


class SyncLoop:
    """Runs ``engine.run_once`` in a daemon thread every ``interval`` seconds and on
    ``sync_now()``; after failures it waits 5 s, 10 s, 20 s … up to ``max_backoff`` (a failed
    pass that committed something waits 5 s again: the outbox drains over a poor link). On a
    supervisor's desk (nothing to sync, ``dormant``) it waits for ``sync_now()`` only."""

    def __init__(self, engine: SyncEngine, interval: float = 60.0, *, max_backoff: float = 600.0,
                 first_retry: float = 5.0, on_report: Callable[[SyncReport], None] | None = None,
                 on_progress: ProgressCallback | None = None, check_every: int = 10) -> None:
        self.engine = engine
        self.check_every = check_every  # passes between checks of the feed against central
        self._passes = 0
        self.interval = interval
        self.max_backoff = max_backoff
        self.first_retry = first_retry
        self.on_report = on_report
        self.on_progress = on_progress
        self.last_report: SyncReport | None = None
        self.failures = 0
        self.dormant = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> SyncStatus:
        return self.engine.status()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="tawasul-sync", daemon=True)
        self._thread.start()

    def sync_now(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.engine.close()

    def next_delay(self) -> float | None:
        """Seconds until the next pass; None: only when asked (``sync_now``)."""
        if self.dormant:
            return None
        if self.failures == 0:
            return self.interval
        backoff = min(self.max_backoff, self.first_retry * 2 ** (self.failures - 1))
        # Desks that lost central together spread out.
        return float(backoff * random.uniform(0.8, 1.2))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                check = self._passes % self.check_every == 0
                self._passes += 1
                report = self.engine.run_once(self.on_progress, check_feed=check)
            except Exception:  # a bug must not kill the thread silently, nor spin
                log.exception("sync pass failed unexpectedly")
                self.failures += 1
            else:
                self.last_report = report
                # A pass the link cut after it committed something is a poor link, not a
                # lost one: retry soon (first_retry) instead of backing off further.
                self.failures = (0 if report.ok else 1 if report.progressed
                                 else self.failures + 1)
                self.dormant = report.supervisor_desk
                if self.on_report is not None:
                    try:
                        self.on_report(report)
                    except Exception:
                        log.exception("sync report callback failed")
            self._wake.wait(self.next_delay())
