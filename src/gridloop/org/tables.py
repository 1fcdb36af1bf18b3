"""Organisation tables: units (area offices, departments), people, API tokens, case categories."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class UnitRow(Base):
    """A node of the organisation tree: an area office (city…grid), a department or an enterprise."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # UnitKind
    level: Mapped[str] = mapped_column(String(20))  # Level the unit sits at
    handling_level: Mapped[int | None] = mapped_column(Integer)  # 承办单位 level 1–4
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    path: Mapped[str] = mapped_column(String(400), index=True)
    area_code: Mapped[str | None] = mapped_column(String(20), index=True)  # GB/T code when kind == area
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    parent: Mapped[UnitRow | None] = relationship(remote_side=[id], lazy="raise")


class UserRow(Base):
    """A person with one role, bound to one unit."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # Role
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[UnitRow] = relationship(lazy="joined")


class TokenRow(Base):
    """An API bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class CategoryRow(Base):
    """A case category (事项分类) as data: code, labels, parent for subcategories, active flag."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    kind: Mapped[str] = mapped_column(String(12), default="event")  # event (事件) | component (部件)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
