"""Emergency tables: CAP warning messages, the hazard register (隐患台账), incidents, teams and supplies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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
    exercise_run_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)  # drill run (0063)
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
    area_path: Mapped[str] = mapped_column(String(400), index=True)  # unit path of its area (who sees it)
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
    assigned_unit_path: Mapped[str] = mapped_column(String(400), default="")
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


class IncidentRow(Base):
    """One 突发事件: type, grade and command level, commander and sections, place, the 四早 times, review."""

    __tablename__ = "emergency_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20), index=True)
    grade: Mapped[str] = mapped_column(String(4))
    command_level: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    commander: Mapped[str] = mapped_column(String(100), default="")
    sections: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{name, lead}]
    grid_code: Mapped[str | None] = mapped_column(String(20))
    street_code: Mapped[str | None] = mapped_column(String(20))
    district_code: Mapped[str | None] = mapped_column(String(20), index=True)
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(500), default="")
    area_path: Mapped[str] = mapped_column(String(400), index=True)  # unit path of its area (who sees it)
    warning_identifier: Mapped[str | None] = mapped_column(String(64), index=True)
    case_number: Mapped[str | None] = mapped_column(String(32), index=True)
    exercise_run_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)  # drill run (0063)
    # 四早: 发现、报告、预警、处置
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TeamRow(Base):
    """A response team (应急队伍): skills, size, base point, duty and status."""

    __tablename__ = "emergency_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str] = mapped_column(String(64), default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(Integer)
    lng: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    phone: Mapped[str] = mapped_column(String(32), default="")


class IncidentTaskRow(Base):
    """A task of an incident given to a unit or a team; acknowledged, or escalated after its timeout."""

    __tablename__ = "emergency_incident_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("emergency_incidents.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(64), default="")
    unit_path: Mapped[str] = mapped_column(String(400), default="", index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_teams.id"), index=True)
    distance_km: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), index=True)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ack_due: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str] = mapped_column(String(64), default="")
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    escalated_to: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class IncidentEventRow(Base):
    """The incident's timeline (append-only): opening, grades, tasks, acknowledgements, escalations, notes."""

    __tablename__ = "emergency_incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("emergency_incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class WarehouseRow(Base):
    """A store of emergency supplies (物资储备库)."""

    __tablename__ = "emergency_warehouses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str] = mapped_column(String(64), default="")
    lng: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class SupplyRow(Base):
    """How much of one item a warehouse holds."""

    __tablename__ = "emergency_supplies"
    __table_args__ = (UniqueConstraint("warehouse_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("emergency_warehouses.id"), index=True)
    item: Mapped[str] = mapped_column(String(100), index=True)
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))


class SensorRow(Base):
    """A registered sensor: one metric of one monitoring station, with its place, grid cell and owner unit."""

    __tablename__ = "emergency_sensors"
    __table_args__ = (UniqueConstraint("station_id", "metric", name="uq_emergency_sensor_station_metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    sensor_type: Mapped[str] = mapped_column(String(30), index=True)
    metric: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(500), default="")
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(20), index=True)
    owner_unit_code: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReadingRow(Base):
    """One stored reading; (station, metric, ts) is unique, which makes ingestion idempotent."""

    __tablename__ = "emergency_readings"
    __table_args__ = (UniqueConstraint("station_id", "metric", "ts", name="uq_emergency_reading"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(40))
    ts: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MonitorStateRow(Base):
    """The rule engine's memory between batches (series within the rules' horizon, warning states, CAP chains).

    One row per monitor; ingestion locks it, so concurrent batches are evaluated one after another in order.
    """

    __tablename__ = "emergency_monitor_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
