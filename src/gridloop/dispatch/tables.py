"""Dispatch tables: calendar overrides and the versioned dispatch catalogue (派单目录); categories are in tables.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class CalendarOverrideRow(Base):
    """An exception to the official calendar: a local holiday, a typhoon day, an extra working day."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CatalogueVersionRow(Base):
    """One version of the dispatch catalogue: who changed what, when. The highest id is the active one."""

    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))  # csv | api | demo
    note: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"added": n, "removed": n, ...}
    rule_count: Mapped[int] = mapped_column(Integer, default=0)


class CatalogueRuleRow(Base):
    """One routing rule of one catalogue version: category × area → lead unit, co-units, time limits."""

    __tablename__ = "catalogue_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id"))
    category: Mapped[str] = mapped_column(String(64))
    subcategory: Mapped[str | None] = mapped_column(String(64))
    area_code: Mapped[str] = mapped_column(String(20))
    lead_unit_code: Mapped[str] = mapped_column(String(32))
    co_unit_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    limits: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # request_type -> "5wd"
    principle: Mapped[str] = mapped_column(String(20), default="locality_first")
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_catalogue_rules_version_category", "version_id", "category"),)
