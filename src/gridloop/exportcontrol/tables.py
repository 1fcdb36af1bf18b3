"""Export-control tables: every screening (input + answer, for audit), administrator settings, list snapshots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class ExportScreeningRow(Base):
    """One screening as it was answered: the input, the full answer, who asked, when, and through what."""

    __tablename__ = "export_screenings"
    __table_args__ = (Index("ix_export_screenings_screened_at", "screened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), default="", index=True)
    export_date: Mapped[date] = mapped_column(Date)
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    screened_by: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(20))  # cli | api | batch | console
    batch_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    input: Mapped[dict[str, Any]] = mapped_column(JSON)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    licence_required_any: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    conditional: Mapped[bool] = mapped_column(Boolean, default=False)


class ExportControlSettingRow(Base):
    """An administrator setting (after-suspension status, valuation basis, currency rates), with who confirmed it."""

    __tablename__ = "export_control_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    confirmed_by: Mapped[str] = mapped_column(String(64), default="")
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class ExportControlListEntryRow(Base):
    """One entry of a dated snapshot of the MOFCOM 管控名单 (control) or 关注名单 (watch)."""

    __tablename__ = "export_control_list_entries"
    __table_args__ = (Index("ix_export_control_list_entries_kind_as_of", "list_kind", "as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_kind: Mapped[str] = mapped_column(String(20))  # control | watch
    as_of: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    country: Mapped[str] = mapped_column(String(60), default="")
    listed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(String(300), default="")
    imported_by: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
