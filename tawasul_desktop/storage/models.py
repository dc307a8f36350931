"""SQLAlchemy 2 typed models of the local (and later central) store.

UUID primary keys so that records made offline at different counters never collide.
Times are stored in UTC and come back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    Uuid,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, naive UTC on disk (SQLite has no zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class OsAccount(Base):
    """An operating-system account an administrator allowed to act as a registered user in
    the `tawasul` command (cli/identity.py). An account not listed here only reads and prints."""

    __tablename__ = "os_accounts"

    account: Mapped[str] = mapped_column(String(256), primary_key=True)  # lower-cased
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    mapped_by: Mapped[str] = mapped_column(String(64))
    mapped_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Request(Base):
    __tablename__ = "requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    number: Mapped[str] = mapped_column(String(14), unique=True)
    centre: Mapped[str] = mapped_column(String(3))
    counter: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))

    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id: Mapped[str] = mapped_column(String(10))
    applicant_id_kind: Mapped[str] = mapped_column(String(12))
    applicant_mobile: Mapped[str] = mapped_column(String(16))
    applicant_email: Mapped[str | None] = mapped_column(String(254))
    beneficiary_name: Mapped[str] = mapped_column(String(100))
    beneficiary_id: Mapped[str] = mapped_column(String(10))
    beneficiary_id_kind: Mapped[str] = mapped_column(String(12))
    beneficiary_mobile: Mapped[str | None] = mapped_column(String(16))
    beneficiary_email: Mapped[str | None] = mapped_column(String(254))
    relation: Mapped[str] = mapped_column(String(16))
    # Both names folded for search (alef/yaa/taa marbuta forms, diacritics, case).
    search_names: Mapped[str] = mapped_column(Text)

    description: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    effective_day: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    paused_since: Mapped[dt.date | None] = mapped_column(Date)

    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("requests.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    # The supervisor who has taken the request in hand (storage/assignment.py); None: nobody.
    assignee: Mapped[str | None] = mapped_column(String(32))
    # How many follow-ups it has: kept by a trigger on follow_ups (migration 0005), not here.
    follow_up_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Identifies a line of a paper-backlog import so re-running the file adds nothing twice.
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Attachment.position"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="FollowUp.at"
    )

    __table_args__ = (
        Index("ix_requests_status_submitted", "status", "submitted_at"),
        Index("ix_requests_service_submitted", "service", "submitted_at"),
        Index("ix_requests_submitted", "submitted_at"),
        Index("ix_requests_due_status", "due_date", "status"),
        Index("ix_requests_beneficiary_service", "beneficiary_id", "service"),
        Index("ix_requests_applicant_id", "applicant_id"),
        # The supervisor queue (storage/queue.py): keyset paging on (sort key, number).
        Index("ix_requests_assignee_status", "assignee", "status"),
        Index("ix_requests_status_service", "status", "service"),  # dashboard counts
        Index("ix_queue_submitted", "submitted_at", "number"),
        Index("ix_queue_due", "due_date", "number"),
        Index("ix_queue_service", "service", "number"),
        Index("ix_queue_status", "status", "number"),
        Index("ix_queue_counter", "counter", "number"),
        Index("ix_queue_applicant", "applicant_name", "number"),
        Index("ix_queue_assignee", func.coalesce(assignee, ""), "number"),
        Index("ix_queue_follow_ups", "follow_up_count", "number"),
    )


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(String(40))
    display_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)

    request: Mapped[Request] = relationship(back_populates="attachments")


class FollowUp(Base):
    __tablename__ = "follow_ups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[Request] = relationship(back_populates="follow_ups")


class Closure(Base):
    """A closure day announced after the fact (e.g. a longer Eid break)."""

    __tablename__ = "closures"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class NumberSequence(Base):
    """The last sequence used for request numbers of one counter in one year."""

    __tablename__ = "number_sequences"

    centre: Mapped[str] = mapped_column(String(3), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Append-only, hash-chained: each entry's hash covers its content and the previous hash."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of ``hash`` with the desk's audit key (storage/audit.py); NULL before 0006.
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SavedFilter(Base):
    """A supervisor's named queue filter (storage/queue.py QueueFilter as JSON)."""

    __tablename__ = "saved_filters"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    owner: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Draft(Base):
    """An unfinished intake kept for the clerk who started it (wizard state as JSON)."""

    __tablename__ = "drafts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    owner: Mapped[str] = mapped_column(String(32), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxEntry(Base):
    """An operation waiting to go up to the central database (transactional outbox).

    Written in the same transaction as the change it describes; deleted once central has it.
    An operation central refuses stays here with ``state`` conflict or rejected and its reason.
    """

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    schema_version: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the counter's clock
    payload: Mapped[str] = mapped_column(Text)  # JSON, sent as written
    state: Mapped[str] = mapped_column(String(10), default="pending")
    problem: Mapped[str | None] = mapped_column(Text)  # JSON Problem.as_dict() when refused
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"),)


class SyncState(Base):
    """One row: where the pull cursor and the audit upload stand, and the last outcome."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pull_xid: Mapped[str] = mapped_column(String(24), default="0")
    pull_id: Mapped[int] = mapped_column(Integer, default=0)
    # Feed rows received since the cursor was last at the start (compared with central's count)
    pull_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audit_sent_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    clock_skew_seconds: Mapped[float | None] = mapped_column(Float)
    catalogue_version: Mapped[int | None] = mapped_column(Integer)
    catalogue: Mapped[str | None] = mapped_column(Text)  # TOML sent down by central
