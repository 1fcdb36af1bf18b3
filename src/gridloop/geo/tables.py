"""Geography tables: area shapes (district … unit grid cell), duty grids (责任网格), duty roles, assignments.

Geometry is stored as WKB (shapely 2 `to_wkb`/`from_wkb`, vectorised) in WGS-84 longitude/latitude, with
bounding-box columns for cheap filtering in SQL. See docs/geography.md for the CRS choice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base

UTCDateTime = DateTime(timezone=True)


class AreaShapeRow(Base):
    """One area's boundary: district, street, community or unit grid cell (万米单元网格)."""

    __tablename__ = "geo_areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # GB/T 30428 code (6/9/12/14 digits)
    level: Mapped[str] = mapped_column(String(20))  # Level value: district | street | community | grid
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(20), index=True)
    geometry: Mapped[bytes] = mapped_column(LargeBinary)  # WKB, WGS-84 lng/lat
    min_lng: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lng: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    duty_grid_id: Mapped[int | None] = mapped_column(ForeignKey("geo_duty_grids.id"), index=True)  # cells only
    source: Mapped[str] = mapped_column(String(200), default="")  # file name or "demo"
    source_crs: Mapped[str] = mapped_column(String(8), default="wgs84")  # CRS of the imported file
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_geo_areas_level_code", "level", "code"),
        Index("ix_geo_areas_bbox", "min_lng", "max_lng", "min_lat", "max_lat"),
    )


class DutyGridRow(Base):
    """A 责任网格: the 多格合一 comprehensive grid, a group of unit cells inside one community."""

    __tablename__ = "geo_duty_grids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # community code + "G" + 2-digit sequence
    name: Mapped[str] = mapped_column(String(200))
    community_code: Mapped[str] = mapped_column(String(20), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # org unit, level grid
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary)  # union of its cells, WKB WGS-84
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DutyRoleRow(Base):
    """A duty role carried by every duty grid (城运, 警务, 综治, 党建, … configurable)."""

    __tablename__ = "geo_duty_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class DutyAssignmentRow(Base):
    """A grid worker (users.id) on duty for one role in one duty grid."""

    __tablename__ = "geo_duty_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duty_grid_id: Mapped[int] = mapped_column(ForeignKey("geo_duty_grids.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("geo_duty_roles.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("duty_grid_id", "role_id", "user_id", name="uq_geo_duty_assignments_grid_role_user"),
    )
