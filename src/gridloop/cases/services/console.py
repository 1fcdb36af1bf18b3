"""Read models of the operations console: dispatcher queue, unit inbox, operations board, duplicate hints.

Every query is scoped with `visible_cases(actor)`; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from gridloop.cases.domain.lifecycle import OPEN_STATUSES, Status
from gridloop.cases.services import paging
from gridloop.cases.services.scope import small_scope, visible_cases, visible_cases_walked, visible_parts
from gridloop.cases.tables import CaseRow, CaseUnitRow
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.org import Actor
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import UnitRow

OPEN = [s.value for s in OPEN_STATUSES]
#: Statuses in which the handling unit holds the case.
AT_UNIT = [Status.SIGNED.value, Status.IN_PROGRESS.value]
DUE_SOON = timedelta(hours=24)
LIST_LIMIT = 100


#: What an inbox row shows (cases/templates/inbox.html): up to 400 rows, read as plain rows of these columns. Whole
#: cases (75 columns, long texts among them) with their units took longer to load than the SQL took to find them.
INBOX_COLUMNS = (CaseRow.id, CaseRow.number, CaseRow.title, CaseRow.status, CaseRow.due_at, CaseRow.supervised)


def _inbox_rows(session: Session, stmt: Executable) -> list[Any]:
    return list(session.execute(stmt).all())


class QueueTab:
    """The dispatcher's queue tabs (keys of QUEUE_TABS)."""

    NEW = "new"
    LOW_CONFIDENCE = "low_confidence"
    RETURNED = "returned"
    CROSS_CUTTING = "cross_cutting"


def _co_units() -> ColumnElement[bool]:
    # the active co-unit links are few: read them from their partial index (ix_case_units_active_co), not per case
    return CaseRow.id.in_(select(CaseUnitRow.case_id).where(CaseUnitRow.active, CaseUnitRow.role == "co"))


def _queue_predicates(threshold: float) -> dict[str, ColumnElement[bool]]:
    received = CaseRow.status == Status.RECEIVED.value
    return {
        QueueTab.NEW: received,
        QueueTab.LOW_CONFIDENCE: and_(
            received, or_(CaseRow.category.is_(None), CaseRow.category_confidence < threshold)
        ),
        QueueTab.RETURNED: CaseRow.status == Status.RETURN_REVIEW.value,
        QueueTab.CROSS_CUTTING: and_(CaseRow.status.in_(OPEN), _co_units()),
    }


QUEUE_TABS = (QueueTab.NEW, QueueTab.LOW_CONFIDENCE, QueueTab.RETURNED, QueueTab.CROSS_CUTTING)


#: Queue tabs count up to this many cases; past it a tab shows "999+" (see `queue_counts`).
QUEUE_COUNT_CAP = 999


def queue_counts(session: Session, actor: Actor, *, threshold: float) -> dict[str, int]:
    """How many cases wait in each queue tab, in one query; a count stops at QUEUE_COUNT_CAP + 1 ("999+")."""
    preds = _queue_predicates(threshold)
    scoped = visible_cases_walked(actor)

    def capped(pred: ColumnElement[bool]) -> Any:
        ids = select(CaseRow.id).where(scoped, pred).limit(QUEUE_COUNT_CAP + 1).subquery()
        return select(func.count()).select_from(ids).scalar_subquery()

    row = session.execute(select(*(capped(preds[t]).label(t) for t in QUEUE_TABS))).one()
    return {t: int(getattr(row, t)) for t in QUEUE_TABS}


