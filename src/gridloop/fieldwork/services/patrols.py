"""Patrol tasks: a street office assigns a checklist or route to a grid worker; the worker checks in with position."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridloop.fieldwork.domain import ASSIGNERS, MAX_ITEMS, MAX_ROUTE_POINTS, TaskStatus, all_checked
from gridloop.fieldwork.tables import PatrolCheckinRow, PatrolTaskRow
from gridloop.geo.services import convert_point
from gridloop.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, ValidationProblems
from gridloop.kernel.org import Actor, Role, is_within
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import UnitRow, UserRow


@dataclass(frozen=True)
class NewTask:
    """A patrol task as the street office wrote it."""

    assignee: str
    title: str
    checklist: list[str] = field(default_factory=list)
    note: str = ""
    route: list[list[float]] | None = None
    due_at: datetime | None = None


@dataclass(frozen=True)
class Checkin:
    """One check-in from the phone."""

    item: int | None = None
    note: str = ""
    lng: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    accuracy: float | None = None


def grid_workers_below(session: Session, actor: Actor) -> list[UserRow]:
    """The active grid workers in the actor's unit subtree, by name (the people a task may go to)."""
    rows = session.execute(
        select(UserRow, UnitRow.path)
        .join(UnitRow, UnitRow.id == UserRow.unit_id)
        .where(UserRow.role == Role.GRID_WORKER.value, UserRow.active)
        .order_by(UserRow.display_name)
    ).all()
    return [u for u, path in rows if is_within(path, actor.unit_path)]


def assign(uow: UnitOfWork, actor: Actor, data: NewTask, *, deps: ServiceDeps) -> PatrolTaskRow:
    """Create a task for a grid worker in the actor's area; problems are named by field."""
    if actor.role not in ASSIGNERS:
        raise Forbidden(f"Role '{actor.role.value}' may not assign patrol tasks.")
    session = uow.session
    problems = ValidationProblems()
    if not data.title.strip() or len(data.title) > 200:
        problems.add("title", "1–200 characters")
    if len(data.checklist) > MAX_ITEMS:
        problems.add("checklist", f"at most {MAX_ITEMS} items")
    if not data.checklist and not data.route:
        problems.add("checklist", "give at least one item to check (one per line)")
    if data.route is not None and (
        len(data.route) > MAX_ROUTE_POINTS
        or any(len(p) != 2 or not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90) for p in data.route)
    ):
        problems.add("route", f"at most {MAX_ROUTE_POINTS} [lng, lat] points in WGS-84")
    worker = next((u for u in grid_workers_below(session, actor) if u.username == data.assignee), None)
    if worker is None:
        problems.add("assignee", "choose a grid worker of your area")
    problems.raise_if_any()
    assert worker is not None
    unit = session.get(UnitRow, worker.unit_id)
    assert unit is not None
    now = deps.clock.now()
    row = PatrolTaskRow(
        title=data.title.strip(),
        note=data.note.strip(),
        checklist=list(data.checklist),
        route=data.route,
        assignee_id=worker.id,
        assignee_name=worker.display_name,
        assigned_by_id=actor.user_id,
        assigned_by_name=actor.username,
        unit_path=unit.path,
        status=TaskStatus.OPEN.value,
        due_at=data.due_at,
        created_at=now,
    )
    with deps.write_lock:
        session.add(row)
        uow.commit()
    return row


def _visible(actor: Actor, task: PatrolTaskRow) -> bool:
    return task.assignee_id == actor.user_id or (actor.role in ASSIGNERS and is_within(task.unit_path, actor.unit_path))


def get_task(session: Session, actor: Actor, task_id: int) -> PatrolTaskRow:
    """One task the actor may see (the assignee, or the street office above them)."""
    task = session.get(PatrolTaskRow, task_id)
    if task is None or not _visible(actor, task):
        raise NotFound(f"No patrol task {task_id}.")
    return task


def list_tasks(session: Session, actor: Actor, *, mine: bool = False, limit: int = 200) -> list[PatrolTaskRow]:
    """Tasks assigned to the actor (mine), or assigned within the actor's area (street office), newest first."""
    stmt = select(PatrolTaskRow).order_by(PatrolTaskRow.id.desc()).limit(limit)
    if mine or actor.role not in ASSIGNERS:
        stmt = stmt.where(PatrolTaskRow.assignee_id == actor.user_id)
    else:
        stmt = stmt.where(PatrolTaskRow.unit_path.like(actor.unit_path + "%"))
    return list(session.scalars(stmt).all())


