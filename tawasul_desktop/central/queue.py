"""The supervisor queue over the central PostgreSQL, chosen by configuration: central's
``QueueBackend`` (storage.queue_backend).

``open_central_store`` gives a ``CentralStore`` whose engine is the central database reached
as the supervisor's own login role (``[central] dsn``, password file or keyring, sslmode, as
for sync): storage.queue, storage.reports and the supervisor workspace read it with the same
SQLAlchemy code as a desk's SQLite store, and row-level security limits every read to the
role's centre. The store comes with its backend, ``CentralQueue``: decisions and assignments
go through ``central.operations.decide``/``assign`` (same lifecycle rules, row lock,
conflicts), so they flow down to the counters on their next sync; saved filters are
central's (central.filters), a request's detail, history and files are read from central
(central.detail), and a name is searched through central's trigram index.

Only a supervisor's role may be used so: ``choose_queue_store`` asks central who the desk's
role is (``central.operations.whoami``) and gives the desk's own store, with a notice saying
why, when it is a counter's role (as on every counter's desk, which sync needs) or when
central cannot be reached. A failure talking to central during a decision or an assignment
becomes a ``TawasulError`` (``central_problem``), never a bare driver exception.

With ``[central] read_dsn`` (a streaming replica of central) the queue's, the detail pane's
and the dashboard's reads go to the replica (``ReplicaReads``): decisions, assignments and
saved filters still go to the primary, and after each decision or assignment made here the
store reads from the primary until the replica has replayed it, so the supervisor sees their
own decision at once. ``replica_notice`` says how far behind the replica is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import ARRAY, ColumnElement, Engine, Text, bindparam, create_engine, event, func
from sqlalchemy import select as sql_select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tawasul_desktop.central import operations as central
from tawasul_desktop.central.connection import (
    CentralConfigError,
    CentralTarget,
    target_from_settings,
)
from tawasul_desktop.central.detail import central_timeline, load_request, read_attachment
from tawasul_desktop.central.filters import (
    central_filters,
    delete_central_filter,
    put_central_filter,
)
from tawasul_desktop.config import Settings
from tawasul_desktop.domain.assignment import is_supervisor
from tawasul_desktop.domain.bidi import isolate
from tawasul_desktop.domain.lifecycle import Action
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.storage.assignment import BulkOutcome, Supervisor, _Unset, list_supervisors
from tawasul_desktop.storage.audit import HistoryLine
from tawasul_desktop.storage.blobs import BlobStore
from tawasul_desktop.storage.models import Request
from tawasul_desktop.storage.queue import NamedFilter, QueueFilter, QueueQuery, QueueSort
from tawasul_desktop.storage.queue_backend import RequestDetail
from tawasul_desktop.storage.requests import number_or_problem
from tawasul_desktop.storage.search import NameSearch, like_patterns
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)

# Message codes of a failure talking to central (a bulk action stops at the first one).
CENTRAL_FAILURES = frozenset({"queue.central_unreachable", "queue.central_refused"})


def _utc_session(dbapi_conn: Any, _record: Any) -> None:
    # UTCDateTime binds naive UTC; central's columns are timestamptz: read them in UTC.
    dbapi_conn.execute("SET TIME ZONE 'UTC'")
    # The queue's statements each return one page: compiling them to machine code (JIT,
    # chosen by cost on a million rows) added ~130 ms to a 1 s sort and saved nothing.
    dbapi_conn.execute("SET jit = off")
    # Counters pull a change only once every older transaction on the server has ended
    # (central.operations.pull_changes): a supervisor's session left idle inside one would hold
    # back every counter's pull, so the server ends such a session after a minute.
    dbapi_conn.execute("SET idle_in_transaction_session_timeout = '60s'")
    dbapi_conn.commit()


def central_engine(target: CentralTarget, **engine_args: Any) -> Engine:
    engine = create_engine("postgresql+psycopg://", creator=lambda: target.connect(),
                           pool_pre_ping=True, **engine_args)
    event.listen(engine, "connect", _utc_session)
    return engine


def queue_on_central(settings: Settings, actor: Actor | None) -> bool:
    """Whether this desk's supervisor queue reads central: ``[central] dsn`` is set and the
    user is a supervisor (or administrator)."""
    return bool(settings.central_dsn) and actor is not None and is_supervisor(actor.role)


# --- a streaming replica for the reads ------------------------------------------------------

REPLICA_LAG_SHOWN = 1.0  # seconds behind from which the workspace says so


def lsn_value(text: str) -> int:
    """A WAL position ("16/B374D848") as a number, to compare two of them."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass(frozen=True)
