"""Incidents (突发事件) as use cases: open (also from a warning), command actions, tasks, escalation, 四早 KPIs.

Every writing function takes a UnitOfWork and commits once; every change adds a timeline event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.emergency.domain import incidents as dom
from gridloop.emergency.domain.levels import level_info
from gridloop.emergency.domain.teams import TeamStatus
from gridloop.emergency.services import scope
from gridloop.emergency.tables import IncidentEventRow, IncidentRow, IncidentTaskRow, TeamRow, WarningMessageRow
from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridloop.kernel.org import Actor
from gridloop.kernel.sla import SHANGHAI
from gridloop.platform.db.exercise import exercise_run_of
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit

TZ = ZoneInfo(SHANGHAI)
#: How long a unit or team has to acknowledge a task before it is escalated (and again after each escalation).
DEFAULT_ACK_MINUTES = 15
#: Roles that run the command post (open, grade, command, task, close, review).
COMMAND_ROLES = frozenset({"admin", "supervisor", "dispatcher"})


@dataclass(frozen=True)
class NewIncident:
    """What is known when an incident is opened."""

    title: str
    type: str
    grade: str
    found_at: datetime
    description: str = ""
    commander: str = ""
    grid_code: str | None = None
    lng: float | None = None
    lat: float | None = None
    address: str = ""
    reported_at: datetime | None = None
    case_number: str | None = None


@dataclass(frozen=True)
class IncidentActionRequest:
    """One command action and what it carries."""

    action: str
    grade: str | None = None
    commander: str | None = None
    sections: list[dict[str, str]] | None = None
    mark: str | None = None  # reported_at | warned_at | handled_at
    at: datetime | None = None
    text: str = ""


@dataclass(frozen=True)
class NewTask:
    """A task for a unit (by code) or a team (by code)."""

    title: str
    unit_code: str = ""
    team_code: str = ""
    ack_minutes: int = DEFAULT_ACK_MINUTES
    note: str = ""


def require_command(actor: Actor) -> None:
    """Forbidden unless the actor runs the command post."""
    if actor.role.value not in COMMAND_ROLES:
        raise Forbidden(f"the command post is for the roles {', '.join(sorted(COMMAND_ROLES))}")


def _enum(kind: type[Any], value: str, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(f"unknown {what} '{value}'; use one of {', '.join(m.value for m in kind)}") from None


def _event(session: Session, incident: IncidentRow, kind: str, *, actor: str, at: datetime, text: str,
           **data: Any) -> None:  # fmt: skip
    session.add(IncidentEventRow(incident_id=incident.id, kind=kind, at=at, actor=actor, text=text, data=data))


def _place(grid_code: str | None) -> tuple[str | None, str | None]:
    if grid_code and grid_code.isdigit() and len(grid_code) >= 9:
        return grid_code[:6], grid_code[:9]
    return (grid_code[:6] if grid_code and grid_code.isdigit() and len(grid_code) >= 6 else None), None


def _add(session: Session, actor: Actor, data: NewIncident, *, now: datetime, warning: str | None = None,
         warned_at: datetime | None = None) -> IncidentRow:  # fmt: skip
    if not data.title.strip():
        raise InvalidInput("an incident needs a title")
    kind = _enum(dom.IncidentType, data.type, "incident type")
    grade = _enum(dom.Grade, data.grade, "grade")
    if data.found_at.tzinfo is None or (data.reported_at is not None and data.reported_at.tzinfo is None):
        raise InvalidInput("times carry a time zone")
    if data.found_at > now:
        raise InvalidInput("found_at is in the future")
    if (data.lng is None) != (data.lat is None):
        raise InvalidInput("give both lng and lat, or neither")
    district, street = _place(data.grid_code)
    row = IncidentRow(
        number=f"t-{uuid4().hex[:28]}",  # replaced after the flush
        title=data.title.strip()[:200],
        description=data.description.strip(),
        type=kind.value,
        grade=grade.value,
        command_level=dom.command_level(grade),
        status=dom.IncidentStatus.RESPONDING.value,
        commander=data.commander.strip()[:100],
        sections=[],
        grid_code=data.grid_code,
        street_code=street,
        district_code=district,
        lng=data.lng,
        lat=data.lat,
        address=data.address.strip()[:500],
        area_path=scope.area_path(session, (data.grid_code, street, district), actor=actor),
        warning_identifier=warning,
        case_number=data.case_number,
        found_at=data.found_at,
        reported_at=data.reported_at or now,
        warned_at=warned_at,
        created_by=actor.username,
        updated_at=now,
        exercise_run_id=exercise_run_of(session),  # a drill run's session stamps its incidents
    )
    session.add(row)
    session.flush()
    row.number = f"TF{now.astimezone(TZ):%Y%m%d}{row.id:05d}"
    _event(session, row, "open", actor=actor.username, at=now, text=f"{kind.zh} {grade.zh} 开始处置",
           grade=grade.value, command_level=row.command_level, warning=warning)  # fmt: skip
    return row


def open_incident(uow: UnitOfWork, actor: Actor, data: NewIncident, *, now: datetime) -> IncidentRow:
    """Open an incident (status 处置中) commanded at its grade's level; commit."""
    require_command(actor)
    row = _add(uow.session, actor, data, now=now)
    uow.commit()
    return row