def checkins_of(session: Session, task_ids: list[int]) -> dict[int, list[PatrolCheckinRow]]:
    """Check-ins of several tasks, oldest first, in one query."""
    out: dict[int, list[PatrolCheckinRow]] = {i: [] for i in task_ids}
    if task_ids:
        q = select(PatrolCheckinRow).where(PatrolCheckinRow.task_id.in_(task_ids)).order_by(PatrolCheckinRow.id)
        for row in session.scalars(q):
            out[row.task_id].append(row)
    return out


def check_in(
    uow: UnitOfWork,
    actor: Actor,
    task_id: int,
    data: Checkin,
    *,
    deps: ServiceDeps,
    idempotency_key: str | None = None,
) -> tuple[PatrolCheckinRow, bool]:
    """Record a check-in by the assignee; the task is done when every item has one. Same key → same check-in."""
    session = uow.session
    task = get_task(session, actor, task_id)
    if task.assignee_id != actor.user_id:
        raise Forbidden("Only the grid worker the task was given to checks in.")
    if idempotency_key is not None:
        seen = session.scalar(
            select(PatrolCheckinRow).where(
                PatrolCheckinRow.task_id == task.id, PatrolCheckinRow.idempotency_key == idempotency_key
            )
        )
        if seen is not None:
            return seen, False
    if task.status == TaskStatus.CANCELLED.value:
        raise Conflict("The task was cancelled.")
    if data.item is not None and not (0 <= data.item < len(task.checklist)):
        raise InvalidInput("Unknown item.", errors=[FieldError("item", f"0 to {len(task.checklist) - 1}")])
    if (data.lng is None) != (data.lat is None):
        raise InvalidInput("Give both coordinates.", errors=[FieldError("lng", "lng and lat together")])
    if data.accuracy is not None and not (0 <= data.accuracy <= 100_000):
        raise InvalidInput("Accuracy out of range.", errors=[FieldError("accuracy", "metres, 0–100000")])
    wgs: tuple[float | None, float | None] = (None, None)
    if data.lng is not None and data.lat is not None:
        try:
            wgs = convert_point(data.lng, data.lat, source=data.crs, target="wgs84")
        except (ValueError, KeyError):
            raise InvalidInput("Unknown CRS.", errors=[FieldError("crs", "wgs84, gcj02 or bd09")]) from None
    now = deps.clock.now()
    row = PatrolCheckinRow(
        task_id=task.id,
        item=data.item,
        note=data.note.strip()[:500],
        lng=data.lng,
        lat=data.lat,
        crs=data.crs if data.lng is not None else None,
        lng_wgs84=wgs[0],
        lat_wgs84=wgs[1],
        accuracy_m=data.accuracy,
        at=now,
        by_id=actor.user_id,
        idempotency_key=idempotency_key,
    )
    with deps.write_lock:
        session.add(row)
        session.flush()
        checked = {c.item for c in checkins_of(session, [task.id])[task.id] if c.item is not None}
        if task.status == TaskStatus.OPEN.value and all_checked(len(task.checklist), checked):
            task.status = TaskStatus.DONE.value
            task.done_at = now
        try:
            uow.commit()
        except IntegrityError:  # a concurrent retry with the same key won
            uow.rollback()
            return check_in(uow, actor, task_id, data, deps=deps, idempotency_key=idempotency_key)
    return row, True


def task_to_dict(task: PatrolTaskRow, checkins: list[PatrolCheckinRow]) -> dict[str, Any]:
    """A task as JSON with its check-ins and which items are done."""
    done = sorted({c.item for c in checkins if c.item is not None})
    return {
        "id": task.id,
        "title": task.title,
        "note": task.note,
        "checklist": [{"index": i, "label": label, "done": i in done} for i, label in enumerate(task.checklist)],
        "route": task.route,
        "assignee": task.assignee_name,
        "assigned_by": task.assigned_by_name,
        "status": task.status,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "created_at": task.created_at.isoformat(),
        "done_at": task.done_at.isoformat() if task.done_at else None,
        "checkins": [
            {
                "id": c.id,
                "item": c.item,
                "note": c.note,
                "at": c.at.isoformat(),
                "lng": c.lng_wgs84,
                "lat": c.lat_wgs84,
                "accuracy": c.accuracy_m,
            }
            for c in checkins
        ],
    }