class ReplicaLag:
    """How far the replica is behind the primary: ``caught_up`` when it has replayed all the
    primary has written; otherwise ``seconds`` since the last transaction it replayed
    committed (None while it has replayed none since it started)."""

    caught_up: bool
    seconds: float | None


class ReplicaReads:
    """Reads from a streaming replica, except this desk's own writes: after a decision or an
    assignment (``wrote``) reads go to the primary until the replica has replayed the WAL
    position the primary had reached when the write committed."""

    def __init__(self, primary: Engine, replica: Engine) -> None:
        self.primary, self.replica = primary, replica
        self._lock = threading.Lock()
        self._waiting: int | None = None  # a WAL position of ours the replica may lack

    def wrote(self, conn: psycopg.Connection[Any]) -> None:
        """Record that a write just committed on ``conn`` (a primary connection)."""
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        if row is None:
            return
        position = lsn_value(row[0])
        with self._lock:
            self._waiting = max(self._waiting or 0, position)

    @property
    def waiting(self) -> bool:
        """A write made here may not be on the replica yet (reads go to the primary)."""
        with self._lock:
            return self._waiting is not None

    def read_engine(self) -> Engine:
        """Where the next read goes: the replica, or the primary while it lacks our write."""
        with self._lock:
            waiting = self._waiting
        if waiting is None:
            return self.replica
        with self.replica.connect() as conn:
            replayed = conn.exec_driver_sql("SELECT pg_last_wal_replay_lsn()::text").scalar()
        # NULL: the read DSN names a server that is not replaying (a primary): nothing to wait.
        if replayed is None or lsn_value(str(replayed)) >= waiting:
            with self._lock:
                if self._waiting == waiting:
                    self._waiting = None
            return self.replica
        return self.primary

    def lag(self) -> ReplicaLag:
        with self.primary.connect() as conn:
            written = conn.exec_driver_sql("SELECT pg_current_wal_lsn()::text").scalar()
        with self.replica.connect() as conn:
            replayed, seconds = conn.exec_driver_sql(
                "SELECT pg_last_wal_replay_lsn()::text, extract(epoch FROM clock_timestamp() "
                "- pg_last_xact_replay_timestamp())::float8").one()
        if replayed is None or lsn_value(str(replayed)) >= lsn_value(str(written)):
            return ReplicaLag(True, 0.0)
        return ReplicaLag(False, None if seconds is None else max(0.0, float(seconds)))


class _ReplicaSessions(sessionmaker[Session]):
    """``store.read()``'s sessions, each bound where ``ReplicaReads`` says at its start."""

    def __init__(self, reads: ReplicaReads) -> None:
        super().__init__(reads.replica, expire_on_commit=False)
        self.reads = reads

    def __call__(self, **local_kw: Any) -> Session:
        local_kw.setdefault("bind", self.reads.read_engine())
        return super().__call__(**local_kw)


def read_target_of(settings: Settings, target: CentralTarget) -> CentralTarget | None:
    """The replica to read from (``[central] read_dsn``), reached as ``target`` is (the same
    login, password source and TLS settings); None when none is configured."""
    if not settings.central_read_dsn:
        return None
    return dataclasses.replace(target, dsn=settings.central_read_dsn,
                               application_name=f"{target.application_name} reads")


def replica_notice(store: CentralStore) -> Problem | None:
    """What the workspace says about the replica it reads (run in a worker: it connects):
    how far behind it is, from ``REPLICA_LAG_SHOWN`` seconds on; None when it keeps up or
    the store reads no replica."""
    if store.replica is None:
        return None
    lag = store.replica.lag()
    if lag.caught_up or (lag.seconds is not None and lag.seconds < REPLICA_LAG_SHOWN):
        return None
    if lag.seconds is None:
        return Problem.of("queue.replica_lag_unknown", "")
    return Problem.of("queue.replica_behind", "", seconds=f"{lag.seconds:.0f}")


