"""Patrol tasks (巡查任务) assigned to grid workers and their check-ins with position."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class PatrolTaskRow(Base):
    """A route or checklist a street office gives one grid worker."""

    __tablename__ = "patrol_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    route: Mapped[list[list[float]] | None] = mapped_column(JSON)  # [[lng, lat], …] in WGS-84
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_name: Mapped[str] = mapped_column(String(100))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_by_name: Mapped[str] = mapped_column(String(100))
    unit_path: Mapped[str] = mapped_column(String(400), index=True)  # the assignee's unit (scope)
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PatrolCheckinRow(Base):
    """One check-in on a task: an item done (or a point of the route passed), where and when."""

    __tablename__ = "patrol_checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("patrol_tasks.id"), index=True)
    item: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    crs: Mapped[str | None] = mapped_column(String(8))
    lng_wgs84: Mapped[float | None] = mapped_column(Float)
    lat_wgs84: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("task_id", "idempotency_key", name="uq_patrol_checkins_idem"),)
