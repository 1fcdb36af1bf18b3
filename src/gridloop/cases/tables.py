"""Case tables: cases, case units, audit events, supervision records, idempotency keys, number counters, and the
typed state of the loop: coordinations and co-unit replies, extension requests, callbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class CaseRow(Base):
    """One citizen request or found problem (工单)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))
    request_type: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20), default="normal")
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    category_confidence: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(24))
    # place: the point as the client gave it, and normalised to WGS-84
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    crs: Mapped[str | None] = mapped_column(String(8))
    lng_wgs84: Mapped[float | None] = mapped_column(Float)
    lat_wgs84: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    area_path: Mapped[str | None] = mapped_column(String(400))
    district_code: Mapped[str | None] = mapped_column(String(20))
    street_code: Mapped[str | None] = mapped_column(String(20))
    grid_code: Mapped[str | None] = mapped_column(String(20))
    locate_method: Mapped[str | None] = mapped_column(String(20))
    locate_accuracy_m: Mapped[float | None] = mapped_column(Float)  # the phone's accuracy of (lng, lat), metres
    # reporter: personal data, masked for roles without the privacy permission
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # the drill run (演练) this case belongs to; None for real work (migration 0063, docs/drills.md)
    exercise_run_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    # deadlines of the steps, and the running flags
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the deadline of the current step
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    solved: Mapped[bool | None] = mapped_column(Boolean)
    reply_text: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # set while suspended (挂起)
    closure_kind: Mapped[str | None] = mapped_column(String(16))  # ClosureKind: direct | with_parent
    # what the locator found besides the area (services/intake.py)
    duty_grid_code: Mapped[str | None] = mapped_column(String(32))
    locate_confidence: Mapped[float | None] = mapped_column(Float)
    area_candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # [{code, name, confidence}]
    # what triage found (services/intake.py); masked_text is the text shown to roles without personal data
    urgency_reason: Mapped[str | None] = mapped_column(Text)
    incident_type: Mapped[str | None] = mapped_column(String(32))
    meaningless_reason: Mapped[str | None] = mapped_column(String(200))
    masked_text: Mapped[str | None] = mapped_column(Text)
    # auto-dispatch's decision (services/dispatching.py): dispatched by the system, or the unit it suggests
    dispatch_auto: Mapped[bool | None] = mapped_column(Boolean)
    suggested_unit: Mapped[str | None] = mapped_column(String(32))
    suggested_co_units: Mapped[list[str] | None] = mapped_column(JSON)
    suggested_area: Mapped[str | None] = mapped_column(String(20))
    suggest_reason: Mapped[str | None] = mapped_column(Text)
    suggest_confidence: Mapped[float | None] = mapped_column(Float)
    suggest_catalogue_version: Mapped[int | None] = mapped_column(Integer)
    # the open case this report duplicates (subscribers.py): merged into it, or only suggested to the operator
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    duplicate_action: Mapped[str | None] = mapped_column(String(8))  # merge | suggest
    duplicate_similarity: Mapped[float | None] = mapped_column(Float)
    duplicate_reason: Mapped[str | None] = mapped_column(Text)
    catalogue_version: Mapped[int | None] = mapped_column(Integer)  # the 派单目录 version that routed it
    # supervision tick state (services/supervision.py): flag and level of the step due at sla_due_seen
    sla_flag: Mapped[str | None] = mapped_column(String(12))  # SlaFlag: on_time | due_soon | overdue
    sla_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sla_due_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the triage workers' progress (services/triage_queue.py): pending until they stored their result, then done
    triage_status: Mapped[str] = mapped_column(String(12), default="done", server_default="done")
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    units: Mapped[list[CaseUnitRow]] = relationship(
        back_populates="case", lazy="selectin", cascade="all, delete-orphan"
    )
    # the typed state below is loaded when first read (one query each), never for lists
    coordinations: Mapped[list[CaseCoordinationRow]] = relationship(
        lazy="select", cascade="all, delete-orphan", order_by="CaseCoordinationRow.id"
    )
    co_replies: Mapped[list[CaseCoReplyRow]] = relationship(
        lazy="select", cascade="all, delete-orphan", order_by="CaseCoReplyRow.id"
    )
    extensions: Mapped[list[CaseExtensionRow]] = relationship(
        lazy="select", cascade="all, delete-orphan", order_by="CaseExtensionRow.id"
    )
    callbacks: Mapped[list[CaseCallbackRow]] = relationship(
        lazy="select", cascade="all, delete-orphan", order_by="CaseCallbackRow.id"
    )
    duplicate_of: Mapped[CaseRow | None] = relationship(foreign_keys=[duplicate_of_id], remote_side=[id], lazy="select")

    __table_args__ = (
        # PostgreSQL: INCLUDE columns let the scope's counts and parts read the index alone (migration 0078)
        Index("ix_cases_status_due", "status", "due_at", postgresql_include=["id", "exercise_run_id"]),
        # the console reads these in order (docs/console.md, "Measured"): queue tabs oldest first (and duplicate
        # search its window of open reports, reports.open_reports_mentioning: without it each report scanned every
        # open case, those still waiting for triage included), the low-confidence tab, the inbox by deadline
        Index("ix_cases_status_received", "status", "received_at"),
        Index("ix_cases_status_confidence", "status", "category_confidence"),
        Index("ix_cases_due_at", "due_at"),
        # covers the supervision tick's filter, so a repeated tick never reads the table (services/supervision.py)
        Index("ix_cases_sla_tick", "status", "due_at", "sla_due_seen", "sla_next_at"),
        # prefix searches (area_path LIKE '/1/90/%') use these; PostgreSQL needs the pattern operator class. Keyed
        # (area_path, status, due_at, id) (migration 0079), one area unit's cases of one status come in deadline
        # order (the inbox); ix_cases_area_received gives them newest first (the case list; cases/services/paging.py)
        Index(
            "ix_cases_area_path",
            "area_path",
            "status",
            "due_at",
            "id",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
            postgresql_include=["exercise_run_id"],
        ),
        Index(
            "ix_cases_area_received",
            "area_path",
            "received_at",
            "id",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
            postgresql_include=["exercise_run_id"],
        ),
        Index("ix_cases_district_status", "district_code", "status"),
        Index("ix_cases_received_at", "received_at"),
        # the caller's history at intake looks cases up by the reporter's number
        Index("ix_cases_reporter_phone", "reporter_phone"),
    )


