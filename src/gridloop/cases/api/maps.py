"""Map layers: GET /api/v1/geo/{level} → GeoJSON of the areas of a level, simplified, with case counts
(all, open, overdue) limited to the caller's scope. Thin: the work is `cases.services.maps.case_layer`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from gridloop.cases.services.maps import case_layer
from gridloop.cases.services.scope import visible_cases
from gridloop.platform.web.deps import ActorDep, DepsDep, SessionDep

router = APIRouter(prefix="/api/v1/geo", tags=["geography"])


def _aware(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Times without a zone are read in the configured zone (GRIDLOOP_TIMEZONE)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=tz)


@router.get("/{level}", summary="Areas of one level as GeoJSON, with case counts for a period")
def get_layer(
    level: str,
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    tolerance: Annotated[
        float, Query(ge=0, le=10_000, description="Simplification tolerance in metres (0 = full detail).")
    ] = 0.0,
    start: Annotated[
        datetime | None, Query(alias="from", description="Count cases received at or after this time.")
    ] = None,
    end: Annotated[datetime | None, Query(alias="to", description="Count cases received before this time.")] = None,
    within: Annotated[str | None, Query(description="Only areas whose code starts with this code.")] = None,
) -> dict[str, Any]:
    """GeoJSON FeatureCollection (WGS-84) of one level: district, street, community, grid or duty_grid."""
    return case_layer(
        session,
        level=level,
        tolerance=tolerance,
        start=_aware(start, deps.tz),
        end=_aware(end, deps.tz),
        within=within,
        visible=visible_cases(actor),
        now=deps.clock.now(),
    )
