"""The grid worker's overview: my grid's outline, its open cases and hazards, and my own reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases.services import OPEN_STATUSES, Status, queries
from gridloop.cases.services.attachments import attachments_of
from gridloop.emergency.services import hazard_queries
from gridloop.geo.services.geography import area_layer
from gridloop.kernel.errors import DomainError
from gridloop.kernel.org import Actor
from gridloop.platform.org.tables import UnitRow

OPEN_HAZARDS = ["found", "registered", "assessed", "assigned", "rectifying"]


def my_grid(session: Session, actor: Actor) -> dict[str, Any]:
    """The actor's unit and its outline as GeoJSON (the duty grid, else the grid cell; empty without shapes)."""
    unit = session.get(UnitRow, actor.unit_id)
    code = unit.area_code if unit is not None else None
    outline: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if code:
        for level in ("duty_grid", "grid", "community"):
            try:
                layer = area_layer(session, level=level, within=code)
            except DomainError:
                continue
            if layer["features"]:
                outline = layer
                break
    return {"code": code, "name": unit.name if unit is not None else "", "outline": outline}


def _point(case: Any, lang: str = "zh") -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_label": Status(case.status).label(lang),
        "status_colour": Status(case.status).colour,
        "category": case.category,
        "received_at": case.received_at.isoformat(),
        "lng": case.lng_wgs84,
        "lat": case.lat_wgs84,
        "address": case.address,
        "resolved_on_spot": case.closure_kind == "on_spot",
    }


def open_cases(
    session: Session, actor: Actor, *, now: datetime, limit: int = 100, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Open cases in the actor's scope (their grid), newest first, with WGS-84 points."""
    f = queries.CaseFilter(status=[s.value for s in OPEN_STATUSES])
    rows, _ = queries.list_cases(
        session, actor, f, now=now, page=1, per_page=limit, sort="-received_at", with_total=False
    )
    return [_point(c, lang) for c in rows]


def open_hazards(session: Session, actor: Actor, *, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Open hazards of the register in the actor's scope (none when the role may not read the register)."""
    try:
        f = hazard_queries.HazardFilter(status=OPEN_HAZARDS)
        rows, _ = hazard_queries.list_hazards(session, actor, f, now=now, page=1, per_page=limit)
    except DomainError:
        return []
    return [
        {"id": r.id, "number": r.number, "title": r.title, "lng": r.lng, "lat": r.lat, "colour": r.colour} for r in rows
    ]


def my_reports(session: Session, actor: Actor, *, limit: int = 50, lang: str = "zh") -> list[dict[str, Any]]:
    """The cases the actor reported, newest first, with their progress and photo count."""
    rows = queries.reported_by(session, actor, limit=limit)
    files = attachments_of(session, [c.id for c in rows])
    out = []
    for c in rows:
        d = _point(c, lang)
        d["photos"] = len(files.get(c.id, []))
        d["closed"] = Status(c.status) not in OPEN_STATUSES
        out.append(d)
    return out
