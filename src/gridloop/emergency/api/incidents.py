"""Incident routes: open (also from a warning), command actions, tasks and their acknowledgement, 四早 KPIs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from gridloop.emergency.services import incident_queries as iq
from gridloop.emergency.services import incidents as svc
from gridloop.emergency.services import teams as team_svc
from gridloop.platform.web.deps import ActorDep, DepsDep, UowDep

router = APIRouter(prefix="/api/v1/emergency/incidents", tags=["emergency"])


class IncidentIn(BaseModel):
    """A new incident."""

    title: str = Field(min_length=1, max_length=200)
    type: str = Field(max_length=20)
    grade: str = Field(max_length=4)
    found_at: datetime
    reported_at: datetime | None = None
    description: str = Field(default="", max_length=5000)
    commander: str = Field(default="", max_length=100)
    grid_code: str | None = Field(default=None, max_length=20)
    lng: float | None = None
    lat: float | None = None
    address: str = Field(default="", max_length=500)
    case_number: str | None = Field(default=None, max_length=32)


class FromWarningIn(BaseModel):
    """Open an incident from a stored warning message."""

    identifier: str = Field(min_length=1, max_length=64)
    grade: str | None = Field(default=None, max_length=4)
    type: str = Field(default="natural_disaster", max_length=20)
    commander: str = Field(default="", max_length=100)


class SectionIn(BaseModel):
    """A section of the command post (抢险、医疗、后勤 …)."""

    name: str = Field(min_length=1, max_length=50)
    lead: str = Field(default="", max_length=100)


class IncidentActionIn(BaseModel):
    """One command action; only the fields the action needs are read."""

    action: str = Field(max_length=20)
    grade: str | None = Field(default=None, max_length=4)
    commander: str | None = Field(default=None, max_length=100)
    sections: list[SectionIn] | None = None
    mark: str | None = Field(default=None, max_length=20)
    at: datetime | None = None
    text: str = Field(default="", max_length=20000)


class TaskIn(BaseModel):
    """A task for a unit or a team."""

    title: str = Field(min_length=1, max_length=200)
    unit_code: str = Field(default="", max_length=64)
    team_code: str = Field(default="", max_length=32)
    ack_minutes: int = Field(default=svc.DEFAULT_ACK_MINUTES, ge=1, le=1440)
    note: str = Field(default="", max_length=2000)


class SendTeamsIn(BaseModel):
    """Send N teams with a skill, nearest first."""

    skill: str = Field(min_length=1, max_length=50)
    n: int = Field(default=1, ge=1, le=50)
    title: str = Field(default="", max_length=200)
    ack_minutes: int = Field(default=svc.DEFAULT_ACK_MINUTES, ge=1, le=1440)


class TaskActionIn(BaseModel):
    """acknowledge | arrive | finish | cancel."""

    action: str = Field(max_length=20)
    note: str = Field(default="", max_length=2000)


def _full(uow: UowDep, actor: ActorDep, incident_id: int) -> dict[str, Any]:
    s = uow.session
    row = svc.get_incident(s, actor, incident_id)
    tasks = iq.tasks(s, incident_id)
    teams = iq.teams_of(s, tasks)
    return {**iq.incident_to_dict(row), "tasks": [iq.task_to_dict(t, teams=teams) for t in tasks],
            "timeline": [iq.event_to_dict(e) for e in iq.timeline(s, incident_id)]}  # fmt: skip


@router.get("", summary="List incidents")
def list_(
    uow: UowDep, actor: ActorDep, status: str | None = None, type: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1, per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:  # fmt: skip
    """Newest first."""
    rows, total = iq.list_incidents(uow.session, actor, status=status, type_=type, page=page, per_page=per_page)
    return {"items": [iq.incident_to_dict(r) for r in rows], "page": page, "per_page": per_page, "total": total}


@router.post("", status_code=201, summary="Open an incident")
def create(body: IncidentIn, response: Response, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Commanded at the level its grade calls for (Ⅳ 村居 … Ⅰ 市)."""
    row = svc.open_incident(uow, actor, svc.NewIncident(**body.model_dump()), now=deps.clock.now())
    response.headers["Location"] = f"/api/v1/emergency/incidents/{row.id}"
    return _full(uow, actor, row.id)


