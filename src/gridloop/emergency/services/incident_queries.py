"""Reading incidents: lists, tasks, timeline, JSON, and the 四早 KPIs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from statistics import mean, median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.emergency.domain import incidents as dom
from gridloop.emergency.services import scope
from gridloop.emergency.services.incidents import four_early
from gridloop.emergency.tables import IncidentEventRow, IncidentRow, IncidentTaskRow, TeamRow
from gridloop.kernel.org import Actor, subtree_pattern


def list_incidents(
    session: Session, actor: Actor, *, status: str | None = None, type_: str | None = None, page: int = 1,
    per_page: int = 50,
) -> tuple[list[IncidentRow], int]:  # fmt: skip
    """A page of the incidents the actor may see, newest first, and the total."""
    mine = select(IncidentTaskRow.incident_id).where(IncidentTaskRow.unit_path.like(subtree_pattern(actor.unit_path)))
    q = select(IncidentRow).where(scope.visible(actor, IncidentRow.area_path, IncidentRow.id.in_(mine)))
    q = q.where(IncidentRow.exercise_run_id.is_(None))  # exercise incidents are on their drill's board only
    if status:
        q = q.where(IncidentRow.status == status)
    if type_:
        q = q.where(IncidentRow.type == type_)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(
        q.order_by(IncidentRow.found_at.desc(), IncidentRow.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def tasks(session: Session, incident_id: int) -> list[IncidentTaskRow]:
    """The incident's tasks in order."""
    return list(
        session.scalars(
            select(IncidentTaskRow).where(IncidentTaskRow.incident_id == incident_id).order_by(IncidentTaskRow.id)
        )
    )


def timeline(session: Session, incident_id: int) -> list[IncidentEventRow]:
    """The incident's events, oldest first."""
    return list(
        session.scalars(
            select(IncidentEventRow).where(IncidentEventRow.incident_id == incident_id).order_by(IncidentEventRow.id)
        )
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def incident_to_dict(row: IncidentRow) -> dict[str, Any]:
    """The incident as JSON, with its 四早 durations."""
    return {
        "id": row.id, "number": row.number, "title": row.title, "description": row.description,
        "type": row.type, "type_zh": dom.IncidentType(row.type).zh, "grade": row.grade,
        "grade_zh": dom.Grade(row.grade).zh, "command_level": row.command_level, "status": row.status,
        "status_zh": dom.IncidentStatus(row.status).zh, "commander": row.commander, "sections": row.sections,
        "place": {"grid_code": row.grid_code, "street_code": row.street_code, "district_code": row.district_code,
                  "lng": row.lng, "lat": row.lat, "address": row.address},
        "warning_identifier": row.warning_identifier, "case_number": row.case_number,
        "four_early": {f: _iso(getattr(row, f)) for f, _ in dom.FOUR_EARLY},
        "four_early_minutes": four_early(row).durations(),
        "closed_at": _iso(row.closed_at), "review": row.review, "reviewed_at": _iso(row.reviewed_at),
        "created_by": row.created_by, "updated_at": _iso(row.updated_at),
        "exercise_run_id": row.exercise_run_id,  # set: a drill run's incident (演练)
    }  # fmt: skip


def task_to_dict(task: IncidentTaskRow, *, teams: dict[int, TeamRow] | None = None) -> dict[str, Any]:
    """A task as JSON."""
    team = (teams or {}).get(task.team_id) if task.team_id is not None else None
    return {
        "id": task.id, "title": task.title, "unit_code": task.unit_code, "team_id": task.team_id,
        "team_code": team.code if team else None, "team_name": team.name if team else None,
        "distance_km": task.distance_km, "status": task.status, "status_zh": dom.TaskStatus(task.status).zh,
        "assigned_by": task.assigned_by, "assigned_at": _iso(task.assigned_at), "ack_due": _iso(task.ack_due),
        "acknowledged_at": _iso(task.acknowledged_at), "acknowledged_by": task.acknowledged_by,
        "arrived_at": _iso(task.arrived_at), "done_at": _iso(task.done_at), "escalations": task.escalations,
        "escalated_to": task.escalated_to, "note": task.note,
    }  # fmt: skip


def event_to_dict(event: IncidentEventRow) -> dict[str, Any]:
    """A timeline event as JSON."""
    return {"kind": event.kind, "at": _iso(event.at), "actor": event.actor, "text": event.text, "data": event.data}


def teams_of(session: Session, rows: Sequence[IncidentTaskRow]) -> dict[int, TeamRow]:
    """The teams the tasks name, by id."""
    ids = {t.team_id for t in rows if t.team_id is not None}
    return {t.id: t for t in session.scalars(select(TeamRow).where(TeamRow.id.in_(ids)))} if ids else {}


def four_early_kpis(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """Mean and median minutes of each 四早 duration over the incidents found in [since, until)."""
    q = select(IncidentRow).where(IncidentRow.exercise_run_id.is_(None))  # never exercise data
    if since is not None:
        q = q.where(IncidentRow.found_at >= since)
    if until is not None:
        q = q.where(IncidentRow.found_at < until)
    rows = session.scalars(q).all()
    out: dict[str, Any] = {"incidents": len(rows)}
    for name, _a, _b, label in dom.FOUR_EARLY_DURATIONS:
        values = [v for r in rows if (v := four_early(r).durations()[name]) is not None]
        out[name] = {"label": label, "count": len(values), "mean": round(mean(values), 1) if values else None,
                     "median": round(median(values), 1) if values else None}  # fmt: skip
    return out
