"""Reading the hazard register: filters and pages, JSON, the CSV export, four-colour counts per area, map points."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gridloop.emergency.domain import hazards as dom
from gridloop.emergency.services import scope
from gridloop.emergency.services.hazards import overdue_workdays
from gridloop.emergency.tables import HazardEventRow, HazardRow
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.org import Actor
from gridloop.kernel.sla import WorkCalendar
from gridloop.platform.spreadsheet import safe_cell


@dataclass(frozen=True)
class HazardFilter:
    """List filters; they combine with AND."""

    status: list[str] | None = None
    colour: str | None = None
    category: str | None = None
    district: str | None = None
    street: str | None = None
    grid: str | None = None
    unit: str | None = None
    major: bool | None = None
    overdue: bool | None = None
    supervised: bool | None = None
    text: str | None = None


def history(session: Session, hazard_id: int) -> list[HazardEventRow]:
    """The hazard's events, oldest first."""
    return list(
        session.scalars(select(HazardEventRow).where(HazardEventRow.hazard_id == hazard_id).order_by(HazardEventRow.id))
    )


def _filtered(actor: Actor, f: HazardFilter, *, now: datetime) -> Select[Any]:
    q = select(HazardRow).where(scope.visible(actor, HazardRow.area_path, HazardRow.assigned_unit_path))
    if f.status:
        q = q.where(HazardRow.status.in_(f.status))
    if f.colour:
        q = q.where(HazardRow.colour == f.colour)
    if f.category:
        q = q.where(HazardRow.category == f.category)
    if f.district:
        q = q.where(HazardRow.district_code == f.district)
    if f.street:
        q = q.where(HazardRow.street_code == f.street)
    if f.grid:
        q = q.where(HazardRow.grid_code == f.grid)
    if f.unit:
        q = q.where((HazardRow.owner_unit_code == f.unit) | (HazardRow.assigned_unit_code == f.unit))
    if f.major is not None:
        q = q.where(HazardRow.major.is_(f.major))
    if f.supervised is not None:
        q = q.where(HazardRow.supervision_level.is_not(None) if f.supervised else HazardRow.supervision_level.is_(None))
    if f.overdue is not None:
        open_ = HazardRow.status.not_in([s.value for s in dom.TERMINAL])
        late = open_ & HazardRow.deadline.is_not(None) & (HazardRow.deadline < now)
        q = q.where(late if f.overdue else ~late)
    if f.text:
        like = f"%{f.text}%"
        q = q.where(HazardRow.title.like(like) | HazardRow.number.like(like) | HazardRow.address.like(like))
    return q


