"""Case counts on the map: (all, open, overdue) per area of a level, within the caller's scope, drawn on the
geography capability's area layers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, select
from sqlalchemy.orm import Session

from gridloop.cases.domain.lifecycle import OPEN_STATUSES
from gridloop.cases.tables import CaseRow
from gridloop.geo.services.geography import area_layer, cell_duty_grids


def case_counts(
    session: Session,
    *,
    level: str,
    start: datetime | None,
    end: datetime | None,
    visible: ColumnElement[bool] | None = None,
    now: datetime | None = None,
) -> dict[str, tuple[int, int, int]]:
    """(all, open, overdue) case counts per area code of a level, within the caller's scope."""
    key: Any
    if level == "district":
        key = CaseRow.district_code
    elif level == "street":
        key = CaseRow.street_code
    elif level == "community":
        key = func.substr(CaseRow.grid_code, 1, 12)
    else:
        key = CaseRow.grid_code
    is_open = CaseRow.status.in_([s.value for s in OPEN_STATUSES])
    overdue = and_(is_open, CaseRow.due_at < now) if now is not None else false()
    query = (
        select(
            key,
            func.count(),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
        )
        .where(key.is_not(None), CaseRow.exercise_run_id.is_(None))  # exercise (演练) cases never count
        .group_by(key)
    )
    if visible is not None:
        query = query.where(visible)
    if start is not None:
        query = query.where(CaseRow.received_at >= start)
    if end is not None:
        query = query.where(CaseRow.received_at < end)
    counts = {str(code): (int(n), int(o or 0), int(d or 0)) for code, n, o, d in session.execute(query).all()}
    if level == "duty_grid":
        by_cell = counts
        cell_to_grid = cell_duty_grids(session, by_cell)
        counts = {}
        for cell, (n, o, d) in by_cell.items():
            grid = cell_to_grid.get(cell)
            if grid:
                t = counts.get(grid, (0, 0, 0))
                counts[grid] = (t[0] + n, t[1] + o, t[2] + d)
    return counts


def case_layer(
    session: Session,
    *,
    level: str,
    tolerance: float = 0.0,
    start: datetime | None = None,
    end: datetime | None = None,
    within: str | None = None,
    visible: ColumnElement[bool] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A level's areas as GeoJSON with the case counts of the period (all, open, overdue at `now`), restricted to
    the cases `visible` selects."""
    counts = case_counts(session, level=level, start=start, end=end, visible=visible, now=now)
    return area_layer(session, level=level, tolerance=tolerance, start=start, end=end, within=within, counts=counts)
