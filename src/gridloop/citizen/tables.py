"""The public site's tables: what a resident's report shows publicly and their feedback; spent challenges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class PublicReportRow(Base):
    """A case reported on the public site: its tracking secret (hashed), the moderated public text, the blurred
    point, and the resident's feedback."""

    __tablename__ = "public_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    case_number: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: SHA-256 of the sender's network address (the per-address limit, counted by every process).
    address_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    public_text: Mapped[str] = mapped_column(Text)  # personal data masked; shown only when approved
    category: Mapped[str | None] = mapped_column(String(64))
    private: Mapped[bool] = mapped_column(default=False)  # a private category: never listed or mapped
    district_code: Mapped[str | None] = mapped_column(String(20), index=True)
    lng: Mapped[float | None] = mapped_column(Float)  # blurred
    lat: Mapped[float | None] = mapped_column(Float)
    moderation: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    moderated_by: Mapped[str | None] = mapped_column(String(100))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback: Mapped[str | None] = mapped_column(String(12))
    feedback_note: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(Integer)  # 1–5, the resident's rating of the reply
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SpentChallengeRow(Base):
    """A proof-of-work challenge already used (each solves one report)."""

    __tablename__ = "public_spent_challenges"

    token: Mapped[str] = mapped_column(String(120), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
