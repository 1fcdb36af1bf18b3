"""KPIs per unit, street or district and period, from SQL aggregates (formulas in domain/metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gridloop.cases.domain.metrics import HIGHER_IS_BETTER, Kpi, KpiCounts, as_row, change, rank
from gridloop.cases.tables import CaseEventRow, CaseRow, SupervisionRow
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.labels import LabeledEnum
from gridloop.kernel.sla import SHANGHAI
from gridloop.platform.org.tables import UnitRow


class GroupBy(LabeledEnum):
    """The scopes KPIs are computed for."""

    UNIT = ("unit", "承办单位", "Lead unit")
    STREET = ("street", "街镇", "Street/town")
    DISTRICT = ("district", "区", "District")


@dataclass(frozen=True)
class Period:
    """Local calendar days [start, end], both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(f"The period ends ({self.end}) before it starts ({self.start}).")

    def bounds(self, tz: str = SHANGHAI) -> tuple[datetime, datetime]:
        """[from, to) as UTC instants."""
        zone = ZoneInfo(tz)
        lo = datetime.combine(self.start, time(0), tzinfo=zone).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return lo, hi

    def year_before(self) -> Period:
        """The same days one year earlier (29 Feb → 28 Feb)."""

        def back(d: date) -> date:
            try:
                return d.replace(year=d.year - 1)
            except ValueError:
                return d.replace(year=d.year - 1, day=28)

        return Period(back(self.start), back(self.end))


def _n(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(when((cond, 1), else_=0)), 0)


