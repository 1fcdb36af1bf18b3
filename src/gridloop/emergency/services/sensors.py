"""Sensors as use cases: register one metric of a monitoring station, edit it, switch it off, list them."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.emergency.services.incidents import require_command
from gridloop.emergency.tables import SensorRow
from gridloop.kernel.errors import Conflict, NotFound, ValidationProblems
from gridloop.kernel.org import Actor
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit

# type -> (中文, English); the console shows the Chinese name
SENSOR_TYPES: dict[str, tuple[str, str]] = {
    "rain_gauge": ("雨量计", "Rain gauge"),
    "water_level": ("水位计", "Water level gauge"),
    "air_quality": ("空气质量监测", "Air quality monitor"),
    "gas": ("可燃气体探测", "Gas detector"),
    "wind": ("风速风向仪", "Anemometer"),
    "temperature": ("温度计", "Thermometer"),
    "structure": ("结构安全监测", "Structural monitor"),
    "other": ("其他", "Other"),
}
IDENTIFIER = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")  # a CAP subject and a NATS subject token: no spaces, commas, dots
METRIC = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class SensorData:
    """A sensor as registered or edited (None: unchanged on edit)."""

    station_id: str | None = None
    metric: str | None = None
    unit: str | None = None
    sensor_type: str | None = None
    name: str | None = None
    place: str | None = None
    lng: float | None = None
    lat: float | None = None
    grid_code: str | None = None
    owner_unit_code: str | None = None
    active: bool | None = None


def _check(session: Session, data: SensorData, *, new: bool) -> None:
    problems = ValidationProblems()
    if (new or data.station_id is not None) and (not data.station_id or not IDENTIFIER.match(data.station_id)):
        problems.add("station_id", "1–64 letters, digits, '_' or '-' (no spaces, commas or dots)")
    if (new or data.metric is not None) and (not data.metric or not METRIC.match(data.metric)):
        problems.add("metric", "1–40 lower-case letters, digits or '_' (e.g. precip_1h)")
    if (new or data.unit is not None) and (not data.unit or not data.unit.strip() or len(data.unit) > 20):
        problems.add("unit", "a unit of 1–20 characters (e.g. mm)")
    if (new or data.sensor_type is not None) and data.sensor_type not in SENSOR_TYPES:
        problems.add("sensor_type", f"one of {', '.join(SENSOR_TYPES)}")
    if (data.lng is None) != (data.lat is None):
        problems.add("lat", "give both lng and lat, or neither")
    if data.lng is not None and not -180 <= data.lng <= 180:
        problems.add("lng", "WGS 84 longitude in -180…180")
    if data.lat is not None and not -90 <= data.lat <= 90:
        problems.add("lat", "WGS 84 latitude in -90…90")
    if data.grid_code and (not data.grid_code.isdigit() or len(data.grid_code) > 20):
        problems.add("grid_code", "a grid cell code is up to 20 digits")
    if new and not data.grid_code and data.lng is None:
        problems.add("grid_code", "give the grid cell or the point (lng/lat) where the sensor stands")
    if data.owner_unit_code:
        try:
            get_unit(session, data.owner_unit_code)
        except NotFound:
            problems.add("owner_unit_code", f"no unit '{data.owner_unit_code}'")
    problems.raise_if_any("The sensor has problems; see errors[].")


def register_sensor(uow: UnitOfWork, actor: Actor, data: SensorData, *, now: datetime) -> SensorRow:
    """Register a sensor (active unless said otherwise); one per station and metric; commit."""
    require_command(actor)
    session = uow.session
    _check(session, data, new=True)
    assert data.station_id and data.metric and data.unit and data.sensor_type
    taken = session.scalar(
        select(SensorRow.id).where(SensorRow.station_id == data.station_id, SensorRow.metric == data.metric)
    )
    if taken is not None:
        raise Conflict(f"station '{data.station_id}' already has a '{data.metric}' sensor")
    row = SensorRow(
        station_id=data.station_id, metric=data.metric, unit=data.unit.strip(), sensor_type=data.sensor_type,
        name=(data.name or "").strip(), place=(data.place or "").strip(), lng=data.lng, lat=data.lat,
        grid_code=data.grid_code or None, owner_unit_code=data.owner_unit_code or "",
        active=True if data.active is None else data.active, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(row)
    uow.commit()
    return row


def get_sensor(session: Session, sensor_id: int) -> SensorRow:
    """One sensor, or NotFound."""
    row = session.get(SensorRow, sensor_id)
    if row is None:
        raise NotFound(f"No sensor {sensor_id}.")
    return row


def update_sensor(uow: UnitOfWork, actor: Actor, sensor_id: int, data: SensorData, *, now: datetime) -> SensorRow:
    """Change the given fields (station and metric stay: readings are keyed by them); commit."""
    require_command(actor)
    session = uow.session
    row = get_sensor(session, sensor_id)
    if data.station_id not in (None, row.station_id) or data.metric not in (None, row.metric):
        raise Conflict("station_id and metric identify the readings; register a new sensor instead")
    merged = SensorData(**{f.name: getattr(data, f.name) for f in fields(SensorData)})
    if merged.lng is None and merged.lat is None:
        merged = SensorData(**{**merged.__dict__, "lng": row.lng, "lat": row.lat})
    _check(session, merged, new=False)
    for name in ("unit", "sensor_type", "name", "place", "lng", "lat", "grid_code", "owner_unit_code", "active"):
        value = getattr(merged, name)
        if value is not None:
            setattr(row, name, value.strip() if isinstance(value, str) and name != "grid_code" else value)
    row.updated_at = now
    uow.commit()
    return row


def delete_sensor(uow: UnitOfWork, actor: Actor, sensor_id: int) -> None:
    """Remove a sensor's registration (its stored readings stay); commit."""
    require_command(actor)
    uow.session.delete(get_sensor(uow.session, sensor_id))
    uow.commit()


def list_sensors(
    session: Session, *, sensor_type: str | None = None, active: bool | None = None, station: str | None = None
) -> list[SensorRow]:
    """Sensors by station and metric, filtered."""
    stmt = select(SensorRow).order_by(SensorRow.station_id, SensorRow.metric)
    if sensor_type:
        stmt = stmt.where(SensorRow.sensor_type == sensor_type)
    if active is not None:
        stmt = stmt.where(SensorRow.active.is_(active))
    if station:
        stmt = stmt.where(SensorRow.station_id == station)
    return list(session.scalars(stmt))


def sensor_to_dict(row: SensorRow) -> dict[str, Any]:
    """A sensor as JSON (with its type's names)."""
    zh, en = SENSOR_TYPES.get(row.sensor_type, (row.sensor_type, row.sensor_type))
    return {
        "id": row.id, "station_id": row.station_id, "metric": row.metric, "unit": row.unit,
        "sensor_type": row.sensor_type, "sensor_type_zh": zh, "sensor_type_en": en, "name": row.name,
        "place": row.place, "lng": row.lng, "lat": row.lat, "grid_code": row.grid_code,
        "owner_unit_code": row.owner_unit_code, "active": row.active,
        "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat(),
    }  # fmt: skip
