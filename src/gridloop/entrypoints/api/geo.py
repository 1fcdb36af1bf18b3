"""Map layers: GET /api/v1/geo/{level} → GeoJSON of the areas of a level, simplified, with case counts.

Thin: parameters are parsed here, the work is `services.geography.area_layer`. Auth and scope are wired by the
application (the session dependency comes from `entrypoints.api.deps`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from gridloop.entrypoints.api.deps import get_session
from gridloop.services.geography import area_layer

router = APIRouter(prefix="/api/v1/geo", tags=["geography"])
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _aware(value: datetime | None) -> datetime | None:
    """Times without a zone are read as Shanghai local time."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=SHANGHAI)


@router.get("/{level}", summary="Areas of one level as GeoJSON, with case counts for a period")
def get_layer(
    level: str,
    session: Annotated[Session, Depends(get_session)],
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
    return area_layer(session, level=level, tolerance=tolerance, start=_aware(start), end=_aware(end), within=within)
