"""The hazard register (隐患台账) as use cases: report, turn a case into a hazard, act, supervise, list, export.

Every writing function takes a UnitOfWork and commits once. Moves go through `domain.hazards.apply()` (the
transition table and its guards); the register adds what needs the stored record: the 五落实 of a major hazard
before rectifying, who may act, and 挂牌督办 of overdue hazards counted on the working-day calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.services import queries as case_queries
from gridloop.dispatch.services.calendar import work_calendar
from gridloop.emergency.domain import hazards as dom
from gridloop.emergency.services import scope
from gridloop.emergency.tables import HazardEventRow, HazardRow
from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridloop.kernel.org import Actor
from gridloop.kernel.sla import SHANGHAI, WorkCalendar, add_workdays, end_of_day, workdays_between
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit

TZ = ZoneInfo(SHANGHAI)
SOURCES = ("grid_worker", "case", "inspection", "other")
#: Fields a caller may set with any action (the 五落实 and interim controls, the owner and responsible person).
PLAN_FIELDS = ("responsible_person", "measures", "funds", "interim_controls", "plan", "owner_unit_code")


@dataclass(frozen=True)
class NewHazard:
    """What a reporter says about a hazard they found."""

    title: str
    category: str
    description: str = ""
    grid_code: str | None = None
    lng: float | None = None
    lat: float | None = None
    address: str = ""
    owner_unit_code: str = ""
    responsible_person: str = ""
    major: bool = False
    source: str = "grid_worker"
    case_number: str | None = None


@dataclass(frozen=True)
class HazardActionRequest:
    """One action and what it carries (LEC factors, unit and deadline, the 五落实 fields, a note)."""

    action: str
    note: str = ""
    likelihood: float | None = None
    exposure: float | None = None
    consequence: float | None = None
    unit: str = ""
    deadline: datetime | None = None
    deadline_workdays: int | None = None
    plan_fields: dict[str, Any] = field(default_factory=dict)


def _local_day(moment: datetime) -> Any:
    return moment.astimezone(TZ).date()


def _place(grid_code: str | None) -> tuple[str | None, str | None]:
    """The district (6 digits) and street (9 digits) codes a GB/T 30428-style grid code lies in."""
    if not grid_code or not grid_code.isdigit() or len(grid_code) < 9:
        return (grid_code[:6] if grid_code and grid_code.isdigit() and len(grid_code) >= 6 else None), None
    return grid_code[:6], grid_code[:9]


def _check_new(session: Session, data: NewHazard) -> None:
    if not data.title.strip():
        raise InvalidInput("a hazard needs a title")
    if not data.category.strip():
        raise InvalidInput("a hazard needs a category")
    if data.source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}")
    if not data.grid_code and (data.lng is None or data.lat is None):
        raise InvalidInput("a hazard needs a place: a grid cell code or a point (lng, lat)")
    if (data.lng is None) != (data.lat is None):
        raise InvalidInput("give both lng and lat, or neither")
    if data.lng is not None and data.lat is not None and not (-180 <= data.lng <= 180 and -90 <= data.lat <= 90):
        raise InvalidInput("lng/lat are out of range (WGS 84 degrees)")
    if data.owner_unit_code:
        get_unit(session, data.owner_unit_code)


def _add(session: Session, actor: Actor, data: NewHazard, *, now: datetime) -> HazardRow:
    _check_new(session, data)
    district, street = _place(data.grid_code)
    row = HazardRow(
        number=f"t-{uuid4().hex[:28]}",  # replaced after the flush
        title=data.title.strip()[:200],
        description=data.description.strip(),
        category=data.category.strip()[:50],
        source=data.source,
        case_number=data.case_number,
        grid_code=data.grid_code,
        street_code=street,
        district_code=district,
        lng=data.lng,
        lat=data.lat,
        address=data.address.strip()[:500],
        area_path=scope.area_path(session, (data.grid_code, street, district), actor=actor),
        owner_unit_code=data.owner_unit_code,
        responsible_person=data.responsible_person.strip()[:100],
        major=data.major,
        status=dom.HazardStatus.FOUND.value,
        found_by=actor.username,
        found_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    row.number = f"YH{_local_day(now):%Y%m%d}{row.id:06d}"
    session.add(
        HazardEventRow(
            hazard_id=row.id, action="report", to_status=row.status, actor=actor.username, at=now,
            data={"source": data.source, "case_number": data.case_number},
        )
    )  # fmt: skip
    return row


def report_hazard(uow: UnitOfWork, actor: Actor, data: NewHazard, *, now: datetime) -> HazardRow:
    """Record a newly found hazard (status 已发现) and commit."""
    row = _add(uow.session, actor, data, now=now)
    uow.commit()
    return row


def hazard_from_case(
    uow: UnitOfWork, actor: Actor, case_number: str, *, now: datetime, category: str = "", major: bool = False
) -> HazardRow:
    """Turn a 12345 case into a hazard, keeping the case number; a case becomes at most one open hazard."""
    case = case_queries.get_case_by_number(uow.session, actor, case_number)
    if case.exercise_run_id is not None:  # the register has no exercise namespace: a drill's case stays in its drill
        raise Conflict(
            f"case {case.number} belongs to drill run {case.exercise_run_id} (演练) and cannot become a hazard"
        )
    open_one = uow.session.scalar(
        select(HazardRow).where(
            HazardRow.case_number == case.number,
            HazardRow.status.not_in([s.value for s in dom.TERMINAL]),
        )
    )
    if open_one is not None:
        raise Conflict(f"case {case.number} is already hazard {open_one.number}")
    data = NewHazard(
        title=case.title,
        category=category or case.category or "其他",
        description=case.text,
        grid_code=case.grid_code or case.duty_grid_code,
        lng=case.lng_wgs84,
        lat=case.lat_wgs84,
        address=case.address or "",
        major=major,
        source="case",
        case_number=case.number,
    )
    if not data.grid_code and data.lng is None:
        raise InvalidInput(f"case {case.number} has no grid cell and no point; locate it first")
    row = _add(uow.session, actor, data, now=now)
    row.district_code = case.district_code or row.district_code
    row.street_code = case.street_code or row.street_code
    row.area_path = scope.area_path(uow.session, (row.grid_code, row.street_code, row.district_code), actor=actor)
    uow.commit()
    return row


def get_hazard(session: Session, actor: Actor, hazard_id: int) -> HazardRow:
    """One hazard the actor may see; NotFound or Forbidden otherwise."""
    row = session.get(HazardRow, hazard_id)
    if row is None:
        raise NotFound(f"No hazard with id {hazard_id}.")
    if not scope.can_see(actor, row.area_path, [row.assigned_unit_path]):
        raise Forbidden(f"Hazard {row.number} is outside your area.")
    return row


def _domain(row: HazardRow) -> dom.Hazard:
    score = None
    if row.likelihood is not None and row.exposure is not None and row.consequence is not None:
        score = dom.lec_score(row.likelihood, exposure=row.exposure, consequence=row.consequence)
    return dom.Hazard(
        title=row.title,
        location=row.grid_code or row.address or "point",
        found_by=row.found_by,
        found_at=row.found_at,
        status=dom.HazardStatus(row.status),
        score=score,
        unit=row.assigned_unit_code,
        deadline=row.deadline,
        rectified_by=row.rectified_by,
    )


def _set_plan_fields(row: HazardRow, values: dict[str, Any], session: Session) -> dict[str, Any]:
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown fields {sorted(unknown)}; settable: {', '.join(PLAN_FIELDS)}")
    changed: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == "funds":
            if not isinstance(value, int | float) or value < 0:
                raise InvalidInput("funds is an amount in yuan, not negative")
            value = float(value)
        else:
            value = str(value).strip()
        if name == "owner_unit_code" and value:
            get_unit(session, value)
        setattr(row, name, value)
        changed[name] = value
    return changed


def _deadline(req: HazardActionRequest, *, now: datetime, calendar: Callable[[], WorkCalendar]) -> datetime | None:
    if req.deadline_workdays is not None:
        if req.deadline is not None:
            raise InvalidInput("give deadline or deadline_workdays, not both")
        if req.deadline_workdays < 1:
            raise InvalidInput("deadline_workdays is at least 1")
        day = add_workdays(_local_day(now), req.deadline_workdays, calendar=calendar())
        return end_of_day(day, tz=TZ)
    return req.deadline


def act_on_hazard(
    uow: UnitOfWork, actor: Actor, hazard_id: int, req: HazardActionRequest, *, now: datetime
) -> HazardRow:
    """Take one lifecycle action (the transition table's guards, who may act, the 五落实) and commit."""
    session = uow.session
    row = get_hazard(session, actor, hazard_id)
    try:
        action = dom.HazardAction(req.action)
    except ValueError:
        allowed = ", ".join(a.value for a in dom.allowed_actions(dom.HazardStatus(row.status)))
        raise InvalidInput(f"unknown action '{req.action}'; allowed now: {allowed or 'none'}") from None
    roles = dom.ACTION_ROLES.get(action)
    if roles is not None and actor.role.value not in roles:
        raise Forbidden(f"'{action.value}' is for the roles {', '.join(sorted(roles))}")
    dom.next_status(dom.HazardStatus(row.status), action)  # Conflict before any other check
    changed = _set_plan_fields(row, req.plan_fields, session)
    score = None
    if action in (dom.HazardAction.ASSESS, dom.HazardAction.REASSESS):
        if req.likelihood is None or req.exposure is None or req.consequence is None:
            raise InvalidInput("an assessment needs the LEC factors likelihood, exposure and consequence")
        score = dom.lec_score(req.likelihood, exposure=req.exposure, consequence=req.consequence)
    if req.unit:
        get_unit(session, req.unit)
    deadline = _deadline(req, now=now, calendar=lambda: work_calendar(session))
    if action is dom.HazardAction.START and row.major:
        missing = dom.missing_five_implementations(
            {"responsible_person": row.responsible_person, "measures": row.measures, "funds": row.funds,
             "deadline": row.deadline, "plan": row.plan}
        )  # fmt: skip
        if missing:
            raise Conflict(f"a major hazard starts rectifying only with the 五落实; missing: {'、'.join(missing)}")
    before = row.status
    moved = dom.apply(
        _domain(row), action, actor=actor.username, now=now, score=score, unit=req.unit, deadline=deadline,
        note=req.note,
    )  # fmt: skip
    row.status = moved.status.value
    if score is not None:
        row.likelihood, row.exposure, row.consequence = score.likelihood, score.exposure, score.consequence
        row.lec_d = score.d
        row.risk_grade = score.grade.value
        row.colour = dom.COLOUR_OF_GRADE[score.grade]
        changed.update(lec_d=score.d, colour=row.colour)
    if action in (dom.HazardAction.ASSIGN, dom.HazardAction.REASSIGN):
        row.assigned_unit_code = moved.unit
        row.assigned_unit_path = scope.unit_path(session, moved.unit)
        row.deadline = moved.deadline
        row.supervision_level = None  # a new deadline starts the supervision again
        row.supervised_at = None
        changed.update(unit=moved.unit, deadline=moved.deadline.isoformat() if moved.deadline else None)
    row.rectified_by = moved.rectified_by
    if moved.status is dom.HazardStatus.CLOSED:
        row.closed_at = now
    row.updated_at = now
    session.add(
        HazardEventRow(
            hazard_id=row.id, action=action.value, from_status=before, to_status=row.status, actor=actor.username,
            at=now, note=req.note.strip(), data=changed,
        )
    )  # fmt: skip
    uow.commit()
    return row


def overdue_workdays(row: HazardRow, *, now: datetime, calendar: WorkCalendar) -> int | None:
    """Working days since the deadline's day (0 on a later moment of a day counted so far), None when not overdue."""
    if row.deadline is None or row.status in {s.value for s in dom.TERMINAL} or row.deadline >= now:
        return None
    return max(0, workdays_between(_local_day(row.deadline), _local_day(now), calendar=calendar))


def supervise_overdue(uow: UnitOfWork, *, now: datetime, calendar: WorkCalendar | None = None) -> int:
    """挂牌督办: flag every open hazard past its deadline and raise the level as working days pass; commit once.

    Meant for the supervision tick; returns how many hazards were flagged or escalated.
    """
    session = uow.session
    cal = calendar or work_calendar(session)
    rows = session.scalars(
        select(HazardRow).where(
            HazardRow.deadline.is_not(None),
            HazardRow.deadline < now,
            HazardRow.status.not_in([s.value for s in dom.TERMINAL]),
        )
    ).all()
    moved = 0
    for row in rows:
        level = dom.supervision_level(overdue_workdays(row, now=now, calendar=cal))
        if level is None or level == row.supervision_level:
            continue
        before = row.supervision_level
        row.supervision_level = level
        row.supervised_at = now
        session.add(
            HazardEventRow(
                hazard_id=row.id, action="supervise", from_status=row.status, to_status=row.status,
                actor="system", at=now, note=f"挂牌督办（{level}）", data={"from_level": before, "level": level},
            )
        )  # fmt: skip
        moved += 1
    uow.commit()
    return moved
