"""Export-control API: screen a case (stored for audit), read a stored screening, the regime table."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from gridloop.exportcontrol.services.schema import CaseIn
from gridloop.platform.web.deps import ActorDep, DepsDep, SessionDep, UowDep

router = APIRouter(prefix="/api/v1/export-control", tags=["export-control"])


@router.post("/screen")
def screen(body: CaseIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Screen one shipment (advisory, not legal advice); the input and the answer are stored."""
    from gridloop.exportcontrol.services.screening import calendar_of, screen_and_record

    calendar, name = calendar_of(deps.deadlines)
    payload = body.model_dump(mode="json", exclude_unset=True)
    return screen_and_record(
        uow,
        payload,
        now=deps.clock.now(),
        by=actor.username,
        source="api",
        calendar=calendar,
        calendar_name=name,
        write_lock=deps.write_lock,
    )


@router.get("/screenings/{screening_id}")
def screening(screening_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """A stored screening: input, answer, who and when."""
    from gridloop.exportcontrol.services.screening import get_screening

    return get_screening(session, screening_id)


@router.get("/regimes")
def regimes(
    session: SessionDep, actor: ActorDep, deps: DepsDep, on: Annotated[date | None, Query()] = None
) -> dict[str, Any]:
    """Every regime with its dates and its status on `on` (default today, Asia/Shanghai per the clock)."""
    from gridloop.exportcontrol.services.screening import regime_table

    day = on or deps.clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    return {
        "on": day.isoformat(),
        "regimes": regime_table(session, on=day),
        "disclaimer": {"en": "Advisory, not legal advice.", "zh": "仅供参考，不构成法律意见。"},
    }