# --- the store over central and its backend ------------------------------------------------


def central_name_search(words: Sequence[str]) -> ColumnElement[bool]:
    """Words of a name over central: past row-level security to the trigram index (central
    migration c0003), which the desk's LIKE under the policy could not use."""
    patterns = bindparam("name_patterns", like_patterns(words), type_=ARRAY(Text))
    return Request.id.in_(sql_select(func.tawasul_name_matches(patterns)))


@dataclass(kw_only=True)
class CentralStore(Store):
    """A Store over the central database for the supervisor queue, with its backend."""

    central: CentralTarget  # reached as the supervisor's own login role
    # The desk's own store it was opened at (its catalogue, its files).
    local: Store | None = None
    # Set when the reads go to a streaming replica of central ([central] read_dsn):
    # ``read()`` sessions are bound to it, ``engine`` and ``write()`` stay on the primary.
    replica: ReplicaReads | None = None
    name_search: NameSearch = central_name_search

    def __post_init__(self) -> None:
        self.queue_backend = CentralQueue(self)

    def close(self) -> None:
        super().close()
        if self.replica is not None:
            self.replica.replica.dispose()


class CentralQueue:
    """The supervisor workspace over central (storage.queue_backend.QueueBackend)."""

    def __init__(self, store: CentralStore) -> None:
        self._store = store

    @property
    def store(self) -> CentralStore:
        return self._store

    @property
    def reads_replica(self) -> bool:
        return self._store.replica is not None

    def query(self, actor: Actor | None, flt: QueueFilter, sort: QueueSort,
              now: dt.datetime | None = None) -> QueueQuery:
        return QueueQuery(self._store, actor, flt, sort, now=now)

    def supervisors(self) -> list[Supervisor]:
        return list_supervisors(self._store)  # central's users table, as the desk's

    def decide(self, actor: Actor, number: str, action: Action, *, reason: str | None,
               expected_status: str | None, now: dt.datetime | None = None) -> None:
        # Central's clock decides when (``now`` is the desk's): the decision is made there.
        decide_centrally(self._store, actor, number_or_problem(number), action,
                         reason=reason, expected_status=expected_status)

    def assign(self, actor: Actor, number: str, assignee: str | None, *,
               expected_assignee: str | None | _Unset,
               now: dt.datetime | None = None) -> str | None:
        return assign_centrally(self._store, actor, number_or_problem(number), assignee,
                                expected_assignee=(... if isinstance(expected_assignee, _Unset)
                                                   else expected_assignee))

    def saved_filters(self, owner: str) -> list[NamedFilter]:
        return [NamedFilter(name, QueueFilter.from_json(payload))
                for name, payload in central_filters(self._store.engine, owner)]

    def save_filter(self, owner: str, name: str, flt: QueueFilter, now: dt.datetime) -> None:
        put_central_filter(self._store.engine, owner, name, flt.as_json(), now)

    def delete_filter(self, owner: str, name: str) -> bool:
        return delete_central_filter(self._store.engine, owner, name)

    def detail(self, number: str) -> RequestDetail:
        """The request with its follow-ups and attachments, and the counters' audit merged
        with central decisions and assignments."""
        return RequestDetail(*load_request(self._store, number))

    def history(self, request_id: uuid.UUID) -> list[HistoryLine]:
        with self._store.read() as session:
            return central_timeline(session, request_id)

    def read_attachment(self, sha256: str) -> bytes:
        return read_attachment(self._store, sha256)

    def name_search(self, words: Sequence[str]) -> ColumnElement[bool]:
        return self._store.name_search(words)

    def problem_of(self, exc: BaseException) -> Problem | None:
        return central_problem(exc)

    def lag_notice(self) -> Problem | None:
        return replica_notice(self._store)

    def release(self) -> None:
        """Close the connection pools; they open again when the queue is next read."""
        self._store.close()


