"""The operations board (运行看板) of the console: open, overdue and closed cases of an area and its children,
KPIs, trend and unit ranking, scoped with `visible_cases(actor)`; kept in a `BoardCache` and refreshed ahead by
`serve` (`refresh_boards`). Nothing here writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from gridloop.cases.domain.lifecycle import Satisfaction, Status
from gridloop.cases.services.board_cache import BoardCache
from gridloop.cases.services.console import OPEN
from gridloop.cases.services.scope import is_root, visible_cases
from gridloop.cases.tables import CaseRow
from gridloop.kernel.errors import Forbidden, NotFound
from gridloop.kernel.org import ROLE_SCOPE, Actor, ScopeRule, is_within
from gridloop.platform.org.tables import UnitRow


@dataclass(frozen=True)
class AreaCount:
    """Open and overdue cases of one area (a child of the board's area)."""

    code: str
    name: str
    level: str
    open: int
    overdue: int


@dataclass(frozen=True)
class AreaRef:
    """An area unit as the board shows it (plain data, safe to keep beyond the session)."""

    area_code: str
    name: str
    level: str
    is_top: bool

    @classmethod
    def of(cls, unit: UnitRow) -> AreaRef:
        """From a unit row."""
        return cls(
            area_code=unit.area_code or unit.code, name=unit.name, level=unit.level, is_top=unit.parent_id is None
        )


@dataclass(frozen=True)
class Board:
    """What the operations board shows for one area."""

    area: AreaRef
    trail: list[AreaRef]
    children: list[AreaCount]
    kpis: dict[str, Any]
    trend: dict[str, list[Any]]
    overdue_units: list[tuple[str, str, int]]
    closing_units: list[tuple[str, str, int]]
    open_here: list[CaseRow]


def _home_area(session: Session, actor: Actor) -> UnitRow:
    """The area unit the actor's board starts at: their own unit, or the nearest area above it."""
    ids = [int(p) for p in actor.unit_path.strip("/").split("/") if p]
    units = {u.id: u for u in session.scalars(select(UnitRow).where(UnitRow.id.in_(ids)))}
    for uid in reversed(ids):
        unit = units.get(uid)
        if unit is not None and unit.kind == "area":
            return unit
    raise NotFound("Your unit has no area above it; the board needs one.")


def board_area(session: Session, actor: Actor, code: str | None) -> tuple[UnitRow, list[UnitRow]]:
    """The area to show (default: the actor's home area) and its trail from the actor's home area down."""
    home = _home_area(session, actor)
    if not code:
        return home, [home]
    unit = session.scalar(select(UnitRow).where(UnitRow.area_code == code, UnitRow.kind == "area"))
    if unit is None:
        raise NotFound(f"No area with code '{code}'.")
    if not (is_root(actor) or is_within(unit.path, home.path)):
        raise Forbidden(f"Area '{code}' is outside your part of the city.")
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    chain = {u.id: u for u in session.scalars(select(UnitRow).where(UnitRow.id.in_(ids)))}
    trail = [chain[i] for i in ids if i in chain and is_within(chain[i].path, home.path)]
    return unit, trail or [unit]


#: Used when a caller gives no zone (tests, benchmarks); the console passes GRIDLOOP_TIMEZONE.
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


def local_day(session: Session, col: Any, *, tz: ZoneInfo, now: datetime) -> Any:
    """SQL expression: the calendar day in `tz` of a UTC timestamp column, as text YYYY-MM-DD (on SQLite with the
    zone's offset at `now`)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(tz.key, col), "YYYY-MM-DD")
    offset = tz.utcoffset(now.replace(tzinfo=None)) or timedelta(0)
    return func.date(col, f"{int(offset.total_seconds())} seconds")


def _area_scope(actor: Actor, area: UnitRow, *, located_only: bool) -> ColumnElement[bool]:
    """Cases of an area that the actor may see (with located_only=False at the top: every visible case).

    When the area lies inside the actor's own area and the role sees by area, every case located there is
    visible, so the scope test (an OR with a subquery) is left out: same rows, a much cheaper query.
    """
    if not located_only:
        return visible_cases(actor)
    in_area = CaseRow.area_path.startswith(area.path, autoescape=True)
    if ROLE_SCOPE[actor.role] is ScopeRule.AREA_OR_ASSIGNED and is_within(area.path, actor.unit_path):
        return in_area
    return and_(visible_cases(actor), in_area)


def _children_counts(session: Session, actor: Actor, area: UnitRow, now: datetime) -> list[AreaCount]:
    children = list(
        session.scalars(
            select(UnitRow).where(UnitRow.parent_id == area.id, UnitRow.kind == "area").order_by(UnitRow.code)
        )
    )
    overdue = func.sum(case((CaseRow.due_at < now, 1), else_=0))
    stmt = (
        select(CaseRow.area_path, func.count(), overdue)
        .where(_area_scope(actor, area, located_only=True), CaseRow.status.in_(OPEN))
        .group_by(CaseRow.area_path)
    )
    sums: dict[int, list[int]] = {c.id: [0, 0] for c in children}
    by_path = {c.path: c.id for c in children}
    for path, n_open, n_overdue in session.execute(stmt):
        rest = path[len(area.path) :]
        head = rest.split("/", 1)[0]
        key = by_path.get(f"{area.path}{head}/") if head else None
        if key is not None:
            sums[key][0] += int(n_open)
            sums[key][1] += int(n_overdue or 0)
    return [AreaCount(c.area_code or c.code, c.name, c.level, sums[c.id][0], sums[c.id][1]) for c in children]


def _kpis(session: Session, scoped: ColumnElement[bool], now: datetime, *, tz: ZoneInfo) -> dict[str, Any]:
    today = datetime(*now.astimezone(tz).timetuple()[:3], tzinfo=tz)
    month_ago = now - timedelta(days=30)
    is_open = CaseRow.status.in_(OPEN)
    satisfied = [Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value]

    def total(pred: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((pred, 1), else_=0)), 0)

    row = session.execute(
        select(
            total(is_open),
            total(and_(is_open, CaseRow.due_at < now)),
            total(CaseRow.received_at >= today),
            total(and_(CaseRow.status == Status.CLOSED.value, CaseRow.closed_at >= month_ago)),
            total(and_(CaseRow.satisfaction.is_not(None), CaseRow.closed_at >= month_ago)),
            total(and_(CaseRow.satisfaction.in_(satisfied), CaseRow.closed_at >= month_ago)),
            total(and_(is_open, CaseRow.supervised)),
        ).where(scoped)
    ).one()
    n_open, n_overdue, n_today, n_closed, n_rated, n_satisfied, n_supervised = (int(v) for v in row)
    return {
        "open": n_open,
        "overdue": n_overdue,
        "received_today": n_today,
        "closed_30d": n_closed,
        "satisfaction_30d": round(100.0 * n_satisfied / n_rated, 1) if n_rated else None,
        "supervised_open": n_supervised,
    }


def _trend(
    session: Session, scoped: ColumnElement[bool], now: datetime, *, tz: ZoneInfo, days: int = 30
) -> dict[str, list[Any]]:
    """Cases received per day over the last `days` days, and on the same days one year earlier."""
    start = now - timedelta(days=days)
    last_year = timedelta(days=364)  # same weekday one year earlier
    day = local_day(session, CaseRow.received_at, tz=tz, now=now)

    def per_day(lo: datetime, hi: datetime) -> dict[str, int]:
        stmt = (
            select(day, func.count()).where(scoped, CaseRow.received_at >= lo, CaseRow.received_at < hi).group_by(day)
        )
        return {str(d): int(n) for d, n in session.execute(stmt)}

    now_days = per_day(start, now)
    then_days = per_day(start - last_year, now - last_year)
    labels, this, prior = [], [], []
    for i in range(days, -1, -1):
        d = (now - timedelta(days=i)).astimezone(tz)
        labels.append(d.strftime("%m-%d"))
        this.append(now_days.get(d.strftime("%Y-%m-%d"), 0))
        prior.append(then_days.get((d - last_year).strftime("%Y-%m-%d"), 0))
    return {"days": labels, "this_year": this, "last_year": prior}


def _unit_ranking(
    session: Session, scoped: ColumnElement[bool], pred: ColumnElement[bool], limit: int
) -> list[tuple[str, str, int]]:
    n = func.count().label("n")
    stmt = (
        select(UnitRow.code, UnitRow.name, n)
        .join(CaseRow, CaseRow.lead_unit_id == UnitRow.id)
        .where(scoped, pred)
        .group_by(UnitRow.code, UnitRow.name)
        .order_by(n.desc(), UnitRow.code)
        .limit(limit)
    )
    return [(c, name, int(k)) for c, name, k in session.execute(stmt)]


def board(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    area_code: str | None = None,
    cache: BoardCache[Board] | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> Board:
    """Counts, KPIs, trend and rankings for an area within the actor's scope (kept for a minute with a cache)."""
    key = cache.key(actor, area_code, now) if cache is not None else None
    if cache is not None and key is not None:
        cache.wanted(actor, area_code, now)
        kept = cache.get(key, now=now)
        if kept is not None:
            return kept
    built = _build_board(session, actor, now=now, area_code=area_code, tz=tz)
    if cache is not None and key is not None and not built.open_here:
        cache.put(key, built, now=now)
    return built


def refresh_boards(
    uow_factory: Callable[[], Any], cache: BoardCache[Board], *, now: datetime, tz: ZoneInfo = DEFAULT_TZ
) -> int:
    """Build the boards `cache.due` names (scopes looked at recently, next bucket not kept yet) and keep them for
    their bucket: run by a background thread (`cases.jobs.start_board_refresh`) so page loads find them kept.
    Returns how many were built."""
    built_n = 0
    for actor, area_code, key in cache.due(now, ahead=cache.ttl / 2):
        with uow_factory() as uow:
            built = _build_board(uow.session, actor, now=now, area_code=area_code, tz=tz)
        if not built.open_here:
            cache.put(key, built, now=now)
            built_n += 1
    return built_n


def _build_board(session: Session, actor: Actor, *, now: datetime, area_code: str | None, tz: ZoneInfo) -> Board:
    area, trail = board_area(session, actor, area_code)
    scoped = _area_scope(actor, area, located_only=area.parent_id is not None)
    is_open = CaseRow.status.in_(OPEN)
    children = _children_counts(session, actor, area, now)
    open_here: list[CaseRow] = []
    if not children:
        open_here = list(
            session.scalars(
                select(CaseRow).where(scoped, is_open).order_by(CaseRow.due_at.asc().nulls_last(), CaseRow.id).limit(50)
            )
            .unique()
            .all()
        )
    return Board(
        area=AreaRef.of(area),
        trail=[AreaRef.of(u) for u in trail],
        children=children,
        kpis=_kpis(session, scoped, now, tz=tz),
        trend=_trend(session, scoped, now, tz=tz),
        overdue_units=_unit_ranking(session, scoped, and_(is_open, CaseRow.due_at < now), 10),
        closing_units=_unit_ranking(
            session,
            scoped,
            and_(CaseRow.status == Status.CLOSED.value, CaseRow.closed_at >= now - timedelta(days=30)),
            10,
        ),
        open_here=open_here,
    )
