"""Sensor registration and readings ingestion: register, edit, list, remove sensors; post readings in batches."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from gridloop.emergency.domain.rules import Reading
from gridloop.emergency.services import readings as rsvc
from gridloop.emergency.services import sensors as svc
from gridloop.emergency.services.incidents import require_command
from gridloop.platform.web.deps import ActorDep, DepsDep, UowDep

router = APIRouter(prefix="/api/v1/emergency", tags=["emergency"])

SensorType = Literal["rain_gauge", "water_level", "air_quality", "gas", "wind", "temperature", "structure", "other"]
Lng = Annotated[float, Field(ge=-180, le=180)]
SensorId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Lat = Annotated[float, Field(ge=-90, le=90)]


class SensorIn(BaseModel):
    """A sensor to register: one metric of one station, where it stands and who owns it."""

    station_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    metric: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    unit: str = Field(min_length=1, max_length=20)
    sensor_type: SensorType
    name: str = Field(default="", max_length=200)
    place: str = Field(default="", max_length=500)
    lng: Lng | None = None
    lat: Lat | None = None
    grid_code: str | None = Field(default=None, max_length=20)
    owner_unit_code: str = Field(default="", max_length=64)
    active: bool = True


class SensorPatch(BaseModel):
    """Fields to change; station and metric stay."""

    unit: str | None = Field(default=None, min_length=1, max_length=20)
    sensor_type: SensorType | None = None
    name: str | None = Field(default=None, max_length=200)
    place: str | None = Field(default=None, max_length=500)
    lng: Lng | None = None
    lat: Lat | None = None
    grid_code: str | None = Field(default=None, max_length=20)
    owner_unit_code: str | None = Field(default=None, max_length=64)
    active: bool | None = None


class ReadingIn(BaseModel):
    """One observation (the long format of the replay files)."""

    ts: datetime
    station_id: str = Field(min_length=1, max_length=64)
    metric: str = Field(min_length=1, max_length=40)
    value: float | None = Field(default=None, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=20)


class ReadingsIn(BaseModel):
    """A batch of readings."""

    readings: list[ReadingIn] = Field(min_length=1, max_length=rsvc.MAX_BATCH)


@router.get("/sensors", summary="List sensors")
def list_sensors(
    uow: UowDep,
    actor: ActorDep,
    sensor_type: SensorType | None = None,
    active: bool | None = None,
    station: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """Every registered sensor matching the filters, by station and metric."""
    rows = svc.list_sensors(uow.session, sensor_type=sensor_type, active=active, station=station)
    return {"items": [svc.sensor_to_dict(r) for r in rows], "total": len(rows)}


@router.post("/sensors", status_code=201, summary="Register a sensor")
def register(body: SensorIn, response: Response, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """One sensor per station and metric (409 when it exists); needs the grid cell or the point."""
    row = svc.register_sensor(uow, actor, svc.SensorData(**body.model_dump()), now=deps.clock.now())
    response.headers["Location"] = f"/api/v1/emergency/sensors/{row.id}"
    return svc.sensor_to_dict(row)


@router.get("/sensors/{sensor_id}", summary="One sensor")
def detail(sensor_id: SensorId, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """The sensor's registration."""
    return svc.sensor_to_dict(svc.get_sensor(uow.session, sensor_id))


@router.patch("/sensors/{sensor_id}", summary="Change a sensor")
def update(sensor_id: SensorId, body: SensorPatch, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Change place, owner, unit, type or switch it off (`active: false`: its readings are then refused)."""
    data = svc.SensorData(**body.model_dump(exclude_unset=True))
    return svc.sensor_to_dict(svc.update_sensor(uow, actor, sensor_id, data, now=deps.clock.now()))


@router.delete("/sensors/{sensor_id}", status_code=204, summary="Remove a sensor")
def delete(sensor_id: SensorId, uow: UowDep, actor: ActorDep) -> Response:
    """Its registration goes; readings already stored stay."""
    svc.delete_sensor(uow, actor, sensor_id)
    return Response(status_code=204)


@router.post("/readings", summary="Ingest a batch of readings")
def ingest(body: ReadingsIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Store new readings (duplicates of station, metric and time are skipped) and run them through the rules.

    Every row is validated first; any problem refuses the whole batch with each row named in errors[].
    The answer counts what was stored, skipped and late, and lists the warning messages the batch caused.
    """
    require_command(actor)
    batch = [Reading(ts=r.ts, station_id=r.station_id, metric=r.metric, value=r.value, unit=r.unit)
             for r in body.readings]  # fmt: skip
    monitors = rsvc.live_monitors(deps.readings_partitions)
    result = rsvc.ingest_readings(uow, batch, monitor=monitors, outbox=deps.outbox, now=deps.clock.now())
    return result.as_dict()
