"""Hazard register routes: list with filters, report, turn a case into a hazard, act, detail, CSV export, risk map."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from gridloop.dispatch.services.calendar import work_calendar
from gridloop.emergency.services import hazard_queries as q
from gridloop.emergency.services import hazards as svc
from gridloop.platform.web.deps import ActorDep, DepsDep, UowDep

router = APIRouter(prefix="/api/v1/emergency/hazards", tags=["emergency"])


class HazardIn(BaseModel):
    """A newly found hazard."""

    title: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=50)
    description: str = Field(default="", max_length=5000)
    grid_code: str | None = Field(default=None, max_length=20)
    lng: float | None = None
    lat: float | None = None
    address: str = Field(default="", max_length=500)
    owner_unit_code: str = Field(default="", max_length=64)
    responsible_person: str = Field(default="", max_length=100)
    major: bool = False
    source: str = "grid_worker"


class FromCaseIn(BaseModel):
    """Turn a case into a hazard."""

    case_number: str = Field(min_length=1, max_length=32)
    category: str = Field(default="", max_length=50)
    major: bool = False


class HazardActionIn(BaseModel):
    """One lifecycle action; only the fields the action needs are read."""

    action: str = Field(max_length=20)
    note: str = Field(default="", max_length=2000)
    likelihood: float | None = None
    exposure: float | None = None
    consequence: float | None = None
    unit: str = Field(default="", max_length=64)
    deadline: datetime | None = None
    deadline_workdays: int | None = Field(default=None, ge=1, le=365)
    responsible_person: str | None = Field(default=None, max_length=100)
    measures: str | None = Field(default=None, max_length=5000)
    funds: float | None = Field(default=None, ge=0)
    interim_controls: str | None = Field(default=None, max_length=5000)
    plan: str | None = Field(default=None, max_length=5000)
    owner_unit_code: str | None = Field(default=None, max_length=64)


def _filter(
    status: list[str] | None,
    colour: str | None,
    category: str | None,
    district: str | None,
    street: str | None,
    grid: str | None,
    unit: str | None,
    major: bool | None,
    overdue: bool | None,
    supervised: bool | None,
    text: str | None,
) -> q.HazardFilter:
    return q.HazardFilter(
        status=status, colour=colour, category=category, district=district, street=street, grid=grid, unit=unit,
        major=major, overdue=overdue, supervised=supervised, text=text,
    )  # fmt: skip


Status = Annotated[list[str] | None, Query()]
Text = Annotated[str | None, Query(max_length=100)]


@router.get("", summary="List the hazard register")
def list_(
    uow: UowDep,
    actor: ActorDep,
    deps: DepsDep,
    status: Status = None,
    colour: str | None = None,
    category: str | None = None,
    district: str | None = None,
    street: str | None = None,
    grid: str | None = None,
    unit: str | None = None,
    major: bool | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    text: Text = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """A page of hazards, most recently found first; filters combine with AND."""
    now = deps.clock.now()
    f = _filter(status, colour, category, district, street, grid, unit, major, overdue, supervised, text)
    rows, total = q.list_hazards(uow.session, actor, f, now=now, page=page, per_page=per_page)
    return {"items": [q.hazard_to_dict(r, now=now) for r in rows], "page": page, "per_page": per_page,
            "total": total}  # fmt: skip


@router.post("", status_code=201, summary="Report a hazard (发现隐患)")
def create(body: HazardIn, response: Response, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Record a hazard found by a grid worker, an inspection or anyone else."""
    row = svc.report_hazard(uow, actor, svc.NewHazard(**body.model_dump()), now=deps.clock.now())
    response.headers["Location"] = f"/api/v1/emergency/hazards/{row.id}"
    return q.hazard_to_dict(row, now=deps.clock.now())


@router.post("/from-case", status_code=201, summary="Turn a 12345 case into a hazard")
def from_case(body: FromCaseIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """The hazard keeps the case number."""
    row = svc.hazard_from_case(
        uow, actor, body.case_number, now=deps.clock.now(), category=body.category, major=body.major
    )
    return q.hazard_to_dict(row, now=deps.clock.now())


@router.get("/export.csv", summary="Export the register as CSV", responses={200: {"content": {"text/csv": {}}}})
def export(
    uow: UowDep,
    actor: ActorDep,
    deps: DepsDep,
    status: Status = None,
    colour: str | None = None,
    category: str | None = None,
    district: str | None = None,
    street: str | None = None,
    grid: str | None = None,
    unit: str | None = None,
    major: bool | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    text: Text = None,
) -> Response:
    """Every hazard matching the filters, Chinese column headers."""
    f = _filter(status, colour, category, district, street, grid, unit, major, overdue, supervised, text)
    body = q.export_csv(uow.session, actor, f, now=deps.clock.now())
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="hazards.csv"'})  # fmt: skip


@router.get("/risk-summary", summary="Four-colour risk counts per area")
def risk_summary(
    uow: UowDep, actor: ActorDep, by: str = "district", within: Annotated[str | None, Query(max_length=20)] = None
) -> dict[str, Any]:
    """Open hazards by colour per district (or street) code; `colour` is the most severe present."""
    return {"by": by, "areas": q.risk_summary(uow.session, actor, by=by, within=within)}


@router.get("/{hazard_id}", summary="One hazard with its history")
def detail(hazard_id: int, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """All fields, the actions allowed now, working days overdue, and the history."""
    row = svc.get_hazard(uow.session, actor, hazard_id)
    d = q.hazard_to_dict(row, now=deps.clock.now(), calendar=work_calendar(uow.session))
    d["history"] = [q.event_to_dict(e) for e in q.history(uow.session, hazard_id)]
    return d


@router.post("/{hazard_id}/actions", summary="Take a lifecycle action")
def action(hazard_id: int, body: HazardActionIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Move the hazard by the lifecycle table; 409 names the status and the allowed actions."""
    plan = {k: getattr(body, k) for k in svc.PLAN_FIELDS if getattr(body, k) is not None}
    req = svc.HazardActionRequest(
        action=body.action, note=body.note, likelihood=body.likelihood, exposure=body.exposure,
        consequence=body.consequence, unit=body.unit, deadline=body.deadline,
        deadline_workdays=body.deadline_workdays, plan_fields=plan,
    )  # fmt: skip
    row = svc.act_on_hazard(uow, actor, hazard_id, req, now=deps.clock.now())
    return q.hazard_to_dict(row, now=deps.clock.now(), calendar=work_calendar(uow.session))
