"""Teams and supplies as use cases: register, recommend the nearest capable teams, send them, stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.emergency.adapters.travel import StraightLine
from gridloop.emergency.domain.teams import Candidate, Ranked, TeamStatus, TravelTimes
from gridloop.emergency.services.incidents import (
    DEFAULT_ACK_MINUTES,
    NewTask,
    add_task_row,
    get_incident,
    require_command,
)
from gridloop.emergency.tables import IncidentTaskRow, SupplyRow, TeamRow, WarehouseRow
from gridloop.kernel.errors import Conflict, InvalidInput, NotFound
from gridloop.kernel.org import Actor
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit


@dataclass(frozen=True)
class NewTeam:
    """A response team as registered."""

    code: str
    name: str
    skills: list[str]
    size: int
    lng: float
    lat: float
    unit_code: str = ""
    on_duty: bool = True
    phone: str = ""


def _point(lng: float, lat: float) -> None:
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise InvalidInput("lng/lat are out of range (WGS 84 degrees)")


def add_team(uow: UnitOfWork, actor: Actor, data: NewTeam, *, now: datetime) -> TeamRow:
    """Register a team (status 待命); commit."""
    require_command(actor)
    session = uow.session
    if not data.code.strip() or not data.name.strip():
        raise InvalidInput("a team needs a code and a name")
    skills = sorted({s.strip() for s in data.skills if s.strip()})
    if not skills or data.size < 1:
        raise InvalidInput("a team needs at least one skill and one member")
    _point(data.lng, data.lat)
    if data.unit_code:
        get_unit(session, data.unit_code)
    if session.scalar(select(TeamRow).where(TeamRow.code == data.code.strip())) is not None:
        raise Conflict(f"team code '{data.code}' exists")
    row = TeamRow(code=data.code.strip(), name=data.name.strip(), unit_code=data.unit_code, skills=skills,
                  size=data.size, lng=data.lng, lat=data.lat, on_duty=data.on_duty,
                  status=TeamStatus.AVAILABLE.value, phone=data.phone.strip())  # fmt: skip
    session.add(row)
    uow.commit()
    return row


def set_team_state(
    uow: UnitOfWork, actor: Actor, code: str, *, now: datetime, on_duty: bool | None = None, status: str | None = None
) -> TeamRow:
    """Put a team on or off duty, or mark it available/unavailable; commit."""
    require_command(actor)
    row = uow.session.scalar(select(TeamRow).where(TeamRow.code == code))
    if row is None:
        raise NotFound(f"No team with code '{code}'.")
    if on_duty is not None:
        row.on_duty = on_duty
    if status is not None:
        if status not in (TeamStatus.AVAILABLE.value, TeamStatus.UNAVAILABLE.value):
            raise InvalidInput("status is set to available or unavailable (deployed comes with a task)")
        row.status = status
    uow.commit()
    return row


def list_teams(session: Session, *, skill: str | None = None) -> list[TeamRow]:
    """Teams by code, optionally only those with a skill."""
    rows = session.scalars(select(TeamRow).order_by(TeamRow.code)).all()
    return [r for r in rows if skill is None or skill in r.skills]


def recommend(
    session: Session, *, skill: str, lng: float, lat: float, n: int, travel: TravelTimes | None = None
) -> list[tuple[TeamRow, Ranked]]:
    """The n nearest available, on-duty teams with the skill (straight line unless a road-network port is given)."""
    if n < 1:
        raise InvalidInput("n is at least 1")
    rows = session.scalars(
        select(TeamRow).where(TeamRow.on_duty.is_(True), TeamRow.status == TeamStatus.AVAILABLE.value)
    ).all()
    capable = {r.id: r for r in rows if skill in r.skills}
    candidates = [Candidate(r.id, r.lng, r.lat) for r in capable.values()]
    ranked = (travel or StraightLine()).rank(lng, lat, candidates, limit=n)
    return [(capable[r.team_id], r) for r in ranked[:n]]


def send_teams(
    uow: UnitOfWork, actor: Actor, incident_id: int, *, skill: str, n: int, now: datetime, title: str = "",
    ack_minutes: int = DEFAULT_ACK_MINUTES, travel: TravelTimes | None = None,
) -> list[IncidentTaskRow]:  # fmt: skip
    """Send N teams with skill S to the incident, nearest first; each gets a task to acknowledge; commit once."""
    require_command(actor)
    session = uow.session
    incident = get_incident(session, actor, incident_id)
    if incident.lng is None or incident.lat is None:
        raise InvalidInput("the incident has no point; nearest teams need one")
    chosen = recommend(session, skill=skill, lng=incident.lng, lat=incident.lat, n=n, travel=travel)
    if len(chosen) < n:
        raise Conflict(f"only {len(chosen)} available on-duty teams with skill '{skill}' (asked for {n})")
    made = []
    for team, ranked in chosen:
        task = NewTask(title=title or f"{skill}：{incident.title}", ack_minutes=ack_minutes)
        made.append(add_task_row(session, actor, incident, task, now=now, team=team, distance_km=ranked.distance_km))
    uow.commit()
    return made


def team_to_dict(row: TeamRow, ranked: Ranked | None = None) -> dict[str, Any]:
    """A team as JSON (with distance and minutes when ranked)."""
    d: dict[str, Any] = {
        "id": row.id, "code": row.code, "name": row.name, "unit_code": row.unit_code, "skills": row.skills,
        "size": row.size, "lng": row.lng, "lat": row.lat, "on_duty": row.on_duty, "status": row.status,
        "status_zh": TeamStatus(row.status).zh,
    }  # fmt: skip
    if ranked is not None:
        d.update(distance_km=ranked.distance_km, minutes=ranked.minutes)
    return d


# --- supplies --------------------------------------------------------------------------------------------------
def add_warehouse(
    uow: UnitOfWork, actor: Actor, *, code: str, name: str, lng: float, lat: float, unit_code: str = ""
) -> WarehouseRow:
    """Register a warehouse of supplies; commit."""
    require_command(actor)
    if not code.strip() or not name.strip():
        raise InvalidInput("a warehouse needs a code and a name")
    _point(lng, lat)
    if unit_code:
        get_unit(uow.session, unit_code)
    if uow.session.scalar(select(WarehouseRow).where(WarehouseRow.code == code.strip())) is not None:
        raise Conflict(f"warehouse code '{code}' exists")
    row = WarehouseRow(code=code.strip(), name=name.strip(), lng=lng, lat=lat, unit_code=unit_code)
    uow.session.add(row)
    uow.commit()
    return row


def adjust_stock(uow: UnitOfWork, actor: Actor, *, warehouse: str, item: str, delta: float, unit: str) -> SupplyRow:
    """Add (or take, with a negative delta) an item in a warehouse; stock never goes below zero; commit."""
    require_command(actor)
    session = uow.session
    wh = session.scalar(select(WarehouseRow).where(WarehouseRow.code == warehouse))
    if wh is None:
        raise NotFound(f"No warehouse with code '{warehouse}'.")
    if not item.strip() or not unit.strip():
        raise InvalidInput("an item needs a name and a unit of measure")
    row = session.scalar(select(SupplyRow).where(SupplyRow.warehouse_id == wh.id, SupplyRow.item == item.strip()))
    if row is None:
        row = SupplyRow(warehouse_id=wh.id, item=item.strip(), quantity=0.0, unit=unit.strip())
        session.add(row)
    elif row.unit != unit.strip():
        raise InvalidInput(f"{item} is counted in {row.unit} here")
    if row.quantity + delta < 0:
        raise Conflict(f"only {row.quantity:g} {row.unit} of {item} in {wh.name}")
    row.quantity = row.quantity + delta
    uow.commit()
    return row


def stock(session: Session, *, item: str | None = None) -> list[dict[str, Any]]:
    """What each warehouse holds (optionally one item), by warehouse code."""
    q = select(WarehouseRow, SupplyRow).join(SupplyRow, SupplyRow.warehouse_id == WarehouseRow.id)
    if item:
        q = q.where(SupplyRow.item == item)
    return [
        {"warehouse": w.code, "name": w.name, "lng": w.lng, "lat": w.lat, "item": s.item, "quantity": s.quantity,
         "unit": s.unit}
        for w, s in session.execute(q.order_by(WarehouseRow.code, SupplyRow.item))
    ]  # fmt: skip