def open_incident_from_warning(
    uow: UnitOfWork, actor: Actor, identifier: str, *, now: datetime, grade: str | None = None,
    incident_type: str = "natural_disaster", commander: str = "",
) -> IncidentRow:  # fmt: skip
    """Open an incident from a stored warning message; its grade follows the level unless given, once per chain."""
    require_command(actor)
    session = uow.session
    msg = session.scalar(select(WarningMessageRow).where(WarningMessageRow.identifier == identifier))
    if msg is None:
        raise NotFound(f"No warning message '{identifier}'.")
    if msg.msg_type == "Cancel":
        raise Conflict("this message cancels its warning; open the incident from an active one")
    chain = session.scalars(
        select(WarningMessageRow.identifier).where(
            WarningMessageRow.rule_id == msg.rule_id,
            WarningMessageRow.subject == msg.subject,
            WarningMessageRow.exercise_run_id.is_(None)
            if msg.exercise_run_id is None
            else WarningMessageRow.exercise_run_id == msg.exercise_run_id,  # a drill's chain is its own
        )
    ).all()
    taken = session.scalar(
        select(IncidentRow).where(
            IncidentRow.warning_identifier.in_(chain), IncidentRow.status == dom.IncidentStatus.RESPONDING.value
        )
    )
    if taken is not None:
        raise Conflict(f"incident {taken.number} already responds to this warning")
    info = level_info(msg.level)
    data = NewIncident(
        title=f"{msg.subject}{msg.event}{info.colour_zh}预警",
        type=incident_type,
        grade=grade or dom.GRADE_OF_WARNING_LEVEL[msg.level].value,
        found_at=msg.sent_at,
        description=f"由预警 {msg.identifier} 启动",
        commander=commander,
    )
    row = _add(session, actor, data, now=now, warning=msg.identifier, warned_at=msg.sent_at)
    row.exercise_run_id = msg.exercise_run_id or row.exercise_run_id  # an exercise warning opens an exercise incident
    uow.commit()
    return row


def get_incident(session: Session, actor: Actor, incident_id: int) -> IncidentRow:
    """One incident the actor may see (its area, or a task of their unit); NotFound or Forbidden otherwise."""
    row = session.get(IncidentRow, incident_id)
    if row is None:
        raise NotFound(f"No incident with id {incident_id}.")
    task_paths = session.scalars(select(IncidentTaskRow.unit_path).where(IncidentTaskRow.incident_id == row.id))
    if not scope.can_see(actor, row.area_path, task_paths):
        raise Forbidden(f"Incident {row.number} is outside your area.")
    return row


def act_on_incident(
    uow: UnitOfWork, actor: Actor, incident_id: int, req: IncidentActionRequest, *, now: datetime
) -> IncidentRow:
    """One command action (regrade, commander, mark a 四早 time, note, close, review); commit."""
    session = uow.session
    row = get_incident(session, actor, incident_id)
    action = _enum(dom.IncidentAction, req.action, "action")
    if action is not dom.IncidentAction.NOTE:
        require_command(actor)
    status = dom.next_incident_status(dom.IncidentStatus(row.status), action)
    who = actor.username
    if action is dom.IncidentAction.REGRADE:
        grade = _enum(dom.Grade, req.grade or "", "grade")
        before_grade, before_level = row.grade, row.command_level
        row.grade, row.command_level = grade.value, dom.command_level(grade)
        kind = (
            "escalate" if list(dom.Grade).index(grade) < list(dom.Grade).index(dom.Grade(before_grade)) else "regrade"
        )
        text = f"{dom.Grade(before_grade).zh} → {grade.zh}，指挥层级 {row.command_level}"
        _event(session, row, kind, actor=who, at=now, text=text, grade=grade.value, from_grade=before_grade,
               command_level=row.command_level, from_level=before_level)  # fmt: skip
    elif action is dom.IncidentAction.COMMANDER:
        if req.commander is not None:
            row.commander = req.commander.strip()[:100]
        if req.sections is not None:
            if any(not isinstance(s, dict) or not str(s.get("name", "")).strip() for s in req.sections):
                raise InvalidInput("each section has a name (and optionally a lead)")
            row.sections = [
                {"name": str(s["name"]).strip(), "lead": str(s.get("lead", "")).strip()} for s in req.sections
            ]
        _event(session, row, "commander", actor=who, at=now, text=f"指挥：{row.commander}", sections=row.sections)
    elif action is dom.IncidentAction.MARK:
        at = req.at or now
        dom.check_mark(four_early(row), req.mark or "", at)
        if at > now:
            raise InvalidInput("a 四早 time cannot be in the future")
        setattr(row, req.mark or "", at)
        _event(session, row, "mark", actor=who, at=now, text=f"{req.mark} = {at.isoformat()}", mark=req.mark)
    elif action is dom.IncidentAction.NOTE:
        if not req.text.strip():
            raise InvalidInput("a note needs text")
        _event(session, row, "note", actor=who, at=now, text=req.text.strip())
    elif action is dom.IncidentAction.CLOSE:
        if row.handled_at is None:
            row.handled_at = now
        row.closed_at = now
        open_tasks = session.scalars(
            select(IncidentTaskRow).where(
                IncidentTaskRow.incident_id == row.id, IncidentTaskRow.status.in_([s.value for s in dom.OPEN_TASK])
            )
        ).all()
        for task in open_tasks:
            task.status = (
                dom.TaskStatus.DONE.value
                if task.status == dom.TaskStatus.ON_SITE.value
                else dom.TaskStatus.CANCELLED.value
            )
            _release_team(session, task)
        _event(session, row, "close", actor=who, at=now, text=req.text.strip() or "应急结束")
    elif action is dom.IncidentAction.REVIEW:
        if not req.text.strip():
            raise InvalidInput("the after-action review needs its text")
        row.review, row.reviewed_at = req.text.strip(), now
        _event(session, row, "review", actor=who, at=now, text="复盘总结")
    row.status = status.value
    row.updated_at = now
    uow.commit()
    return row


