"""Open311 tables: API keys (only their digest is stored) and the requests each key submitted (token → number)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class Open311KeyRow(Base):
    """An API key for POST requests: a name, the account it submits as, its throttle, an optional webhook."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(64))
    per_minute: Mapped[int] = mapped_column(Integer, default=30)
    webhook_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)  # HMAC-SHA256 signing secret
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Open311RequestRow(Base):
    """A request a key submitted: its token and the case number it became (the last status told, for webhooks)."""

    __tablename__ = "open311_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(36), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id"))
    case_number: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(20), nullable=True)

    __table_args__ = (Index("ix_open311_requests_key_created", "key_id", "created_at"),)
