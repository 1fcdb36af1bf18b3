"""KPI routes: per unit, street or district and period; rankings; year-on-year per category."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gridloop.cases.domain.metrics import Kpi
from gridloop.cases.services.kpis import GroupBy, Period, kpi_report, ranking, year_on_year
from gridloop.cases.services.scope import visible_cases
from gridloop.kernel.errors import Forbidden, InvalidInput
from gridloop.kernel.org import Permission
from gridloop.platform.container import Container
from gridloop.platform.web.deps import ActorDep, SessionDep, get_container

router = APIRouter(prefix="/api/v1/kpis", tags=["KPIs"])


def _check(actor: Any) -> None:
    if not actor.can(Permission.VIEW_KPIS):
        raise Forbidden(f"Role '{actor.role.value}' may not view KPIs.")


@router.get("")
def kpis(
    session: SessionDep,
    actor: ActorDep,
    container: Annotated[Container, Depends(get_container)],
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    by: str = "unit",
    key: str | None = None,
    rank: str | None = None,
) -> dict[str, Any]:
    """KPIs per scope for the period [from, to] (formulas: docs/kpis.md); `rank=KPI` ranks the scopes."""
    _check(actor)
    try:
        group = GroupBy.parse(by)
        metric = Kpi.parse(rank) if rank else None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    period = Period(start, end)
    tz = container.settings.timezone
    if metric is not None:
        items = ranking(session, by=group, kpi=metric, period=period, tz=tz, visible=visible_cases(actor))
    else:
        items = kpi_report(session, by=group, period=period, key=key, tz=tz, visible=visible_cases(actor))
    return {"by": group.value, "from": start.isoformat(), "to": end.isoformat(), "items": items, "kpis": Kpi.describe()}


@router.get("/yoy")
def yoy(
    session: SessionDep,
    actor: ActorDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    district: str | None = None,
) -> dict[str, Any]:
    """Cases received per category vs the same days a year before."""
    _check(actor)
    return {"items": year_on_year(session, period=Period(start, end), district=district, visible=visible_cases(actor))}