def open_central_store(settings: Settings, *, local: Store | None = None,
                       target: CentralTarget | None = None,
                       read_target: CentralTarget | None = None) -> CentralStore:
    """A Store over the central database for the supervisor queue (see the module's text);
    its reads go to ``read_target`` (default: ``[central] read_dsn``) when there is one."""
    if target is None:
        if not settings.central_dsn:
            raise CentralConfigError("no central database configured for the queue")
        target = target_from_settings(settings)
    read_target = read_target or read_target_of(settings, target)
    engine = central_engine(target)
    writer = sessionmaker(engine, expire_on_commit=False)
    replica = None
    reader = writer
    if read_target is not None:
        replica = ReplicaReads(engine, central_engine(read_target))
        reader = _ReplicaSessions(replica)
    store = CentralStore(settings, engine, reader, writer, BlobStore(settings.attachments_dir),
                         central=target, local=local, replica=replica)
    if local is not None:
        store.catalogue = local.catalogue
    return store


@dataclass(frozen=True)
class QueueSource:
    """Where the supervisor queue reads: ``store``, and why it is not central (``notice``)."""

    store: Store
    notice: Problem | None = None
    # Central could not be reached: the next sign-in asks again (a role's kind never changes).
    retry: bool = False
    # False on a synced counter's desk whose role may not decide: central would refuse its
    # decisions at the next sync and put the requests back, so none are taken here.
    decisions: bool = True
    # False whenever central is configured but not read: a desk's own assignments are not
    # sent up, so the centre would never learn of them.
    assignments: bool = True


def choose_queue_store(settings: Settings, actor: Actor | None, *, local: Store,
                       target: CentralTarget | None = None) -> QueueSource:
    """Run in a worker (it connects): central for a supervisor's role, else ``local``.

    A counter's role reads its centre but central refuses its decisions, assignments and
    saved filters, so the queue stays on the desk's store and says so.
    """
    if not queue_on_central(settings, actor):
        return QueueSource(local)
    try:
        target = target or target_from_settings(settings)
        with target.connect(autocommit=True) as conn:
            identity = central.whoami(conn)
    except (psycopg.Error, CentralConfigError, OSError) as exc:
        log.warning("central not reached for the supervisor queue: %s", _short(exc))
        return unreachable_source(local, exc)
    if identity.kind == "supervisor":
        return QueueSource(open_central_store(settings, local=local, target=target))
    log.info("the supervisor queue stays on this desk: central role %s is a %s's",
             identity.role_name, identity.kind)
    if identity.kind == "counter" and not identity.may_decide:
        code, decisions = "queue.local_counter_role_no_decisions", False
    else:
        code = ("queue.local_counter_role" if identity.kind == "counter"
                else "queue.local_not_supervisor_role")
        decisions = True
    return QueueSource(local, Problem.of(code, "", role=isolate(identity.role_name)),
                       decisions=decisions, assignments=False)


def unreachable_source(local: Store, exc: BaseException) -> QueueSource:
    """The desk's own queue, saying why central was not used; asked again at next sign-in."""
    return QueueSource(local, Problem.of("queue.local_central_unreachable", "",
                                         reason=isolate(_short(exc))), retry=True,
                       assignments=False)


def central_problem(exc: BaseException) -> Problem | None:
    """What to tell the user about a failure talking to central; None for anything else.

    Reaching central (a dropped or refused connection, an unsafe password file) and being
    refused by it (a missing grant, a trigger's check) are told apart.
    """
    if isinstance(exc, TawasulError):
        return None
    if isinstance(exc, DBAPIError):  # SQLAlchemy's wrapper around the driver's error
        if exc.connection_invalidated:
            return Problem.of("queue.central_unreachable", "",
                              reason=isolate(_short(exc.orig or exc)))
        exc = exc.orig if isinstance(exc.orig, BaseException) else exc
    if isinstance(exc, psycopg.OperationalError | CentralConfigError):
        return Problem.of("queue.central_unreachable", "", reason=isolate(_short(exc)))
    if isinstance(exc, psycopg.Error | DBAPIError):
        return Problem.of("queue.central_refused", "", reason=isolate(_short(exc)))
    return None