def list_hazards(
    session: Session, actor: Actor, f: HazardFilter, *, now: datetime, page: int = 1, per_page: int = 50
) -> tuple[list[HazardRow], int]:
    """A page of the hazards the actor may see (most recently found first) and the total."""
    q = _filtered(actor, f, now=now)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(
        q.order_by(HazardRow.found_at.desc(), HazardRow.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def hazard_to_dict(row: HazardRow, *, now: datetime, calendar: WorkCalendar | None = None) -> dict[str, Any]:
    """The hazard as JSON, with its allowed actions, overdue flag and 五落实 gaps."""
    status = dom.HazardStatus(row.status)
    late = overdue_workdays(row, now=now, calendar=calendar) if calendar is not None else None
    return {
        "id": row.id,
        "number": row.number,
        "title": row.title,
        "description": row.description,
        "category": row.category,
        "source": row.source,
        "case_number": row.case_number,
        "place": {"grid_code": row.grid_code, "street_code": row.street_code, "district_code": row.district_code,
                  "lng": row.lng, "lat": row.lat, "address": row.address},
        "owner_unit_code": row.owner_unit_code,
        "responsible_person": row.responsible_person,
        "major": row.major,
        "status": row.status,
        "status_zh": status.zh,
        "allowed_actions": [a.value for a in dom.allowed_actions(status)],
        "risk": {"likelihood": row.likelihood, "exposure": row.exposure, "consequence": row.consequence,
                 "lec_d": row.lec_d, "grade": row.risk_grade, "colour": row.colour},
        "assigned_unit_code": row.assigned_unit_code,
        "measures": row.measures,
        "funds": row.funds,
        "deadline": _iso(row.deadline),
        "interim_controls": row.interim_controls,
        "plan": row.plan,
        "five_implementations_missing": dom.missing_five_implementations(
            {"responsible_person": row.responsible_person, "measures": row.measures, "funds": row.funds,
             "deadline": row.deadline, "plan": row.plan}
        ) if row.major else [],
        "found_by": row.found_by,
        "found_at": _iso(row.found_at),
        "updated_at": _iso(row.updated_at),
        "closed_at": _iso(row.closed_at),
        "overdue": row.deadline is not None and status not in dom.TERMINAL and row.deadline < now,
        "overdue_workdays": late,
        "supervision_level": row.supervision_level,
        "supervised_at": _iso(row.supervised_at),
    }  # fmt: skip


def event_to_dict(event: HazardEventRow) -> dict[str, Any]:
    """One history event as JSON."""
    return {"action": event.action, "from": event.from_status, "to": event.to_status, "actor": event.actor,
            "at": _iso(event.at), "note": event.note, "data": event.data}  # fmt: skip


EXPORT_COLUMNS = (
    ("number", "编号"), ("title", "隐患名称"), ("category", "类别"), ("status_zh", "状态"), ("major", "重大隐患"),
    ("colour", "风险颜色"), ("lec_d", "LEC D值"), ("district_code", "区"), ("street_code", "街镇"),
    ("grid_code", "网格"), ("address", "地址"), ("owner_unit_code", "责任单位"), ("responsible_person", "责任人"),
    ("assigned_unit_code", "整改单位"), ("measures", "整改措施"), ("funds", "整改资金（元）"), ("deadline", "整改时限"),
    ("interim_controls", "临时管控措施"), ("plan", "应急预案"), ("supervision_level", "挂牌督办"),
    ("case_number", "来源工单"), ("found_by", "发现人"), ("found_at", "发现时间"), ("closed_at", "销号时间"),
)  # fmt: skip


def export_csv(session: Session, actor: Actor, f: HazardFilter, *, now: datetime) -> str:
    """The register as CSV (UTF-8 with a BOM so spreadsheet programs read the Chinese), Chinese headers."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([zh for _, zh in EXPORT_COLUMNS])
    for row in session.scalars(_filtered(actor, f, now=now).order_by(HazardRow.id)):
        d = hazard_to_dict(row, now=now)
        flat = {**d, **d["place"], **d["risk"], "major": "是" if row.major else "否"}
        cells = ["" if flat.get(k) is None else flat.get(k) for k, _ in EXPORT_COLUMNS]
        # Cells starting with = + - @ are formulas to spreadsheet programs; neutralise them.
        writer.writerow([safe_cell(v) for v in cells])
    return out.getvalue()


def risk_summary(
    session: Session, actor: Actor, *, by: str = "district", within: str | None = None
) -> list[dict[str, Any]]:
    """Four-colour counts of the open hazards the actor may see, per district or street code."""
    column = {"district": HazardRow.district_code, "street": HazardRow.street_code}.get(by)
    if column is None:
        raise InvalidInput("by is 'district' or 'street'")
    q = (
        select(column, HazardRow.colour, func.count())
        .where(HazardRow.status.not_in([s.value for s in dom.TERMINAL]), column.is_not(None))
        .where(scope.visible(actor, HazardRow.area_path, HazardRow.assigned_unit_path))
        .group_by(column, HazardRow.colour)
    )
    if within:
        q = q.where(column.like(f"{within}%"))
    areas: dict[str, dict[str, Any]] = {}
    for code, colour, count in session.execute(q):
        if code is None:
            continue
        entry = areas.setdefault(code, {"code": code, **dict.fromkeys(dom.COLOURS, 0), "unassessed": 0, "total": 0})
        entry[colour if colour in dom.COLOURS else "unassessed"] += count
        entry["total"] += count
    return [
        {**e, "colour": next((c for c in dom.COLOURS if e[c]), None)}  # the most severe colour present
        for e in sorted(areas.values(), key=lambda e: e["code"])
    ]


def points(rows: Iterable[HazardRow]) -> list[dict[str, Any]]:
    """Map points of hazards that have one (for the risk map)."""
    return [
        {"id": r.id, "number": r.number, "title": r.title, "lng": r.lng, "lat": r.lat, "colour": r.colour,
         "status": r.status, "major": r.major}
        for r in rows if r.lng is not None and r.lat is not None
    ]  # fmt: skip
