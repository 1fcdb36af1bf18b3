"""Interchange tables: import batches of a city's history, export definitions ("report once") and their runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class CaseImportRow(Base):
    """One loaded file of historical work orders (all its rows or none)."""

    __tablename__ = "case_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ExportDefinitionRow(Base):
    """What one recipient gets, how often ("只报一次": defined once, produced on schedule, never re-typed)."""

    __tablename__ = "export_definitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    recipient_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    recipient: Mapped[str] = mapped_column(String(200))  # who receives it, as shown (unit name or an address)
    kind: Mapped[str] = mapped_column(String(16))  # ExportKind
    format: Mapped[str] = mapped_column(String(8))  # xlsx | csv
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    schedule: Mapped[str] = mapped_column(String(8))  # Schedule: daily | weekly | monthly
    hour: Mapped[int] = mapped_column(Integer, default=8)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExportRunRow(Base):
    """One produced export file."""

    __tablename__ = "export_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("export_definitions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
