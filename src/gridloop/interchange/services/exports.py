"""Exports for other systems: the case list, KPIs and hot issues as .xlsx or CSV with Chinese headers, labels and
local times; and "report once" (只报一次) — one definition per recipient, produced on its schedule, announced to
the recipient through the outbox, so a street office never types the same figures twice."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.services import Channel, Kpi, RequestType, Satisfaction, Status, Urgency
from gridloop.cases.services.kpis import GroupBy, Period, kpi_report
from gridloop.cases.services.queries import CaseFilter, iter_cases
from gridloop.cases.services.scope import visible_cases
from gridloop.interchange.adapters.files import write_csv, write_xlsx
from gridloop.interchange.domain.exports import (
    MEDIA_TYPES,
    ExportFormat,
    ExportKind,
    Schedule,
    file_name,
    next_run,
    period_before,
)
from gridloop.interchange.tables import ExportDefinitionRow, ExportRunRow
from gridloop.kernel.errors import InvalidInput, NotFound
from gridloop.kernel.org import Actor, Role
from gridloop.kernel.ports import Notice
from gridloop.platform.db.uow import UnitOfWorkFactory
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import CategoryRow, UnitRow

CASE_HEADER = [
    "工单编号", "标题", "办理状态", "诉求类型", "事项分类", "来源渠道", "紧急程度", "所属区", "所属街镇", "承办单位",
    "受理时间", "当前期限", "办结时间", "是否超期", "是否督办", "满意度", "历史导入",
]  # fmt: skip


@dataclass(frozen=True)
class ExportFile:
    """One produced export."""

    name: str
    content: bytes
    media_type: str
    rows: int


def reporting_actor(session: Session, unit_code: str | None) -> Actor:
    """Who an export reads as: an analyst (no personal data) at the recipient unit, or at the city root."""
    if unit_code:
        unit = session.scalars(select(UnitRow).where(UnitRow.code == unit_code)).first()
        if unit is None:
            raise InvalidInput(f"unknown unit code {unit_code!r}")
    else:
        unit = session.scalars(select(UnitRow).where(UnitRow.parent_id.is_(None)).order_by(UnitRow.id)).first()
        if unit is None:
            raise InvalidInput("the organisation is empty; nothing can be exported")
    return Actor(user_id=0, username="export", role=Role.ANALYST, unit_id=unit.id, unit_path=unit.path)


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return value.astimezone(tz) if value is not None else None


def _label(enum: Any, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(enum(value).zh)
    except ValueError:
        return value


def _case_rows(session: Session, actor: Actor, f: CaseFilter, *, now: datetime, tz: ZoneInfo) -> Iterator[list[Any]]:
    categories = dict(session.execute(select(CategoryRow.code, CategoryRow.name_zh)).all())
    areas = dict(session.execute(select(UnitRow.area_code, UnitRow.name).where(UnitRow.area_code.is_not(None))).all())
    units: dict[int, str] = {}
    for case in iter_cases(session, actor, f, now=now):
        lead = ""
        if case.lead_unit_id is not None:
            if case.lead_unit_id not in units:
                units[case.lead_unit_id] = session.get(UnitRow, case.lead_unit_id).name  # type: ignore[union-attr]
            lead = units[case.lead_unit_id]
        due = case.due_at if case.status not in ("closed", "cancelled", "merged") else None
        yield [
            case.number,
            case.title,
            _label(Status, case.status),
            _label(RequestType, case.request_type),
            categories.get(case.category or "", case.category or ""),
            _label(Channel, case.channel),
            _label(Urgency, case.urgency),
            areas.get(case.district_code or "", case.district_code or ""),
            areas.get(case.street_code or "", case.street_code or ""),
            lead,
            _local(case.received_at, tz),
            _local(due, tz),
            _local(case.closed_at, tz),
            "是" if due is not None and due < now else "否",
            "是" if case.supervised else "否",
            _label(Satisfaction, case.satisfaction),
            "是" if "imported" in (case.tags or []) else "",
        ]


def _table(
    session: Session,
    kind: ExportKind,
    *,
    actor: Actor,
    first: date,
    last: date,
    district: str | None,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[list[str], Sequence[list[Any]] | Iterator[list[Any]]]:
    period = Period(first, last)
    lo, hi = period.bounds(str(tz))
    if kind is ExportKind.CASES:
        f = CaseFilter(received_from=lo, received_to=hi, district=district)
        return CASE_HEADER, _case_rows(session, actor, f, now=now, tz=tz)
    if kind is ExportKind.KPIS:
        by = GroupBy.STREET if district else GroupBy.DISTRICT
        rows = kpi_report(session, by=by, period=period, key=district, tz=str(tz), visible=visible_cases(actor))
        header = [by.zh, *(k.zh for k in Kpi)]
        return header, [[r["name"] or "（未定位）", *(r.get(k.value) for k in Kpi)] for r in rows]
    from gridloop.triage.services.hotspots import hot_issues_of_cases, issues_as_dict

    issues = hot_issues_of_cases(session, start=lo, end=hi, top=20, visible=visible_cases(actor))
    ranking = issues_as_dict(issues)["热点问题表"]
    header = list(ranking[0]) if ranking else ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"]
    return header, [list(r.values()) for r in ranking]


def produce(
    session: Session,
    *,
    kind: ExportKind,
    fmt: ExportFormat,
    first: date,
    last: date,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    district: str | None = None,
    name: str | None = None,
) -> ExportFile:
    """The export of `kind` for local days [first, last] as the actor may see it (no personal data is included)."""
    header, rows = _table(session, kind, actor=actor, first=first, last=last, district=district, now=now, tz=tz)
    counted: list[int] = [0]

    def counting() -> Iterator[list[Any]]:
        for row in rows:
            counted[0] += 1
            yield row

    if fmt is ExportFormat.XLSX:
        content = write_xlsx([(kind.zh, header, counting())])
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with the BOM
        write_csv(buffer, header, counting())
        content = buffer.getvalue().encode("utf-8")
    return ExportFile(file_name(kind, fmt, first, last, name=name), content, MEDIA_TYPES[fmt], counted[0])


def create_definition(
    uow: UnitOfWorkFactory,
    *,
    name: str,
    kind: str,
    fmt: str,
    schedule: str,
    hour: int,
    recipient_unit: str | None,
    district: str | None,
    by: str,
    now: datetime,
    tz: ZoneInfo,
) -> int:
    """Define a recurring export for one recipient; returns its id. Every problem is named with its field."""
    from gridloop.kernel.errors import FieldError

    problems: list[FieldError] = []
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        problems.append(FieldError("name", "1 to 100 characters"))
    parsed: dict[str, Any] = {}
    for field_name, enum, raw in (
        ("kind", ExportKind, kind),
        ("format", ExportFormat, fmt),
        ("schedule", Schedule, schedule),
    ):
        try:
            parsed[field_name] = enum.parse(raw)
        except InvalidInput as exc:
            problems.append(FieldError(field_name, exc.detail))
    if not 0 <= hour <= 23:
        problems.append(FieldError("hour", "an hour from 0 to 23"))
    if district is not None and not (len(district) == 6 and district.isdigit()):
        problems.append(FieldError("district", "a six-digit district code"))
    with uow() as work:
        unit = None
        if recipient_unit:
            unit = work.session.scalars(select(UnitRow).where(UnitRow.code == recipient_unit)).first()
            if unit is None:
                problems.append(FieldError("recipient_unit", f"unknown unit code {recipient_unit!r}"))
        if problems:
            raise InvalidInput("the export definition has problems; see errors[]", errors=problems)
        row = ExportDefinitionRow(
            name=name,
            recipient_unit_id=unit.id if unit else None,
            recipient=unit.name if unit else "全市",
            kind=parsed["kind"].value,
            format=parsed["format"].value,
            filters={"district": district} if district else {},
            schedule=parsed["schedule"].value,
            hour=hour,
            active=True,
            next_run_at=next_run(parsed["schedule"], hour=hour, after=now, tz=tz),
            created_by=by[:100],
            created_at=now,
        )
        work.session.add(row)
        work.session.flush()
        new_id = row.id
        work.commit()
    return new_id


def list_definitions(session: Session) -> list[ExportDefinitionRow]:
    """Every definition, active first."""
    return list(
        session.scalars(select(ExportDefinitionRow).order_by(ExportDefinitionRow.active.desc(), ExportDefinitionRow.id))
    )


def recent_runs(session: Session, *, limit: int = 50) -> list[ExportRunRow]:
    """The latest produced files."""
    return list(session.scalars(select(ExportRunRow).order_by(ExportRunRow.id.desc()).limit(limit)))


def deactivate(uow: UnitOfWorkFactory, definition_id: int) -> None:
    """Stop a definition (its past runs stay)."""
    with uow() as work:
        row = work.session.get(ExportDefinitionRow, definition_id)
        if row is None:
            raise NotFound(f"no export definition {definition_id}")
        row.active = False
        work.commit()


def run_file(out_dir: Path, run: ExportRunRow) -> Path:
    """Where a run's file is kept."""
    return out_dir / str(run.definition_id or 0) / f"{run.id}-{run.file_name}"


