"""Notice tables: the notices each person got, the cases they follow, their channel preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class NoticeRow(Base):
    """One notice for one person (in-app); read when `read_at` is set. Rows are the live stream's event ids."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_user_id_id", "user_id", "id"),
        UniqueConstraint("user_id", "dedupe_key", name="uq_notices_user_dedupe"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # NoticeKind
    case_id: Mapped[int | None] = mapped_column(Integer)
    case_number: Mapped[str | None] = mapped_column(String(32))
    #: The fields the sentence is made of (number, masked title, labels of the action and status, reason …).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set where one fact must give one notice (a deadline reminder per deadline).
    dedupe_key: Mapped[str | None] = mapped_column(String(120))


class FollowRow(Base):
    """A person follows a case: every change on it becomes a notice for them."""

    __tablename__ = "notice_follows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PreferenceRow(Base):
    """A person's choice for one kind on one channel (overrides the role's default)."""

    __tablename__ = "notice_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # NoticeKind
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)  # NoticeChannel
    enabled: Mapped[bool] = mapped_column(Boolean)