def four_early(row: IncidentRow) -> dom.FourEarly:
    """The incident's four 四早 times."""
    return dom.FourEarly(row.found_at, row.reported_at, row.warned_at, row.handled_at)


def _release_team(session: Session, task: IncidentTaskRow) -> None:
    if task.team_id is not None:
        team = session.get(TeamRow, task.team_id)
        if team is not None and team.status == TeamStatus.DEPLOYED.value:
            team.status = TeamStatus.AVAILABLE.value


def add_task_row(
    session: Session, actor: Actor, row: IncidentRow, task: NewTask, *, now: datetime, team: TeamRow | None = None,
    distance_km: float | None = None,
) -> IncidentTaskRow:  # fmt: skip
    """Add a task to an open incident in the caller's transaction (a team's status becomes 出动中)."""
    if row.status != dom.IncidentStatus.RESPONDING.value:
        raise Conflict("tasks are given while the incident is responding")
    if not task.title.strip():
        raise InvalidInput("a task needs a title")
    if not (1 <= task.ack_minutes <= 24 * 60):
        raise InvalidInput("ack_minutes is 1 … 1440")
    if team is None and task.team_code:
        team = session.scalar(select(TeamRow).where(TeamRow.code == task.team_code))
        if team is None:
            raise NotFound(f"No team with code '{task.team_code}'.")
    if team is None and not task.unit_code:
        raise InvalidInput("a task goes to a unit (unit_code) or a team (team_code)")
    if task.unit_code:
        get_unit(session, task.unit_code)
    if team is not None:
        if team.status != TeamStatus.AVAILABLE.value or not team.on_duty:
            raise Conflict(f"team {team.code} is {team.status}{'' if team.on_duty else ', off duty'}")
        team.status = TeamStatus.DEPLOYED.value
    t = IncidentTaskRow(
        incident_id=row.id, title=task.title.strip()[:200],
        unit_code=task.unit_code or (team.unit_code if team else ""),
        unit_path=scope.unit_path(session, task.unit_code or (team.unit_code if team else "")),
        team_id=team.id if team else None, distance_km=distance_km, status=dom.TaskStatus.ASSIGNED.value,
        assigned_by=actor.username, assigned_at=now, ack_due=now + timedelta(minutes=task.ack_minutes),
        note=task.note.strip(), escalations=0, escalated_to="",
    )  # fmt: skip
    session.add(t)
    session.flush()
    to = f"队伍 {team.name}" if team else f"单位 {task.unit_code}"
    _event(session, row, "task", actor=actor.username, at=now, text=f"派发任务「{t.title}」给{to}",
           task_id=t.id, team=team.code if team else None, unit=t.unit_code, distance_km=distance_km)  # fmt: skip
    return t


def add_task(uow: UnitOfWork, actor: Actor, incident_id: int, task: NewTask, *, now: datetime) -> IncidentTaskRow:
    """Give a task to a unit or a team; it must be acknowledged within `ack_minutes`; commit."""
    require_command(actor)
    row = get_incident(uow.session, actor, incident_id)
    t = add_task_row(uow.session, actor, row, task, now=now)
    uow.commit()
    return t


