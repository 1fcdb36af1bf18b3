"""Triage tables: a city's category rules and labelled examples, and the active classifier artifact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base

UTCDateTime = DateTime(timezone=True)


class CategoryRuleRow(Base):
    """Phrases that send a report to a category (override) or lean it there (boost)."""

    __tablename__ = "triage_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(50), index=True)
    phrases: Mapped[list[str]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(20), default="boost")  # override | boost
    weight: Mapped[float] = mapped_column(Float, default=0.35)
    note: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LabeledExampleRow(Base):
    """A message an administrator filed under a category; applied at once and folded in on retraining."""

    __tablename__ = "triage_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(50), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ModelArtifactRow(Base):
    """A classifier artifact known to this deployment; at most one is active (used by intake)."""

    __tablename__ = "triage_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), default="")
    card: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime)


TRIAGE_TABLES = [CategoryRuleRow.__table__, LabeledExampleRow.__table__, ModelArtifactRow.__table__]
