"""Emergency tables: every CAP warning message gridloop made (the log a duty officer and a drill review read)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, Text
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
