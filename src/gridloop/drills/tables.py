"""Drill runs and what happened in them (migration 0063)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class DrillRunRow(Base):
    """One run of a scenario: its mode, its simulated clock, the roles' participants, its score once ended."""

    __tablename__ = "drill_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(64), index=True)
    scenario_version: Mapped[int] = mapped_column(Integer, default=1)
    scenario_text: Mapped[str] = mapped_column(Text)  # the scenario as run (a later edit never changes a score)
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20))  # exercise | tabletop
    status: Mapped[str] = mapped_column(String(20), index=True)  # running | ended
    auto: Mapped[bool] = mapped_column(default=False)
    clock: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # domain.clock segments
    participants: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # role id → username
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the scored items once ended


class DrillEventRow(Base):
    """The run's own log: injects delivered, decisions recorded, clock changes, messages to roles."""

    __tablename__ = "drill_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # inject | decision | clock | message | end
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    sim_minutes: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64), default="")  # the inject id, the expected action id …
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
