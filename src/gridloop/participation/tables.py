"""Participation tables: campaigns, suggestions, themes, and the outcome notices proposers are sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class CampaignRow(Base):
    """A suggestion campaign (专项人民建议征集): topic, period, owner, channels, questions."""

    __tablename__ = "participation_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    topic: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    owner_user: Mapped[str] = mapped_column(String(64))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20))  # CampaignStatus
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    clustered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ThemeRow(Base):
    """A theme of a campaign: label and key terms (proposed by clustering, editable), department, answer."""

    __tablename__ = "participation_themes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("participation_campaigns.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    key_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    representative_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    edited_by: Mapped[str] = mapped_column(String(64), default="")
    department_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SuggestionRow(Base):
    """One suggestion from any channel, its duplicate link, theme, department and answer."""

    __tablename__ = "participation_suggestions"
    __table_args__ = (Index("ix_participation_suggestions_campaign_key", "campaign_id", "text_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("participation_campaigns.id"), index=True)
    receipt: Mapped[str] = mapped_column(String(20), unique=True)  # the proposer looks the outcome up with it
    channel: Mapped[str] = mapped_column(String(20))  # SuggestionChannel
    source_ref: Mapped[str] = mapped_column(String(64), default="")  # hotline case number, roundtable id, letter no.
    question: Mapped[int | None] = mapped_column(Integer, nullable=True)
    proposer_name: Mapped[str] = mapped_column(String(100), default="")
    proposer_contact: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(40))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("participation_suggestions.id"), nullable=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("participation_themes.id"), nullable=True, index=True)
    department_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)  # Outcome
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_by: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutcomeNoticeRow(Base):
    """A notice telling a proposer the outcome: written in the answer's transaction, ready for the outbox."""

    __tablename__ = "participation_outcome_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("participation_suggestions.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("participation_campaigns.id"))
    recipient: Mapped[str] = mapped_column(String(120), default="")  # contact; empty: web lookup by receipt only
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending | handed_over
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