def queue(
    session: Session,
    actor: Actor,
    *,
    tab: str,
    threshold: float,
    text: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> list[CaseRow]:
    """One page of a queue tab, oldest first (first in, first out); `text` narrows to a number or title."""
    preds = _queue_predicates(threshold)
    if tab not in preds:
        raise InvalidInput("Unknown queue.", errors=[])
    stmt = select(CaseRow).where(visible_cases_walked(actor), preds[tab])
    if text and text.strip():
        needle = text.strip()
        stmt = stmt.where(or_(CaseRow.number == needle, CaseRow.title.contains(needle, autoescape=True)))
    stmt = stmt.order_by(CaseRow.received_at, CaseRow.id).offset((max(page, 1) - 1) * per_page).limit(per_page)
    return list(session.scalars(stmt).unique().all())


@dataclass(frozen=True)
class Inbox:
    """A handling unit's work, by urgency of the deadline."""

    # rows of INBOX_COLUMNS (attributes id, number, title, status, due_at, supervised)
    to_sign: list[Any]
    overdue: list[Any]
    due_soon: list[Any]
    in_progress: list[Any]
    pending_extension: list[Any] = field(default_factory=list)


def inbox(session: Session, actor: Actor, *, now: datetime, limit: int = LIST_LIMIT) -> Inbox:
    """Cases at the actor's unit: to sign, overdue, due within a day, in progress (each soonest deadline first)."""
    small = small_scope(actor)
    if small:
        # a small scope (a unit's own cases, a street, a grid) is gathered first and sorted, each part of the scope
        # (area subtree, assigned units, own reports) narrowed by the list's status and deadline inside the part, so
        # the planner can meet the area range with the status index instead of hashing the whole scope; an order no
        # index serves keeps it from walking the whole deadline index for a few cases
        def rows(statuses: list[str], *where: ColumnElement[bool]) -> list[Any]:
            parts = [
                select(CaseRow.id, CaseRow.due_at).where(p, CaseRow.status.in_(statuses), *where)
                for p in visible_parts(actor)
            ]
            found = (union(*parts) if len(parts) > 1 else parts[0]).subquery()
            # the first `limit` by deadline are picked from (id, due_at) alone (index-only for the area part, whose
            # index carries both), so only they are read in full
            top = select(found.c.id).order_by(found.c.due_at.is_(None), found.c.due_at, found.c.id).limit(limit)
            stmt = select(*INBOX_COLUMNS).where(CaseRow.id.in_(top))
            stmt = stmt.order_by(CaseRow.due_at.is_(None), CaseRow.due_at, CaseRow.id).limit(limit)
            return _inbox_rows(session, stmt)

        if paging.reads_per_area(session, actor):
            return _inbox_per_area(session, actor, now=now, limit=limit)
        return Inbox(
            to_sign=rows([Status.DISPATCHED.value]),
            overdue=rows(AT_UNIT, CaseRow.due_at < now),
            due_soon=rows(AT_UNIT, CaseRow.due_at >= now, CaseRow.due_at < now + DUE_SOON),
            in_progress=rows(AT_UNIT, or_(CaseRow.due_at.is_(None), CaseRow.due_at >= now + DUE_SOON)),
        )
    # A large scope (the city, a district) reads each list along ix_cases_status_due, one range per status and per
    # deadline range (a status IN (…) or an OR with IS NULL has no index order: it would walk ix_cases_due_at and
    # skip the closed cases), each range stopping after `limit` rows; the ranges' ids are merged in one statement.
    scoped = visible_cases_walked(actor)
    by_due = (CaseRow.due_at.asc().nulls_last(), CaseRow.id)

    def walked(ranges: list[tuple[str, ColumnElement[bool] | None]]) -> list[Any]:
        parts = []
        for status, when in ranges:
            part = select(CaseRow.id).where(scoped, CaseRow.status == status)
            if when is not None:
                part = part.where(when)
            parts.append(part.order_by(*by_due).limit(limit).subquery())
        ids = union_all(*(select(p.c.id) for p in parts)).subquery() if len(parts) > 1 else parts[0]
        stmt = select(*INBOX_COLUMNS).where(CaseRow.id.in_(select(ids.c.id)))
        stmt = stmt.order_by(*by_due).limit(limit)
        return _inbox_rows(session, stmt)

    later, undated = CaseRow.due_at >= now + DUE_SOON, CaseRow.due_at.is_(None)
    return Inbox(
        to_sign=walked([(Status.DISPATCHED.value, None)]),
        overdue=walked([(s, CaseRow.due_at < now) for s in AT_UNIT]),
        due_soon=walked([(s, and_(CaseRow.due_at >= now, CaseRow.due_at < now + DUE_SOON)) for s in AT_UNIT]),
        in_progress=walked([(s, when) for s in AT_UNIT for when in (later, undated)]),
    )


def _inbox_per_area(session: Session, actor: Actor, *, now: datetime, limit: int) -> Inbox:
    """A street's or grid's inbox on PostgreSQL: per area unit, status and deadline range the first `limit` cases
    in deadline order from ix_cases_area_path (area_path, status, due_at, id), plus the assigned units' and own
    reports' cases of the list (few); the list is the first `limit` of those, read in full."""
    by_due: list[ColumnElement[Any]] = [CaseRow.due_at.asc().nulls_last(), CaseRow.id.asc()]
    others = visible_parts(actor)[1:]  # assigned units, own reports

    def rows(ranges: list[tuple[str, ColumnElement[bool] | None]], *where: ColumnElement[bool]) -> list[Any]:
        cols = (CaseRow.id, CaseRow.due_at)
        parts: list[Select[Any]] = [
            paging.per_area(actor, [CaseRow.status == st, *([w] if w is not None else [])], by_due, limit, *cols)
            for st, w in ranges
        ]
        statuses = sorted({st for st, _ in ranges})
        parts += [select(CaseRow.id, CaseRow.due_at).where(p, CaseRow.status.in_(statuses), *where) for p in others]  # type: ignore[misc]
        found = union(*(p.subquery().select() for p in parts)).subquery()
        top = select(found.c.id).order_by(found.c.due_at.is_(None), found.c.due_at, found.c.id).limit(limit)
        stmt = select(*INBOX_COLUMNS).where(CaseRow.id.in_(top)).order_by(*by_due).limit(limit)
        return _inbox_rows(session, stmt)

    soon, later, undated = CaseRow.due_at < now + DUE_SOON, CaseRow.due_at >= now + DUE_SOON, CaseRow.due_at.is_(None)
    return Inbox(
        to_sign=rows([(Status.DISPATCHED.value, None)]),
        overdue=rows([(s, CaseRow.due_at < now) for s in AT_UNIT], CaseRow.due_at < now),
        due_soon=rows([(s, and_(CaseRow.due_at >= now, soon)) for s in AT_UNIT], CaseRow.due_at >= now, soon),
        in_progress=rows([(s, w) for s in AT_UNIT for w in (later, undated)], or_(undated, later)),
    )


def similar_open_cases(
    session: Session, actor: Actor, *, address: str | None, title: str | None, now: datetime, limit: int = 5
) -> list[CaseRow]:
    """Open cases of the last 7 days at the same address or with the same title: possible duplicates."""
    tests = []
    if address and len(address.strip()) >= 4:
        tests.append(CaseRow.address == address.strip())
    if title and len(title.strip()) >= 4:
        tests.append(CaseRow.title == title.strip())
    if not tests:
        return []
    stmt = (
        select(CaseRow)
        .where(visible_cases(actor), CaseRow.status.in_(OPEN), CaseRow.received_at >= now - timedelta(days=7))
        .where(or_(*tests))
        .order_by(CaseRow.received_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt).unique().all())


# ---------------------------------------------------------------- intake suggestions


def suggest(
    session: Session,
    actor: Actor,
    *,
    deps: ServiceDeps,
    title: str,
    text: str,
    address: str | None,
    lng: float | None,
    lat: float | None,
) -> dict[str, Any]:
    """What the configured triage and locator say about a report being typed, and possible duplicates."""
    out: dict[str, Any] = {"triage": None, "areas": [], "duplicates": []}
    if deps.triage is not None and (title.strip() or len(text.strip()) >= 4):
        r = deps.triage.analyse(title=title, text=text)
        out["triage"] = {
            "category": r.category,
            "confidence": round(r.confidence, 3),
            "urgency": r.urgency,
            "urgency_reason": r.urgency_reason,
            "incident_type": r.incident_type,
            "meaningless": r.meaningless,
            "reason": r.reason,
        }
    if deps.locator is not None:
        matches = []
        if lng is not None and lat is not None:
            point = deps.locator.locate_point(lng, lat, "wgs84")
            matches = [point] if point is not None else []
        place = " ".join(p for p in (address, title, text) if p)
        if not matches and place.strip():
            matches = deps.locator.locate_text(place)[:5]
        out["areas"] = [
            {"code": m.finest_code, "name": m.name, "confidence": round(m.confidence, 3), "method": m.method}
            for m in matches
            if m.finest_code
        ]
    now = deps.clock.now()
    out["duplicates"] = [
        {"id": c.id, "number": c.number, "title": c.title, "status": c.status}
        for c in similar_open_cases(session, actor, address=address, title=title, now=now)
    ]
    return out


def linked_cases(session: Session, actor: Actor, case_row: CaseRow) -> dict[str, list[CaseRow]]:
    """The parent a case was merged into and the duplicates merged into it, those the actor may see."""
    parent = []
    if case_row.parent_case_id is not None:
        parent = list(
            session.scalars(select(CaseRow).where(CaseRow.id == case_row.parent_case_id, visible_cases(actor)))
        )
    children = session.scalars(
        select(CaseRow)
        .where(CaseRow.parent_case_id == case_row.id, visible_cases(actor))
        .order_by(CaseRow.id)
        .limit(LIST_LIMIT)
    )
    return {"parent": parent, "duplicates": list(children.unique().all())}


def dispatch_targets(session: Session) -> list[UnitRow]:
    """Units a case can be sent to: departments, enterprises, and area offices down to street level."""
    stmt = (
        select(UnitRow)
        .where(or_(UnitRow.kind != "area", UnitRow.level.in_(["city", "district", "street"])))
        .order_by(UnitRow.code)
    )
    return list(session.scalars(stmt))


def dispatch_suggestion(case: CaseRow) -> dict[str, Any]:
    """The unit auto-dispatch suggested for a case it left to a dispatcher, and why (nothing once it dispatched)."""
    if case.dispatch_auto:
        return {"suggested_unit": None, "suggested_co_units": "", "suggest_reason": None}
    return {
        "suggested_unit": case.suggested_unit,
        "suggested_co_units": ",".join(case.suggested_co_units or []),
        "suggest_reason": case.suggest_reason,
    }
