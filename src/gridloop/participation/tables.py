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
    roundtable_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation_roundtables.id"), nullable=True, index=True
    )
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


class RoundtableRow(Base):
    """A citizens' roundtable (市民圆桌会): when, where, who hosts, agenda, minutes, its campaign."""

    __tablename__ = "participation_roundtables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("participation_campaigns.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    host_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    capacity: Mapped[int] = mapped_column(Integer, default=30)
    agenda: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # RoundtableStatus


class RoundtableParticipantRow(Base):
    """Someone invited to or registered for a roundtable, and whether they came."""

    __tablename__ = "participation_roundtable_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roundtable_id: Mapped[int] = mapped_column(ForeignKey("participation_roundtables.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(120), default="")
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))  # ParticipantKind
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class RoundtableActionRow(Base):
    """A follow-up action agreed at a roundtable: what, who owns it, by when, and its result."""

    __tablename__ = "participation_roundtable_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roundtable_id: Mapped[int] = mapped_column(ForeignKey("participation_roundtables.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result: Mapped[str] = mapped_column(Text, default="")


class ConsultationRow(Base):
    """A draft decision published for comment (决策公众参与), with its drafting department."""

    __tablename__ = "participation_consultations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    drafting_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # {title, url}
    status: Mapped[str] = mapped_column(String(20))  # ConsultationStatus
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DraftVersionRow(Base):
    """One version of the draft's text (the first is the one published; later ones after opinions)."""

    __tablename__ = "participation_draft_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("participation_consultations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingRow(Base):
    """A meeting on the draft to which public representatives are invited (e.g. the executive meeting)."""

    __tablename__ = "participation_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("participation_consultations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")


class RepresentativeRow(Base):
    """A public representative invited to a meeting: invitation, confirmation, attendance."""

    __tablename__ = "participation_representatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("participation_meetings.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(120), default="")
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class OpinionRow(Base):
    """One opinion on a draft (online or spoken), the drafting department's response, and what changed."""

    __tablename__ = "participation_opinions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("participation_consultations.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # OpinionSource
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("participation_meetings.id"), nullable=True)
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("participation_representatives.id"), nullable=True)
    author_name: Mapped[str] = mapped_column(String(100), default="")
    clause: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)  # Outcome
    response: Mapped[str] = mapped_column(Text, default="")
    change: Mapped[str] = mapped_column(Text, default="")  # what changed in the text because of it
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    responded_by: Mapped[str] = mapped_column(String(64), default="")
