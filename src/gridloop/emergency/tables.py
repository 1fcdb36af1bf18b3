"""Emergency tables: CAP warning messages, the hazard register (隐患台账), incidents, teams and supplies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class WarningMessageRow(Base):
    """One CAP message of a warning chain (Alert, Update or Cancel), with the facts used to list and filter."""

    __tablename__ = "emergency_warning_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), unique=True)
    msg_type: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), index=True)  # Actual | Exercise | …
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(100), index=True)
    event: Mapped[str] = mapped_column(String(50))
    transition: Mapped[str] = mapped_column(String(12))
    level: Mapped[int] = mapped_column(Integer)
    previous_level: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(20))
    cap_references: Mapped[str] = mapped_column(Text, default="")  # space-separated sender,identifier,sent
    xml: Mapped[str] = mapped_column(Text)


class HazardRow(Base):
    """One entry of the hazard register: place, owner, risk, the 五落实 and where it is in its lifecycle."""

    __tablename__ = "emergency_hazards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(50), index=True)
    source: Mapped[str] = mapped_column(String(20))  # grid_worker | case | inspection | other
    case_number: Mapped[str | None] = mapped_column(String(32), index=True)
    # place: the grid cell (and the district and street codes it lies in) and a WGS 84 point
    grid_code: Mapped[str | None] = mapped_column(String(20), index=True)
    street_code: Mapped[str | None] = mapped_column(String(20), index=True)
    district_code: Mapped[str | None] = mapped_column(String(20), index=True)
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(500), default="")
    owner_unit_code: Mapped[str] = mapped_column(String(64), default="", index=True)
    responsible_person: Mapped[str] = mapped_column(String(100), default="")
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # risk: LEC factors and D, the grade 1–4 and its colour (red … blue)
    likelihood: Mapped[float | None] = mapped_column(Float)
    exposure: Mapped[float | None] = mapped_column(Float)
    consequence: Mapped[float | None] = mapped_column(Float)
    lec_d: Mapped[float | None] = mapped_column(Float)
    risk_grade: Mapped[str | None] = mapped_column(String(2))
    colour: Mapped[str | None] = mapped_column(String(10), index=True)
    # rectification: the 五落实 (responsible person above, measures, funds, deadline, plan) and interim controls
    assigned_unit_code: Mapped[str] = mapped_column(String(64), default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    funds: Mapped[float | None] = mapped_column(Float)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    interim_controls: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    rectified_by: Mapped[str] = mapped_column(String(64), default="")
    found_by: Mapped[str] = mapped_column(String(64))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 挂牌督办: the level that supervises an overdue hazard (street → district → city) and since when
    supervision_level: Mapped[str | None] = mapped_column(String(20), index=True)
    supervised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HazardEventRow(Base):
    """One step in a hazard's history (append-only)."""

    __tablename__ = "emergency_hazard_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("emergency_hazards.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
