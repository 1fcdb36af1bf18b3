"""Field routes: the grid worker's overview, their reports, and patrol tasks with check-ins."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gridloop.fieldwork.services import overview, patrols
from gridloop.platform.web.auth import csrf_token
from gridloop.platform.web.deps import ActorDep, DepsDep, IdPath, SessionDep, UowDep

router = APIRouter(prefix="/api/v1/field", tags=["field work"])


class TaskIn(BaseModel):
    """A patrol task for one grid worker."""

    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=64, description="Username of a grid worker in your area")
    title: str = Field(min_length=1, max_length=200)
    checklist: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=30)
    note: str = Field(default="", max_length=2000)
    route: list[Annotated[list[float], Field(min_length=2, max_length=2)]] | None = Field(
        default=None, max_length=200, description="[[lng, lat], …] in WGS-84"
    )
    due_at: AwareDatetime | None = None


class CheckinIn(BaseModel):
    """A check-in from the phone."""

    model_config = ConfigDict(extra="forbid")
    item: int | None = Field(default=None, ge=0, le=100, description="Checklist item index")
    note: str = Field(default="", max_length=500)
    lng: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    crs: str = Field(default="wgs84", pattern="^(wgs84|gcj02|bd09)$")
    accuracy: float | None = Field(default=None, ge=0, le=100_000, description="Metres, as the phone reported")


@router.get("/overview", summary="My grid, its open cases and hazards, my reports and patrol tasks")
def get_overview(
    session: SessionDep, actor: ActorDep, deps: DepsDep, lang: Literal["zh", "en"] = "zh"
) -> dict[str, Any]:
    """Everything the phone app shows on its first screen, in one call (status labels in `lang`)."""
    now = deps.clock.now()
    tasks = patrols.list_tasks(session, actor, mine=True, limit=50)
    checks = patrols.checkins_of(session, [t.id for t in tasks])
    return {
        "grid": overview.my_grid(session, actor),
        "cases": overview.open_cases(session, actor, now=now, lang=lang),
        "hazards": overview.open_hazards(session, actor, now=now),
        "reports": overview.my_reports(session, actor, lang=lang),
        "tasks": [patrols.task_to_dict(t, checks[t.id]) for t in tasks],
    }


@router.get("/csrf", summary="The console session's CSRF token (for the phone app's queued writes)")
def session_token(request: Request, actor: ActorDep) -> dict[str, str]:
    """The token to send as X-CSRF-Token; the app asks for it before it sends what waited offline."""
    return {"csrf": csrf_token(request) if "session" in request.scope else ""}


@router.get("/reports", summary="The cases I reported, with their progress")
def my_reports(session: SessionDep, actor: ActorDep, lang: Literal["zh", "en"] = "zh") -> dict[str, Any]:
    """Newest first."""
    return {"items": overview.my_reports(session, actor, lang=lang)}


@router.get("/tasks", summary="Patrol tasks: mine, or those assigned in my area (street office)")
def list_tasks(session: SessionDep, actor: ActorDep, mine: bool = False) -> dict[str, Any]:
    """Newest first, with check-ins."""
    tasks = patrols.list_tasks(session, actor, mine=mine)
    checks = patrols.checkins_of(session, [t.id for t in tasks])
    return {"items": [patrols.task_to_dict(t, checks[t.id]) for t in tasks]}


@router.post("/tasks", status_code=201, summary="Assign a patrol task to a grid worker")
def assign(body: TaskIn, response: Response, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Street office staff give a checklist (and optionally a route) to a grid worker of their area."""
    data = patrols.NewTask(**body.model_dump())
    task = patrols.assign(uow, actor, data, deps=deps)
    response.headers["Location"] = f"/api/v1/field/tasks/{task.id}"
    return patrols.task_to_dict(task, [])


@router.get("/tasks/{task_id}", summary="One patrol task")
def get_task(task_id: IdPath, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The task with its check-ins."""
    task = patrols.get_task(session, actor, task_id)
    return patrols.task_to_dict(task, patrols.checkins_of(session, [task.id])[task.id])


@router.post(
    "/tasks/{task_id}/checkins",
    status_code=201,
    summary="Check in on a patrol task with position",
    responses={200: {"description": "A retry with the same Idempotency-Key: the first check-in"}},
)
def check_in(
    task_id: IdPath,
    body: CheckinIn,
    response: Response,
    uow: UowDep,
    actor: ActorDep,
    deps: DepsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """The assignee checks an item (or a point of the route); the task is done when every item is checked."""
    row, created = patrols.check_in(
        uow, actor, task_id, patrols.Checkin(**body.model_dump()), deps=deps, idempotency_key=idempotency_key
    )
    if not created:
        response.status_code = 200
    task = patrols.get_task(uow.session, actor, task_id)
    return patrols.task_to_dict(task, patrols.checkins_of(uow.session, [task.id])[task.id]) | {"checkin_id": row.id}
