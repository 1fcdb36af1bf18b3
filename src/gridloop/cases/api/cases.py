"""Case routes: intake, list, detail, actions, timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.concurrency import run_in_threadpool

from gridloop.cases.api.schemas import ActionIn, CaseIn
from gridloop.cases.services import paging, queries
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.services.intake_writer import writer_of
from gridloop.cases.services.lifecycle import ActionRequest, act
from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.kernel.org import Actor
from gridloop.platform.container import Container
from gridloop.platform.web.deps import ActorDep, ContainerDep, DepsDep, IdPath, PageQuery, SessionDep, UowDep

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


@router.post(
    "",
    status_code=201,
    summary="Receive a report (受理)",
    responses={200: {"description": "A retry with the same Idempotency-Key: the case made the first time"}},
)
async def create(
    body: CaseIn,
    response: Response,
    actor: ActorDep,
    container: ContainerDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Create a case; a retry with the same Idempotency-Key returns the same case (200) instead of a new one."""
    data = NewCase(
        title=body.title,
        text=body.text,
        channel=body.channel.value,
        request_type=body.request_type.value,
        urgency=body.urgency.value if body.urgency else None,
        category=body.category,
        lng=body.lng,
        lat=body.lat,
        crs=body.crs.value if body.crs else None,
        address=body.address,
        area_code=body.area_code,
        reporter_name=body.reporter.name,
        reporter_phone=body.reporter.phone,
        attachments=body.attachments,
        tags=body.tags,
        reported_at=body.reported_at,
        position_accuracy=body.position_accuracy,
        resolve_on_spot=body.resolve_on_spot,
    )
    if idempotency_key is None and data.resolve_on_spot is None:
        # a plain report: stored by the process's intake writer, a batch per transaction (answered after commit)
        stored = await writer_of(container.uow, container.deps).receive(actor, data)
        response.headers["Location"] = f"/api/v1/cases/{stored.case_id}"
        return stored.answer
    answer, created = await run_in_threadpool(_receive, container, actor, data, idempotency_key)
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/cases/{answer['id']}"
    return answer


def _receive(
    container: Container, actor: Actor, data: NewCase, idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    deps = container.deps
    with container.uow() as uow:
        case, created = receive(uow, actor, data, deps=deps, idempotency_key=idempotency_key)
        units = queries.unit_codes(uow.session, [case])
        return queries.case_to_dict(case, actor, units=units, now=deps.clock.now()), created


@router.get("", summary="List cases in your scope")
def list_(
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    status: Annotated[list[str] | None, Query()] = None,
    unit: str | None = None,
    district: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    text: Annotated[str | None, Query(max_length=200)] = None,
    page: PageQuery = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
    sort: str = "-received_at",
    after: Annotated[str | None, Query(max_length=120)] = None,
) -> dict[str, Any]:
    """A page of cases; filters combine with AND. `total` is exact up to 10,000 matches (`total_exact` true); past
    that counting stops, `total` is 10,000 and `total_exact` false ("more than 10,000"): page on while a page is
    full. `next_after` is the position of the page's last case: pass it as `after` (same filters and sort) for the
    next page, read from there as cheaply as the first (`page` then only labels it); a deep `page` number alone
    skips the rows before it, which is slower in a large scope."""
    now = deps.clock.now()
    seek = paging.parse(after, sort)
    if after and seek is None:
        raise InvalidInput("Bad position.", errors=[FieldError("after", "a next_after value of this list")])
    f = queries.CaseFilter(
        status=status,
        unit=unit,
        district=district,
        category=category,
        overdue=overdue,
        text=text,
        supervised=supervised,
    )
    cap = queries.TOTAL_CAP
    rows, total = queries.list_cases(
        session, actor, f, now=now, page=page, per_page=per_page, sort=sort, total_cap=cap, seek=seek
    )
    units = queries.unit_codes(session, rows)
    return {
        "items": [queries.case_to_dict(c, actor, units=units, now=now, full=False) for c in rows],
        "page": page,
        "per_page": per_page,
        "next_after": paging.token(rows[-1], sort) if len(rows) == per_page else None,
        # past TOTAL_CAP matches the count stops: total is then TOTAL_CAP and total_exact false ("10,000 or more")
        "total": min(total or 0, cap),
        "total_exact": not queries.is_capped(total, cap),
    }


@router.get("/{case_id}", summary="One case")
def detail(
    case_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    wait: Annotated[
        float,
        Query(ge=0, le=10, description="Seconds to wait for triage while `triage_status` is pending (at most 10)"),
    ] = 0,
) -> dict[str, Any]:
    """All fields of a case (personal data masked per role) and the actions you may take now; with `wait`, the
    answer waits (bounded) until the triage workers stored their result."""
    case = queries.get_case(session, actor, case_id)
    if wait > 0 and case.triage_status == "pending":
        case = queries.wait_for_triage(session, actor, case_id, seconds=wait)
    return queries.case_to_dict(case, actor, units=queries.unit_codes(session, [case]), now=deps.clock.now())


@router.post("/{case_id}/actions", summary="Take a lifecycle action")
def action(case_id: IdPath, body: ActionIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Move the case by the lifecycle table; 409 names the current state and the allowed actions."""
    req = ActionRequest(**body.model_dump())
    case = act(uow, actor, case_id, req, deps=deps)
    return queries.case_to_dict(case, actor, units=queries.unit_codes(uow.session, [case]), now=deps.clock.now())


@router.get("/{case_id}/timeline", summary="Audit events of a case")
def timeline(case_id: IdPath, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Every audit event, oldest first."""
    return {"items": [queries.event_to_dict(e) for e in queries.timeline(session, actor, case_id)]}