def _hours(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _group_column(by: GroupBy) -> Any:
    if by is GroupBy.UNIT:
        return UnitRow.code
    if by is GroupBy.STREET:
        return CaseRow.street_code
    return CaseRow.district_code


def _scoped(stmt: Any, by: GroupBy, key: str | None, visible: ColumnElement[bool] | None = None) -> Any:
    if by is GroupBy.UNIT:
        stmt = stmt.join(UnitRow, UnitRow.id == CaseRow.lead_unit_id)
    if visible is not None:
        stmt = stmt.where(visible)
    stmt = stmt.where(CaseRow.exercise_run_id.is_(None))  # exercise (演练) cases never count
    if key is not None:
        stmt = stmt.where(_group_column(by) == key)
    return stmt.group_by(_group_column(by))


def kpi_counts(
    session: Session,
    *,
    by: GroupBy,
    period: Period,
    key: str | None = None,
    tz: str = SHANGHAI,
    visible: ColumnElement[bool] | None = None,
) -> dict[str, KpiCounts]:
    """Counts per scope key (unit, street or district code) for one period: four aggregate queries,
    counting only the cases `visible` selects (the caller's scope)."""
    lo, hi = period.bounds(tz)
    g = _group_column(by)
    c = CaseRow
    in_cohort = and_(c.dispatched_at >= lo, c.dispatched_at < hi)
    due = or_(c.reply_due_at < hi, c.replied_at.is_not(None))
    dispatched = session.execute(
        _scoped(
            select(
                g,
                func.count(),
                _n(and_(c.signed_at.is_not(None), c.signed_at <= c.sign_due_at)),
                _n(and_(c.first_contact_at.is_not(None), c.first_contact_at <= c.contact_due_at)),
                _n(due),
                _n(and_(due, c.replied_at.is_not(None), c.replied_at <= c.reply_due_at)),
                _n(c.return_count > 0),
                _n(c.satisfaction.is_not(None)),
                _n(c.satisfaction == "satisfied"),
                _n(c.satisfaction == "basically_satisfied"),
                _n(c.solved.is_(True)),
                _n(c.replied_at.is_not(None)),
                func.coalesce(
                    func.sum(when((c.replied_at.is_not(None), _hours(session, c.replied_at, c.dispatched_at)))),
                    0.0,
                ),
            ).where(in_cohort),
            by,
            key,
            visible,
        )
    ).all()
    received = session.execute(
        _scoped(
            select(g, func.count(), _n(c.parent_case_id.is_not(None)), _n(c.closure_kind == "on_spot")).where(
                c.received_at >= lo, c.received_at < hi
            ),
            by,
            key,
            visible,
        )
    ).all()
    supervisions = session.execute(
        _scoped(
            select(g, func.count(SupervisionRow.id))
            .select_from(SupervisionRow)
            .join(c, c.id == SupervisionRow.case_id)
            .where(SupervisionRow.opened_at >= lo, SupervisionRow.opened_at < hi),
            by,
            key,
            visible,
        )
    ).all()
    extended = session.execute(
        _scoped(
            select(g, func.count(distinct(CaseEventRow.case_id)))
            .select_from(CaseEventRow)
            .join(c, c.id == CaseEventRow.case_id)
            .where(CaseEventRow.action == "approve_extension", in_cohort),
            by,
            key,
            visible,
        )
    ).all()
    acc: dict[str, dict[str, Any]] = {}

    def slot(k: str | None) -> dict[str, Any]:
        return acc.setdefault(k or "", {})

    for row in dispatched:
        s = slot(row[0])
        (
            s["dispatched"],
            s["signed_on_time"],
            s["contacted_on_time"],
            s["due_for_completion"],
            s["completed_on_time"],
            s["returned"],
            s["callbacks"],
            s["satisfied"],
            s["basically_satisfied"],
            s["solved"],
            s["handled"],
        ) = (int(v) for v in row[1:12])
        s["handling_hours_total"] = float(row[12] or 0.0)
    for row in received:
        s = slot(row[0])
        s["received"], s["repeats"], s["resolved_on_spot"] = int(row[1]), int(row[2]), int(row[3])
    for row in supervisions:
        slot(row[0])["supervisions"] = int(row[1])
    for row in extended:
        slot(row[0])["extended"] = int(row[1])
    return {k: KpiCounts(**v) for k, v in acc.items()}


def kpi_report(
    session: Session,
    *,
    by: GroupBy,
    period: Period,
    key: str | None = None,
    tz: str = SHANGHAI,
    visible: ColumnElement[bool] | None = None,
) -> list[dict[str, Any]]:
    """One row per scope with every KPI and its counts, sorted by scope key."""
    counts = kpi_counts(session, by=by, period=period, key=key, tz=tz, visible=visible)
    names = _names(session, by, list(counts))
    return [
        as_row(k, v, {"name": names.get(k, k), "from": period.start.isoformat(), "to": period.end.isoformat()})
        for k, v in sorted(counts.items())
    ]


def _names(session: Session, by: GroupBy, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    if by is GroupBy.UNIT:
        rows = session.execute(select(UnitRow.code, UnitRow.name).where(UnitRow.code.in_(keys)))
    else:
        rows = session.execute(select(UnitRow.area_code, UnitRow.name).where(UnitRow.area_code.in_(keys)))
    return {str(k): str(n) for k, n in rows if k}


def ranking(
    session: Session,
    *,
    by: GroupBy,
    kpi: Kpi,
    period: Period,
    tz: str = SHANGHAI,
    visible: ColumnElement[bool] | None = None,
) -> list[dict[str, Any]]:
    """Scopes ranked by one KPI (best first; ties share a rank; scopes without data last with rank 0)."""
    rows = kpi_report(session, by=by, period=period, tz=tz, visible=visible)
    ranked = rank(rows, value=lambda r: r[kpi.value], higher_is_better=HIGHER_IS_BETTER[kpi])
    return [{"rank": pos, **row} for pos, row in ranked]


def year_on_year(
    session: Session,
    *,
    period: Period,
    district: str | None = None,
    tz: str = SHANGHAI,
    visible: ColumnElement[bool] | None = None,
) -> list[dict[str, Any]]:
    """Cases received per category in the period and the same days a year before, with the relative change."""

    def counts(p: Period) -> dict[str, int]:
        lo, hi = p.bounds(tz)
        stmt = select(CaseRow.category, func.count()).where(
            CaseRow.received_at >= lo, CaseRow.received_at < hi, CaseRow.exercise_run_id.is_(None)
        )
        if district:
            stmt = stmt.where(CaseRow.district_code == district)
        if visible is not None:
            stmt = stmt.where(visible)
        return {str(k or ""): int(n) for k, n in session.execute(stmt.group_by(CaseRow.category))}

    now, before = counts(period), counts(period.year_before())
    out = []
    for cat in sorted(set(now) | set(before)):
        cur, prev = now.get(cat, 0), before.get(cat, 0)
        delta = change(cur, prev)
        out.append(
            {
                "category": cat,
                "current": cur,
                "previous": prev,
                "change": round(delta, 4) if delta is not None else None,
            }
        )
    return out