class CaseUnitRow(Base):
    """A unit on a case: the lead unit or a co-unit."""

    __tablename__ = "case_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unit_path: Mapped[str] = mapped_column(String(400))
    role: Mapped[str] = mapped_column(String(8))  # lead | co
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[CaseRow] = relationship(back_populates="units", lazy="raise")

    __table_args__ = (
        UniqueConstraint("case_id", "unit_id", "role", name="uq_case_units_case_unit_role"),
        Index(
            "ix_case_units_unit_path",
            "unit_path",
            postgresql_ops={"unit_path": "varchar_pattern_ops"},
            postgresql_include=["active", "case_id"],
        ),
        # the few active co-unit links (the queue's cross-cutting tab)
        Index(
            "ix_case_units_active_co",
            "case_id",
            postgresql_where=text("role = 'co' AND active"),
            sqlite_where=text("role = 'co' AND active"),
        ),
    )


class CaseCoordinationRow(Base):
    """A 三跨 coordination: escalated to a coordinating level, which names the lead unit and co-units."""

    __tablename__ = "case_coordinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(12))  # street | district | city
    coordinator_unit: Mapped[str] = mapped_column(String(32))  # the coordinating unit's code
    coordinator_name: Mapped[str] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)  # cross_department | cross_level | cross_region
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[str | None] = mapped_column(String(64))
    # the coordinating level's decision (`coordinate`)
    lead_unit: Mapped[str | None] = mapped_column(String(32))
    co_units: Mapped[list[str] | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # superseded, or the case closed


class CaseCoReplyRow(Base):
    """A co-unit's reply on its part of a case (every reply kept; the newest per unit counts)."""

    __tablename__ = "case_co_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(32))  # the co-unit's code
    reply: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str | None] = mapped_column(String(64))


class CaseExtensionRow(Base):
    """A request for more working days to reply (延期), and its decision once taken."""

    __tablename__ = "case_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    days: Mapped[int] = mapped_column(Integer)  # working days asked for
    reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str | None] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(String(10))  # approved | rejected; none while pending
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    old_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_due: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseCallbackRow(Base):
    """A callback (回访) of the reporter: every one is kept; the case holds the newest result for the KPIs."""

    __tablename__ = "case_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str | None] = mapped_column(String(64))
    satisfaction: Mapped[str] = mapped_column(String(24))
    solved: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class CaseEventRow(Base):
    """An append-only audit event: who did what to a case, when, from which status to which."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The hash chain (cases/domain/audit.py): the previous event's hash globally and of this case, and this one's.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    case_prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The newest hash of the event chain: globally (case_id 0) and per case; written with every event."""

    __tablename__ = "audit_heads"

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_hash: Mapped[str] = mapped_column(String(64))
    events: Mapped[int] = mapped_column(Integer, default=0)


class SupervisionRow(Base):
    """A 督办 record: a higher level presses a case."""

    __tablename__ = "supervisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    addressed_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    step: Mapped[str] = mapped_column(String(24), default="manual")
    level: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdempotencyRow(Base):
    """Maps a client's Idempotency-Key to the case it created, so a retry returns the same case."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    request_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TriageQueueRow(Base):
    """A stored report waiting for the triage workers (the durable queue / outbox of intake).

    Written in the intake transaction; a worker leases a batch (`available_at` moves a lease into the future,
    `claimed_by` names the worker) and deletes the row in the transaction that stores the triage result, so a
    worker that dies mid-batch loses nothing (the lease runs out, another worker takes the row) and doubles
    nothing (its transaction never committed). `published_at` is set once the row went to NATS JetStream.
    """

    __tablename__ = "triage_queue"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    urgency_given: Mapped[bool] = mapped_column(Boolean, default=False)  # the operator chose the urgency
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseCounterRow(Base):
    """The last sequence number used per day, for human-readable case numbers."""

    __tablename__ = "case_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYYMMDD, Asia/Shanghai
    last: Mapped[int] = mapped_column(Integer)


class CaseAttachmentRow(Base):
    """A file attached to a case at one step (photos of the report, before/after, the reply's proof).

    The stored bytes are our own re-encode (images) or a checked PDF; `gps_*` is the camera's EXIF position,
    for staff only and never shown outside the staff console."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    step: Mapped[str] = mapped_column(String(16))  # AttachmentStep
    media_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    gps_lng: Mapped[float | None] = mapped_column(Float)
    gps_lat: Mapped[float | None] = mapped_column(Float)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_name: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("case_id", "idempotency_key", name="uq_case_attachments_idem"),)


class PersonalDataAccessRow(Base):
    """One look-up by personal data (a caller's phone number at intake): who, when, why, how many cases answered.

    The number itself is never stored here: `subject` is its SHA-256, enough to answer "who looked up this number".
    """

    __tablename__ = "personal_data_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(40))  # caller_history
    subject: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the phone number's digits
    results: Mapped[int] = mapped_column(Integer, default=0)
