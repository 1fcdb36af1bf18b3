"""Reading cases: scoped lists with filters, one case, its timeline, and the shapes clients receive."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, union
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, joinedload

from gridloop.cases.domain.lifecycle import OPEN_STATUSES, Action, Status, allowed_actions
from gridloop.cases.services import paging
from gridloop.cases.services.coordination import latest_co_replies
from gridloop.cases.services.extensions import pending_extension
from gridloop.cases.services.scope import require_visible, visible_cases, visible_cases_walked, visible_parts
from gridloop.cases.tables import CaseEventRow, CaseRow, CaseUnitRow
from gridloop.kernel.errors import InvalidInput, NotFound
from gridloop.kernel.org import Actor, Permission, Role, is_within, mask_name, mask_phone
from gridloop.platform.org.tables import UnitRow

MAX_PAGE_SIZE = 200
#: Lists count at most this many matches exactly; past it the total reads "more than TOTAL_CAP" (shown 10,000+).
#: An exact count of millions of rows costs seconds on every page load and tells an operator nothing more.
TOTAL_CAP = 10_000


@dataclass(frozen=True)
class CaseFilter:
    """Filters of the case list."""

    status: list[str] | None = None
    unit: str | None = None
    district: str | None = None
    category: str | None = None
    overdue: bool | None = None
    text: str | None = None
    supervised: bool | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    categories: list[str] | None = None
    numbers: list[str] | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None


SORTABLE = {
    "received_at": CaseRow.received_at,
    "due_at": CaseRow.due_at,
    "number": CaseRow.number,
    "updated_at": CaseRow.updated_at,
}


def _filtered(actor: Actor, f: CaseFilter, *, now: datetime, session: Session) -> Select[CaseRow]:
    return select(CaseRow).where(visible_cases(actor), *_conditions(f, now=now, session=session))


def _conditions(f: CaseFilter, *, now: datetime, session: Session) -> list[ColumnElement[bool]]:
    """The filter as WHERE conditions (without the scope)."""
    conds: list[ColumnElement[bool]] = []
    if f.status:
        for s in f.status:
            try:
                Status.parse(s)
            except ValueError as exc:
                raise InvalidInput("Bad status filter.", errors=[_fe("status", str(exc))]) from None
        conds.append(CaseRow.status.in_(f.status))
    if f.unit:
        unit = session.scalar(select(UnitRow).where(UnitRow.code == f.unit))
        if unit is None:
            raise InvalidInput("Bad unit filter.", errors=[_fe("unit", f"no unit with code '{f.unit}'")])
        assigned = select(CaseUnitRow.case_id).where(
            CaseUnitRow.unit_path.startswith(unit.path, autoescape=True), CaseUnitRow.active
        )
        conds.append(CaseRow.id.in_(assigned))
    if f.district:
        conds.append(CaseRow.district_code == f.district)
    if f.category:
        conds.append(CaseRow.category == f.category)
    if f.overdue is True:
        conds.extend((CaseRow.due_at < now, CaseRow.status.in_([s.value for s in OPEN_STATUSES])))
    elif f.overdue is False:
        conds.append(or_(CaseRow.due_at.is_(None), CaseRow.due_at >= now))
    if f.supervised is not None:
        conds.append(CaseRow.supervised.is_(f.supervised))
    if f.text:
        like = f"%{f.text.strip()}%"
        conds.append(or_(CaseRow.title.like(like), CaseRow.text.like(like), CaseRow.number == f.text.strip()))
    if f.received_from:
        conds.append(CaseRow.received_at >= f.received_from)
    if f.received_to:
        conds.append(CaseRow.received_at < f.received_to)
    if f.categories:
        conds.append(CaseRow.category.in_(f.categories))
    if f.numbers:
        conds.append(CaseRow.number.in_(f.numbers))
    if f.updated_from:
        conds.append(CaseRow.updated_at >= f.updated_from)
    if f.updated_to:
        conds.append(CaseRow.updated_at < f.updated_to)
    return conds


def _fe(field_name: str, message: str) -> Any:
    from gridloop.kernel.errors import FieldError

    return FieldError(field_name, message)


def list_cases(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    *,
    now: datetime,
    page: int = 1,
    per_page: int = 50,
    sort: str = "-received_at",
    with_total: bool = True,
    total_cap: int | None = TOTAL_CAP,
    seek: paging.Seek | None = None,
) -> tuple[list[CaseRow], int | None]:
    """One page of the cases the actor may see, newest first by default, and the total count.

    With `seek` (a page link's position, `paging.parse`) the page is the `per_page` rows after that row (before it,
    reading backward) and `page` is not used.

    The count stops at `total_cap + 1`: a total above `total_cap` means "more than `total_cap`" (see `is_capped`);
    `total_cap=None` counts exactly.
    """
    if page < 1 or not (1 <= per_page <= MAX_PAGE_SIZE):
        raise InvalidInput("Bad paging.", errors=[_fe("per_page", f"page ≥ 1 and 1 ≤ per_page ≤ {MAX_PAGE_SIZE}")])
    key = sort.lstrip("-")
    if key not in SORTABLE:
        raise InvalidInput("Bad sort.", errors=[_fe("sort", f"one of {', '.join(SORTABLE)} (prefix - for desc)")])
    col = SORTABLE[key]
    conds = _conditions(f, now=now, session=session)
    total = _count(session, actor, conds, cap=total_cap) if with_total else None
    descending = sort.startswith("-")
    # a page link's position (paging.Seek) reads on from the row before the page, as cheap as page 1; a bare page
    # number skips (page - 1) × per_page rows (OFFSET)
    offset = 0 if seek is not None else (page - 1) * per_page
    by = paging.order(col, descending=descending, backward=seek is not None and seek.backward)
    where = list(conds)
    if seek is not None:
        where.append(paging.beyond(col, seek, descending=descending, nulls_high=paging.nulls_sort_high(session)))
    if paging.reads_per_area(session, actor):
        # a street's or grid's cases read per area unit in page order (PostgreSQL), not gathered whole and sorted
        stmt = select(CaseRow).where(CaseRow.id.in_(paging.small_scope_page_ids(actor, where, by, offset + per_page)))
    else:
        stmt = select(CaseRow).where(visible_cases_walked(actor), *where)
    rows = list(session.scalars(stmt.order_by(*by).offset(offset).limit(per_page)).unique().all())
    if seek is not None and seek.backward:
        rows.reverse()
    return rows, total


def _count(session: Session, actor: Actor, conds: list[ColumnElement[bool]], *, cap: int | None) -> int:
    """How many visible cases match, exactly or (with `cap`) up to just past `cap`.

    Capped, each part of the scope (area subtree, assigned units, own reports) is counted up to cap + 1 along its
    own index and the parts' ids are united: if any part reached cap + 1 the union did too, otherwise it is exact.
    """
    if cap is None:
        stmt = select(CaseRow.id).where(visible_cases(actor), *conds)
        return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    parts = [select(CaseRow.id).where(part, *conds).limit(cap + 1).subquery() for part in visible_parts(actor)]
    if len(parts) == 1:
        return int(session.scalar(select(func.count()).select_from(parts[0])) or 0)
    ids = union(*(select(p.c.id) for p in parts)).subquery()
    # The first part (the area subtree for a district) alone past the cap settles it: its count is tested first and
    # the union is counted only when it is not (PostgreSQL runs a CASE branch's subquery only when it is reached),
    # so a district's list does not gather its assigned units' cases on every page.
    first = select(func.count()).select_from(parts[0]).scalar_subquery()
    counted = sql_case((first > cap, cap + 1), else_=select(func.count()).select_from(ids).scalar_subquery())
    return int(session.scalar(select(counted)) or 0)


def is_capped(total: int | None, cap: int | None) -> bool:
    """Whether a total from `list_cases` is only a lower bound (more than `cap` cases matched)."""
    return total is not None and cap is not None and total > cap


def reported_by(session: Session, actor: Actor, *, limit: int = 50) -> list[CaseRow]:
    """The cases the actor reported themselves (a reporter always sees their own), newest first."""
    stmt = select(CaseRow).where(CaseRow.created_by_id == actor.user_id)
    return list(session.scalars(stmt.order_by(CaseRow.id.desc()).limit(limit)).unique().all())


def iter_cases(session: Session, actor: Actor, f: CaseFilter, *, now: datetime, batch: int = 1000) -> Iterator[CaseRow]:
    """Every visible case matching the filter, streamed in id order (for exports)."""
    last = 0
    base = _filtered(actor, f, now=now, session=session)
    while True:
        rows = session.scalars(base.where(CaseRow.id > last).order_by(CaseRow.id).limit(batch)).unique().all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def get_case(session: Session, actor: Actor, case_id: int) -> CaseRow:
    """One case the actor may see (NotFound / Forbidden otherwise), with its loop state in the same query."""
    state = [joinedload(CaseRow.coordinations), joinedload(CaseRow.extensions), joinedload(CaseRow.callbacks)]
    case = session.get(CaseRow, case_id, options=state)
    if case is None:
        raise NotFound(f"No case with id {case_id}.")
    require_visible(session, actor, case)
    return case


def get_case_by_number(session: Session, actor: Actor, number: str) -> CaseRow:
    """One case by its number."""
    case = session.scalar(select(CaseRow).where(CaseRow.number == number))
    if case is None:
        raise NotFound(f"No case numbered '{number}'.")
    require_visible(session, actor, case)
    return case


def timeline(session: Session, actor: Actor, case_id: int) -> list[CaseEventRow]:
    """Every audit event of a case, oldest first."""
    get_case(session, actor, case_id)
    return list(
        session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(CaseEventRow.id)).all()
    )


def unit_codes(session: Session, cases: list[CaseRow]) -> dict[int, tuple[str, str]]:
    """Code and name of every unit on the given cases, in one query."""
    ids = {cu.unit_id for c in cases for cu in c.units}
    if not ids:
        return {}
    return {u.id: (u.code, u.name) for u in session.scalars(select(UnitRow).where(UnitRow.id.in_(ids)))}


def wait_for_triage(session: Session, actor: Actor, case_id: int, *, seconds: float, poll: float = 0.05) -> CaseRow:
    """The case once triage finished, or as it is after `seconds` (a read-only poll; each look is a fresh read)."""
    deadline = time.monotonic() + seconds
    while True:
        session.rollback()  # end the read transaction: the next look sees what the workers committed
        case = get_case(session, actor, case_id)
        session.refresh(case)
        if case.triage_status != "pending" or time.monotonic() >= deadline:
            return case
        time.sleep(poll)


def case_to_dict(
    case: CaseRow, actor: Actor, *, units: dict[int, tuple[str, str]], now: datetime, full: bool = True
) -> dict[str, Any]:
    """A case as clients see it: personal data masked unless the role may see it."""
    private = actor.can(Permission.VIEW_PERSONAL_DATA)
    status = Status(case.status)
    lead = next((cu for cu in case.units if cu.active and cu.role == "lead"), None)
    out: dict[str, Any] = {
        "id": case.id,
        "number": case.number,
        "exercise_run_id": case.exercise_run_id,  # set: a drill run's case (演练), labelled on every page
        "title": case.title,
        "status": case.status,
        "status_label": {"zh": status.zh, "en": status.en},
        "channel": case.channel,
        "request_type": case.request_type,
        "urgency": case.urgency,
        "category": case.category,
        "category_confidence": case.category_confidence,
        "district_code": case.district_code,
        "street_code": case.street_code,
        "grid_code": case.grid_code,
        "lead_unit": units.get(lead.unit_id, ("", ""))[0] if lead else None,
        "lead_unit_name": units.get(lead.unit_id, ("", ""))[1] if lead else None,
        "received_at": case.received_at.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "overdue": bool(case.due_at and case.due_at < now and status not in (Status.CLOSED,)),
        "supervised": case.supervised,
        "tags": case.tags,
        "resolved_on_spot": case.closure_kind == "on_spot",
        "triage_status": case.triage_status,
    }
    if not full:
        return out
    text = case.text if private else (case.masked_text or case.text)
    out.update(
        {
            "text": text,
            "lng": case.lng,
            "lat": case.lat,
            "crs": case.crs,
            "address": case.address,
            "locate_method": case.locate_method,
            "position_accuracy": case.locate_accuracy_m,
            "reporter": {
                "name": case.reporter_name if private else mask_name(case.reporter_name),
                "phone": case.reporter_phone if private else mask_phone(case.reporter_phone),
            },
            "attachments": case.attachments,
            "co_units": [units.get(cu.unit_id, ("", ""))[0] for cu in case.units if cu.active and cu.role == "co"],
            "parent_case_id": case.parent_case_id,
            "deadlines": {
                "sign": _iso(case.sign_due_at),
                "first_contact": _iso(case.contact_due_at),
                "reply": _iso(case.reply_due_at),
            },
            "dispatched_at": _iso(case.dispatched_at),
            "signed_at": _iso(case.signed_at),
            "first_contact_at": _iso(case.first_contact_at),
            "replied_at": _iso(case.replied_at),
            "closed_at": _iso(case.closed_at),
            "reply": case.reply_text,
            "satisfaction": case.satisfaction,
            "solved": case.solved,
            "return_count": case.return_count,
            "reopen_count": case.reopen_count,
            "extension_pending_days": pending.days if (pending := pending_extension(case)) else None,
            "version": case.version,
            "allowed_actions": [a.value for a in offered_actions(case, actor, status)],
            "triage": intake_facts(case),
            **loop_state(case),
        }
    )
    return out


def offered_actions(case: CaseRow, actor: Actor, status: Status) -> list[Action]:
    """The actions the actor's role may take in this status, less 协办反馈 unless the actor's unit is a co-unit."""
    actions = allowed_actions(status, actor.role)
    if Action.CO_REPLY in actions and actor.role is not Role.ADMIN:
        co = any(cu.active and cu.role == "co" and is_within(cu.unit_path, actor.unit_path) for cu in case.units)
        if not co:
            actions = [a for a in actions if a is not Action.CO_REPLY]
    return list(actions)


def intake_facts(case: CaseRow) -> dict[str, Any]:
    """What locating, triage, auto-dispatch and the duplicate check found, under the keys clients know."""
    out: dict[str, Any] = {}
    for key, value in (
        ("duty_grid_code", case.duty_grid_code),
        ("locate_confidence", case.locate_confidence),
        ("area_candidates", case.area_candidates),
        ("urgency_reason", case.urgency_reason),
        ("incident_type", case.incident_type),
        ("meaningless", case.meaningless_reason),
    ):
        if value is not None:
            out[key] = value
    if case.dispatch_auto is not None or case.suggested_unit:
        route: dict[str, Any] = {
            "auto": bool(case.dispatch_auto),
            "reason": case.suggest_reason,
            "catalogue_version": case.suggest_catalogue_version,
            "confidence": case.suggest_confidence,
        }
        if case.suggested_unit:
            route.update(
                {"unit": case.suggested_unit, "co_units": case.suggested_co_units or [], "area": case.suggested_area}
            )
        out["dispatch" if case.dispatch_auto else "dispatch_suggestion"] = route
    if case.duplicate_of is not None:
        key = "duplicate_of" if case.duplicate_action == "merge" else "duplicate_suggestion"
        out[key] = {
            "number": case.duplicate_of.number,
            "similarity": case.duplicate_similarity,
            "reason": case.duplicate_reason,
        }
    return out


def loop_state(case: CaseRow) -> dict[str, Any]:
    """Suspension, closure, coordination with its co-unit replies, every extension request and callback."""
    coordination: dict[str, Any] | None = None
    if case.coordinations:
        c = case.coordinations[-1]
        replies = latest_co_replies(case)
        coordination = {
            "level": c.level,
            "unit": c.coordinator_unit,
            "unit_name": c.coordinator_name,
            "tags": c.tags,
            "reasons": c.reasons,
            "since": c.opened_at.isoformat(),
            "closed_at": _iso(c.closed_at),
            "decided": None
            if c.decided_at is None
            else {
                "at": c.decided_at.isoformat(),
                "by": c.decided_by,
                "lead_unit": c.lead_unit,
                "co_units": c.co_units or [],
                "reason": c.decision_reason,
            },
            "co_replies": {u: {"at": r.at.isoformat(), "by": r.by, "reply": r.reply} for u, r in replies.items()},
            "times": len(case.coordinations),
        }
    return {
        "suspended_at": _iso(case.suspended_at),
        "closure": case.closure_kind,
        "coordination": coordination,
        "extensions": [
            {
                "days": e.days,
                "reason": e.reason,
                "requested_at": e.requested_at.isoformat(),
                "requested_by": e.requested_by,
                "decision": e.decision,
                "decided_at": _iso(e.decided_at),
                "decided_by": e.decided_by,
                "old_due": _iso(e.old_due),
                "new_due": _iso(e.new_due),
            }
            for e in case.extensions
        ],
        "callbacks": [
            {
                "at": cb.at.isoformat(),
                "by": cb.by,
                "satisfaction": cb.satisfaction,
                "solved": cb.solved,
                "note": cb.note,
            }
            for cb in case.callbacks
        ],
    }


def event_to_dict(event: CaseEventRow) -> dict[str, Any]:
    """An audit event as clients see it."""
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor": event.actor_name,
        "role": event.actor_role,
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "note": event.note,
        "payload": event.payload,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
