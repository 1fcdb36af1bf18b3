"""Petition tables: petitions, their audit trail, coordination records with political-legal units, limit overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class PetitionRow(Base):
    """One petition (信访事项): who, what, which class, where it is, and the clock that runs now."""

    __tablename__ = "petitions"
    __table_args__ = (Index("ix_petitions_petitioner_key", "petitioner_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    petition_class: Mapped[str] = mapped_column(String(20))  # PetitionClass
    channel: Mapped[str] = mapped_column(String(20))  # PetitionChannel
    status: Mapped[str] = mapped_column(String(20), index=True)  # Status
    petitioner_name: Mapped[str] = mapped_column(String(100))
    petitioner_phone: Mapped[str] = mapped_column(String(40), default="")
    petitioner_id_number: Mapped[str] = mapped_column(String(40), default="")
    petitioner_key: Mapped[str] = mapped_column(String(64))  # hash of id number / phone / name, for repeats
    group_size: Mapped[int] = mapped_column(Integer, default=1)
    subject: Mapped[str] = mapped_column(String(200))
    facts: Mapped[str] = mapped_column(Text)
    request: Mapped[str] = mapped_column(Text, default="")
    respondent: Mapped[str] = mapped_column(String(200), default="")
    respondent_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    intake_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    review_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    rereview_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_limit: Mapped[str] = mapped_column(String(30), default="")
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id"), nullable=True)
    root_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    legal_channel: Mapped[str | None] = mapped_column(String(30), nullable=True)
    separation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answer_text: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")


class PetitionEventRow(Base):
    """One step of a petition's history (audit): action, statuses, who, which unit, the note and the new due."""

    __tablename__ = "petition_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_user: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PetitionCoordinationRow(Base):
    """The shared record with a political-legal unit: transfer, acknowledgement, result, feedback, each dated."""

    __tablename__ = "petition_coordinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    legal_unit: Mapped[str] = mapped_column(String(30))  # LegalUnit
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)  # CoordinationStatus
    transferred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    transferred_by: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fed_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_limit: Mapped[str] = mapped_column(String(30), default="")
    transfer_note: Mapped[str] = mapped_column(Text, default="")
    result_text: Mapped[str] = mapped_column(Text, default="")
    feedback_text: Mapped[str] = mapped_column(Text, default="")


class PetitionLimitRow(Base):
    """An administrator's override of a time limit (days), with who set it."""

    __tablename__ = "petition_limits"

    key: Mapped[str] = mapped_column(String(30), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
