"""Team and supply routes: register teams, duty and status, warehouses and stock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridloop.emergency.services import teams as svc
from gridloop.platform.web.deps import ActorDep, DepsDep, UowDep

router = APIRouter(prefix="/api/v1/emergency", tags=["emergency"])


class TeamIn(BaseModel):
    """A response team."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    skills: list[str] = Field(min_length=1, max_length=20)
    size: int = Field(ge=1, le=10000)
    lng: float
    lat: float
    unit_code: str = Field(default="", max_length=64)
    on_duty: bool = True
    phone: str = Field(default="", max_length=32)


class TeamStateIn(BaseModel):
    """Duty and availability."""

    on_duty: bool | None = None
    status: str | None = Field(default=None, max_length=20)


class WarehouseIn(BaseModel):
    """A warehouse of supplies."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    lng: float
    lat: float
    unit_code: str = Field(default="", max_length=64)


class StockIn(BaseModel):
    """Add (positive) or take (negative) an amount of an item."""

    item: str = Field(min_length=1, max_length=100)
    delta: float
    unit: str = Field(min_length=1, max_length=20)


@router.get("/teams", summary="Response teams")
def teams(uow: UowDep, actor: ActorDep, skill: str | None = None) -> dict[str, Any]:
    """Every team (or those with a skill), by code."""
    return {"items": [svc.team_to_dict(t) for t in svc.list_teams(uow.session, skill=skill)]}


@router.post("/teams", status_code=201, summary="Register a team")
def add_team(body: TeamIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Skills, size, base point; status 待命."""
    return svc.team_to_dict(svc.add_team(uow, actor, svc.NewTeam(**body.model_dump()), now=deps.clock.now()))


@router.post("/teams/{code}/state", summary="Duty and availability of a team")
def team_state(code: str, body: TeamStateIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """On or off duty; available or unavailable."""
    row = svc.set_team_state(uow, actor, code, now=deps.clock.now(), on_duty=body.on_duty, status=body.status)
    return svc.team_to_dict(row)


@router.post("/warehouses", status_code=201, summary="Register a warehouse")
def add_warehouse(body: WarehouseIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """A store of emergency supplies."""
    row = svc.add_warehouse(uow, actor, **body.model_dump())
    return {"id": row.id, "code": row.code, "name": row.name, "lng": row.lng, "lat": row.lat}


@router.post("/warehouses/{code}/stock", summary="Add or take supplies")
def adjust(code: str, body: StockIn, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Stock never goes below zero."""
    row = svc.adjust_stock(uow, actor, warehouse=code, item=body.item, delta=body.delta, unit=body.unit)
    return {"warehouse": code, "item": row.item, "quantity": row.quantity, "unit": row.unit}


@router.get("/supplies", summary="Supplies per warehouse")
def supplies(uow: UowDep, actor: ActorDep, item: str | None = None) -> dict[str, Any]:
    """What each warehouse holds."""
    return {"items": svc.stock(uow.session, item=item)}