def act_on_task(
    uow: UnitOfWork, actor: Actor, incident_id: int, task_id: int, action: str, *, now: datetime, note: str = ""
) -> IncidentTaskRow:
    """Acknowledge, arrive, finish or cancel a task (cancel is the command post's); commit."""
    session = uow.session
    task = session.get(IncidentTaskRow, task_id)
    if task is None or task.incident_id != incident_id:
        raise NotFound(f"No task {task_id} in incident {incident_id}.")
    incident = get_incident(session, actor, incident_id)
    act = _enum(dom.TaskAction, action, "task action")
    if act is dom.TaskAction.CANCEL:
        require_command(actor)
    task.status = dom.next_task_status(dom.TaskStatus(task.status), act).value
    if act is dom.TaskAction.ACKNOWLEDGE:
        task.acknowledged_at, task.acknowledged_by = now, actor.username
    elif act is dom.TaskAction.ARRIVE:
        task.arrived_at = now
        if incident.handled_at is None:
            incident.handled_at = now  # 早处置: the first arrival on site
    elif act in (dom.TaskAction.FINISH, dom.TaskAction.CANCEL):
        task.done_at = now
        _release_team(session, task)
    text = f"任务「{task.title}」{act.zh}" + (f"：{note.strip()}" if note.strip() else "")
    _event(session, incident, f"task_{act.value}", actor=actor.username, at=now, text=text, task_id=task.id)
    incident.updated_at = now
    uow.commit()
    return task


def escalate_unacknowledged(uow: UnitOfWork, *, now: datetime, ack_minutes: int = DEFAULT_ACK_MINUTES) -> int:
    """For the supervision tick: every task not acknowledged by its due time climbs one command level; commit once.

    The next escalation of the same task comes `ack_minutes` later. Returns how many tasks were escalated.
    """
    session = uow.session
    late = session.scalars(
        select(IncidentTaskRow)
        .where(IncidentTaskRow.status == dom.TaskStatus.ASSIGNED.value, IncidentTaskRow.ack_due <= now)
        .order_by(IncidentTaskRow.id)
    ).all()
    for task in late:
        incident = session.get_one(IncidentRow, task.incident_id)
        task.escalations += 1
        task.escalated_to = dom.escalated_level(incident.command_level, task.escalations)
        task.ack_due = now + timedelta(minutes=ack_minutes)
        _event(session, incident, "escalate_task", actor="system", at=now,
               text=f"任务「{task.title}」超时未签收，升级至 {task.escalated_to}", task_id=task.id,
               escalations=task.escalations, level=task.escalated_to)  # fmt: skip
    uow.commit()
    return len(late)


def open_or_join_from_case(session: Session, case: Any, actor: Actor, now: datetime) -> IncidentRow | None:
    """A 12345 report flagged as an emergency joins a responding incident of its type in its street (found within
    `JOIN_WINDOW_HOURS`) or opens a Ⅳ-grade one; in the caller's transaction (the intake commits). None otherwise.
    """
    if getattr(case, "urgency", None) != "emergency":
        return None
    kind = case.incident_type or dom.IncidentType.ACCIDENT.value
    if kind not in {m.value for m in dom.IncidentType}:
        kind = dom.IncidentType.ACCIDENT.value
    found_at = case.received_at
    if case.street_code:
        joined = session.scalar(
            select(IncidentRow)
            .where(
                IncidentRow.status == dom.IncidentStatus.RESPONDING.value,
                IncidentRow.type == kind,
                IncidentRow.street_code == case.street_code,
                IncidentRow.found_at >= now - timedelta(hours=dom.JOIN_WINDOW_HOURS),
                IncidentRow.exercise_run_id.is_(None)
                if getattr(case, "exercise_run_id", None) is None
                else IncidentRow.exercise_run_id == case.exercise_run_id,  # never mix drill and real work
            )
            .order_by(IncidentRow.found_at.desc())
        )
        if joined is not None:
            text = f"12345 工单 {case.number} 并入：{case.title}"
            _event(session, joined, "case", actor=actor.username, at=now, text=text, case_number=case.number)
            joined.updated_at = now
            return joined
    data = NewIncident(
        title=case.title, type=kind, grade=dom.Grade.IV.value, found_at=min(found_at, now), description=case.text,
        grid_code=case.grid_code or case.duty_grid_code, lng=case.lng_wgs84, lat=case.lat_wgs84,
        address=case.address or "", reported_at=case.received_at, case_number=case.number,
    )  # fmt: skip
    row = _add(session, actor, data, now=now)
    row.exercise_run_id = getattr(case, "exercise_run_id", None) or row.exercise_run_id
    row.street_code = case.street_code or row.street_code
    row.district_code = case.district_code or row.district_code
    if case.area_path:
        row.area_path = case.area_path
    return row