@router.post("/from-warning", status_code=201, summary="Open an incident from a warning")
def from_warning(body: FromWarningIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """The grade follows the warning level unless given; one responding incident per warning chain."""
    row = svc.open_incident_from_warning(uow, actor, body.identifier, now=deps.clock.now(), grade=body.grade,
                                         incident_type=body.type, commander=body.commander)  # fmt: skip
    return _full(uow, actor, row.id)


@router.get("/kpis", summary="四早 durations")
def kpis(uow: UowDep, actor: ActorDep, since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
    """Mean and median minutes from discovery to report, warning and handling."""
    return iq.four_early_kpis(uow.session, since=since, until=until)


@router.get("/{incident_id}", summary="One incident with tasks and timeline")
def detail(incident_id: int, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """All fields, the tasks and the timeline."""
    return _full(uow, actor, incident_id)


@router.post("/{incident_id}/actions", summary="A command action")
def action(incident_id: int, body: IncidentActionIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """regrade | commander | mark | note | close | review."""
    req = svc.IncidentActionRequest(
        action=body.action, grade=body.grade, commander=body.commander, mark=body.mark, at=body.at, text=body.text,
        sections=[s.model_dump() for s in body.sections] if body.sections is not None else None,
    )  # fmt: skip
    svc.act_on_incident(uow, actor, incident_id, req, now=deps.clock.now())
    return _full(uow, actor, incident_id)


@router.post("/{incident_id}/tasks", status_code=201, summary="Give a task to a unit or a team")
def add_task(incident_id: int, body: TaskIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """The task must be acknowledged within ack_minutes, or it is escalated."""
    task = svc.add_task(uow, actor, incident_id, svc.NewTask(**body.model_dump()), now=deps.clock.now())
    return iq.task_to_dict(task, teams=iq.teams_of(uow.session, [task]))


@router.get("/{incident_id}/recommend", summary="Nearest available teams with a skill")
def recommend(
    incident_id: int, uow: UowDep, actor: ActorDep, skill: str, n: Annotated[int, Query(ge=1, le=50)] = 3
) -> dict[str, Any]:
    """Straight-line distance from the incident point, nearest first."""
    row = svc.get_incident(uow.session, actor, incident_id)
    if row.lng is None or row.lat is None:
        return {"items": [], "detail": "the incident has no point"}
    ranked = team_svc.recommend(uow.session, skill=skill, lng=row.lng, lat=row.lat, n=n)
    return {"items": [team_svc.team_to_dict(t, r) for t, r in ranked]}


@router.post("/{incident_id}/send-teams", status_code=201, summary="Send N teams with a skill, nearest first")
def send_teams(incident_id: int, body: SendTeamsIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """One task per team, each to acknowledge."""
    made = team_svc.send_teams(uow, actor, incident_id, skill=body.skill, n=body.n, now=deps.clock.now(),
                               title=body.title, ack_minutes=body.ack_minutes)  # fmt: skip
    teams = iq.teams_of(uow.session, made)
    return {"items": [iq.task_to_dict(t, teams=teams) for t in made]}


@router.post("/{incident_id}/tasks/{task_id}/actions", summary="Acknowledge, arrive, finish or cancel a task")
def task_action(
    incident_id: int, task_id: int, body: TaskActionIn, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """Moves the task by its table; arriving first on site sets the incident's handled time."""
    task = svc.act_on_task(uow, actor, incident_id, task_id, body.action, now=deps.clock.now(), note=body.note)
    return iq.task_to_dict(task, teams=iq.teams_of(uow.session, [task]))