def _short(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


@contextmanager
def _talking_to_central(what: str) -> Iterator[None]:
    """A failure talking to central becomes a TawasulError the caller reports per request."""
    try:
        yield
    except (psycopg.Error, CentralConfigError) as exc:
        problem = central_problem(exc)
        assert problem is not None
        log.warning("central %s failed: %s", what, problem.message_en)
        raise TawasulError(problem, invalid_input=False) from exc


def stop_at_central_failure(items: Sequence[tuple[str, Any]],
                            run: Callable[[Sequence[tuple[str, Any]]], BulkOutcome],
                            store: Store | None = None) -> BulkOutcome:
    """A bulk action (``run``: decide_many, assign_many) one request at a time, each its own
    unit of work as always, stopping at the first failure talking to central: the rest are
    reported as not attempted instead of each waiting for a server that is gone. Over
    central (``store`` a CentralStore) the requests share one connection, closed after."""
    outcome = BulkOutcome()
    with _one_connection(store):
        for index, item in enumerate(items):
            one = run([item])
            outcome.done += one.done
            outcome.refused += one.refused
            if any(p.code in CENTRAL_FAILURES for _, p in one.refused):
                skipped = Problem.of("queue.not_attempted", "")
                outcome.refused += [(number, skipped) for number, _ in items[index + 1:]]
                break
    return outcome


class _Shared(threading.local):
    """The connection a bulk action on this thread shares: made at its first request."""

    store: Store | None = None
    conn: psycopg.Connection[Any] | None = None


_shared = _Shared()


@contextmanager
def _one_connection(store: Store | None) -> Iterator[None]:
    if not isinstance(store, CentralStore) or _shared.store is not None:
        yield
        return
    _shared.store = store
    try:
        yield
    finally:
        conn, _shared.store, _shared.conn = _shared.conn, None, None
        if conn is not None:
            conn.close()


@contextmanager
def _connection(store: CentralStore) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the primary for one decision or assignment: the bulk action's if one
    is under way on this thread (connected at its first request), else one of its own. Each
    decision commits or rolls back whole (operations._pipelined_transaction), so the next
    finds the shared connection idle; a failure reaching central ends the bulk action."""
    if _shared.store is not store:
        with store.central.connect(autocommit=True) as conn:
            yield conn
        return
    if _shared.conn is None or _shared.conn.closed:
        _shared.conn = store.central.connect(autocommit=True)
    conn = _shared.conn
    try:
        yield conn
    except psycopg.OperationalError:
        conn.close()
        raise
    finally:
        # Never lend the next request a connection left inside a transaction: its decision
        # would become a savepoint of one nobody commits.
        if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.close()


def _raise(problem: Problem) -> None:
    raise TawasulError(problem, invalid_input=problem.code not in (
        "request.not_permitted", "request.changed_meanwhile", "request.assigned_meanwhile",
        "request.not_found"))


def decide_centrally(store: CentralStore, actor: Actor, number: str, action: Action, *,
                     reason: str | None, expected_status: str | None) -> None:
    with _talking_to_central("decision"), _connection(store) as conn:
        outcome = central.decide(conn, number, action, actor=actor.username, role=actor.role,
                                 reason=reason, policy=store.policy,
                                 expected_status=expected_status)
        if store.replica is not None and not isinstance(outcome, Problem):
            store.replica.wrote(conn)  # read back from the primary until the replica has it
    if isinstance(outcome, Problem):
        _raise(outcome)


def assign_centrally(store: CentralStore, actor: Actor, number: str, assignee: str | None, *,
                     expected_assignee: str | None | object) -> str | None:
    with _talking_to_central("assignment"), _connection(store) as conn:
        outcome = central.assign(conn, number, assignee, actor=actor.username, role=actor.role,
                                 expected_assignee=expected_assignee)
        if store.replica is not None and not isinstance(outcome, Problem):
            store.replica.wrote(conn)
    if isinstance(outcome, Problem):
        _raise(outcome)
        raise AssertionError  # unreachable
    return outcome


__all__ = ["CENTRAL_FAILURES", "REPLICA_LAG_SHOWN", "CentralQueue", "CentralStore", "QueueSource",
           "ReplicaLag", "ReplicaReads", "assign_centrally", "central_engine",
           "central_name_search", "central_problem", "choose_queue_store", "decide_centrally",
           "lsn_value", "open_central_store", "queue_on_central", "read_target_of",
           "replica_notice", "stop_at_central_failure", "unreachable_source"]