def run_due(uow: UnitOfWorkFactory, *, now: datetime, deps: ServiceDeps, out_dir: Path) -> list[int]:
    """Produce every definition whose time has come (each in its own transaction, with its outbox notice), write
    the files under `out_dir`, and move each to its next run; returns the new run ids."""
    with uow() as work:
        due = list(
            work.session.scalars(
                select(ExportDefinitionRow.id).where(ExportDefinitionRow.active, ExportDefinitionRow.next_run_at <= now)
            )
        )
    done: list[int] = []
    for definition_id in due:
        with uow() as work:
            session = work.session
            d = session.get(ExportDefinitionRow, definition_id)
            if d is None or not d.active or d.next_run_at > now:
                continue  # another process took it
            schedule = Schedule(d.schedule)
            first, last = period_before(schedule, d.next_run_at.astimezone(deps.tz).date())
            recipient_code = session.get(UnitRow, d.recipient_unit_id).code if d.recipient_unit_id else None  # type: ignore[union-attr]
            actor = reporting_actor(session, recipient_code)
            made = produce(
                session,
                kind=ExportKind(d.kind),
                fmt=ExportFormat(d.format),
                first=first,
                last=last,
                actor=actor,
                now=now,
                tz=deps.tz,
                district=(d.filters or {}).get("district"),
                name=d.name,
            )
            lo, hi = Period(first, last).bounds(str(deps.tz))
            run = ExportRunRow(
                definition_id=d.id,
                at=now,
                period_start=lo,
                period_end=hi,
                rows=made.rows,
                file_name=made.name,
                size=len(made.content),
            )
            session.add(run)
            session.flush()
            path = run_file(out_dir, run)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(made.content)
            d.last_run_at = now
            d.next_run_at = next_run(schedule, hour=d.hour, after=now, tz=deps.tz)
            deps.outbox.enqueue(
                session,
                Notice(
                    kind="export_ready",
                    title=f"报表已生成：{d.name}",
                    body=f"{made.name}（{made.rows} 行），{first.isoformat()} 至 {last.isoformat()}",
                    unit_code=recipient_code,
                    payload={"definition_id": d.id, "run_id": run.id, "file": made.name, "rows": made.rows},
                ),
                now=now,
            )
            work.commit()
            done.append(run.id)
    return done
