"""三跨 coordination and merged duplicates: effects and follow-ups of lifecycle actions.

* A case returned twice is escalated by the system; a dispatcher or supervisor escalates a disputed one.
  Escalation tags it (cross_department / cross_level / cross_region) and sends it to the coordinating level
  (street → district → city operations centre), whose people name the lead unit and co-units.
* Co-units each reply (`co_reply`); on a coordinated case the lead unit's reply is refused until they have,
  and it is the lead's reply that closes the loop.
* Closing a parent case closes its merged children with the same reply, and asks for a callback of each
  child's reporter (a notice; the result is recorded with `record_child_callback`).

The follow-ups (`on_dispatched`, `on_returned`, `on_closed`) subscribe to the lifecycle's domain events in
the wiring; notices go to the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.domain.lifecycle import ClosureKind, Satisfaction, Status
from gridloop.cases.services.steps import Step, _assign
from gridloop.cases.tables import (
    CaseCallbackRow,
    CaseCoordinationRow,
    CaseCoReplyRow,
    CaseEventRow,
    CaseRow,
    CaseUnitRow,
)
from gridloop.dispatch.services import CrossTag, UnitFacts, coordinating_level, cross_cutting
from gridloop.dispatch.services.catalogue import UnitOfWorkLike
from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridloop.kernel.events import CaseClosed, CaseDispatched
from gridloop.kernel.org import Actor, Role, is_within
from gridloop.kernel.ports import Notice
from gridloop.platform.db.batch import batch_cached
from gridloop.platform.org.tables import UnitRow

if TYPE_CHECKING:
    from gridloop.platform.deps import ServiceDeps

#: Returns after which the system escalates a case (configurable here; 2 per the hotline rules).
RETURN_LIMIT = 2


def _unit_facts(session: Session, unit_ids: list[int]) -> list[UnitFacts]:
    """The facts of these units (read once per batch transaction for the same units)."""
    return batch_cached(session, ("unit facts", tuple(unit_ids)), lambda: _read_unit_facts(session, unit_ids))


def _read_unit_facts(session: Session, unit_ids: list[int]) -> list[UnitFacts]:
    units = list(session.scalars(select(UnitRow).where(UnitRow.id.in_(unit_ids))))
    ancestor_ids = {int(p) for u in units for p in u.path.strip("/").split("/") if p}
    areas = {
        u.id: u for u in session.scalars(select(UnitRow).where(UnitRow.id.in_(ancestor_ids), UnitRow.kind == "area"))
    }
    facts = []
    for u in units:
        district = next(
            (
                areas[int(p)].area_code
                for p in u.path.strip("/").split("/")
                if p and int(p) in areas and areas[int(p)].level == "district"
            ),
            None,
        )
        facts.append(UnitFacts(code=u.code, kind=u.kind, level=u.level, district_code=district))
    return facts


def _coordinating_unit(step: Step, level: str) -> UnitRow:
    session, case = step.session, step.case
    stmt = select(UnitRow).where(UnitRow.kind == "area", UnitRow.level == level)
    if level == "district" and case.district_code:
        stmt = stmt.where(UnitRow.area_code == case.district_code)
    elif level == "street" and case.street_code:
        stmt = stmt.where(UnitRow.area_code == case.street_code)
    unit = session.scalars(stmt.order_by(UnitRow.id).limit(1)).first()
    if unit is None:
        unit = session.scalars(select(UnitRow).where(UnitRow.parent_id.is_(None)).order_by(UnitRow.id)).first()
    if unit is None:
        raise Conflict("No coordinating unit exists; build the organisation first.")
    return unit


def _add_tags(case: CaseRow, tags: set[str]) -> list[str]:
    merged = list(dict.fromkeys([*case.tags, *sorted(tags)]))
    case.tags = merged
    return merged


def escalate(step: Step) -> None:
    """Effect of `escalate`: tag the case as cross-cutting and hand it to the coordinating level."""
    case = step.case
    unit_ids = [cu.unit_id for cu in case.units]
    facts = _unit_facts(step.session, unit_ids) if unit_ids else []
    verdict = cross_cutting(
        facts, return_count=case.return_count, disputed=step.actor.username != "system", return_limit=RETURN_LIMIT
    )
    tags = {t.value for t in verdict.tags} or {CrossTag.CROSS_DEPARTMENT.value}
    level = coordinating_level(facts, cross_region=CrossTag.CROSS_REGION in verdict.tags)
    coordinator = _coordinating_unit(step, level)
    _add_tags(case, tags)
    for earlier in case.coordinations:
        if earlier.closed_at is None:
            earlier.closed_at = step.now
    case.coordinations.append(
        CaseCoordinationRow(
            level=level,
            coordinator_unit=coordinator.code,
            coordinator_name=coordinator.name,
            tags=sorted(tags),
            reasons=[*verdict.reasons, step.req.reason or ""],
            opened_at=step.now,
            opened_by=step.actor.username,
        )
    )
    case.due_at = step.deps.deadlines.sign_due(step.now, request_type=case.request_type, urgency=case.urgency)
    step.payload.update({"tags": sorted(tags), "coordinating_unit": coordinator.code, "level": level})
    step.deps.outbox.enqueue(
        step.session,
        Notice(
            kind="coordination",
            title=f"三跨 case {case.number} needs coordination at {coordinator.name}",
            body="; ".join(r for r in verdict.reasons if r) or (step.req.reason or ""),
            case_number=case.number,
            unit_code=coordinator.code,
            payload={"tags": sorted(tags), "level": level},
        ),
        now=step.now,
    )


def coordinate(step: Step) -> None:
    """Effect of `coordinate`: the coordinating level names the lead unit and co-units."""
    case, actor = step.case, step.actor
    info = current_coordination(case)
    coordinator = step.session.scalar(select(UnitRow).where(UnitRow.code == info.coordinator_unit)) if info else None
    if info is None or coordinator is None:
        raise Conflict(f"Case {case.number} has no coordinating unit recorded; escalate it first.")
    if actor.role is not Role.ADMIN and not is_within(coordinator.path, actor.unit_path):
        raise Forbidden(
            f"Coordination of case {case.number} belongs to {coordinator.name} ({info.level} level); "
            "your unit is not that level or above it."
        )
    assert step.req.unit is not None
    _assign(step, lead_code=step.req.unit, co_codes=step.req.co_units)
    info.decided_at = step.now
    info.decided_by = actor.username
    info.lead_unit = step.req.unit
    info.co_units = list(step.req.co_units)
    info.decision_reason = step.req.reason
    tags = tag_units(step.session, case)
    if tags:
        step.payload["tags"] = tags


def current_coordination(case: CaseRow) -> CaseCoordinationRow | None:
    """The newest coordination of a case (the one its co-units answer to), if it was ever escalated."""
    return case.coordinations[-1] if case.coordinations else None


def latest_co_replies(case: CaseRow) -> dict[str, CaseCoReplyRow]:
    """The newest reply of each co-unit since the coordinating level's last decision (all, if none)."""
    info = current_coordination(case)
    since = info.decided_at if info is not None else None
    out: dict[str, CaseCoReplyRow] = {}
    for reply in case.co_replies:
        if since is None or reply.at >= since:
            out[reply.unit] = reply
    return out


def _active_co_units(step: Step) -> list[tuple[CaseUnitRow, str]]:
    rows = [cu for cu in step.case.units if cu.active and cu.role == "co"]
    if not rows:
        return []
    found = step.session.execute(select(UnitRow.id, UnitRow.code).where(UnitRow.id.in_([cu.unit_id for cu in rows])))
    codes = {int(uid): str(code) for uid, code in found}
    return [(cu, codes[cu.unit_id]) for cu in rows]


def co_reply(step: Step) -> None:
    """Effect of `co_reply`: a co-unit reports its part of a case."""
    case, actor = step.case, step.actor
    cos = _active_co_units(step)
    mine = [code for cu, code in cos if actor.role is Role.ADMIN or is_within(cu.unit_path, actor.unit_path)]
    if not mine:
        listed = ", ".join(code for _cu, code in cos) or "none"
        raise Forbidden(f"Your unit is not a co-unit of case {case.number} (co-units: {listed}).")
    for code in mine:
        case.co_replies.append(CaseCoReplyRow(unit=code, reply=step.req.reply, at=step.now, by=actor.username))
    step.payload["co_units_replied"] = mine


def check_lead_reply(step: Step) -> None:
    """Before the lead's reply on a coordinated case: every co-unit has replied."""
    if current_coordination(step.case) is None:
        return
    replied = set(latest_co_replies(step.case))
    missing = [code for _cu, code in _active_co_units(step) if code not in replied]
    if missing:
        raise Conflict(
            f"Co-units {', '.join(missing)} have not replied to case {step.case.number} yet; "
            "the lead unit's reply closes the loop after theirs."
        )


def tag_units(session: Session, case: CaseRow) -> list[str] | None:
    """Tag the case cross-cutting when its active units span departments, levels or districts."""
    ids = [cu.unit_id for cu in case.units if cu.active]
    if len(ids) < 2:
        return None
    verdict = cross_cutting(_unit_facts(session, ids))
    return _add_tags(case, {t.value for t in verdict.tags}) if verdict.tags else None


def on_dispatched(session: Session, event: CaseDispatched, deps: ServiceDeps) -> None:
    """Subscriber of `CaseDispatched`: tag the case cross-cutting by its units."""
    case = session.get(CaseRow, event.case_id)
    if case is not None:
        tag_units(session, case)


def on_closed(session: Session, event: CaseClosed, deps: ServiceDeps) -> None:
    """Subscriber of `CaseClosed`: each merged child gets the parent's reply and its reporter a callback request."""
    parent = session.get(CaseRow, event.case_id)
    if parent is None:
        return
    actor, now = event.actor, event.at
    children = session.scalars(
        select(CaseRow).where(CaseRow.parent_case_id == parent.id, CaseRow.status == Status.MERGED.value)
    ).all()
    for child in children:
        child.reply_text = parent.reply_text
        child.replied_at = parent.replied_at
        child.closed_at = now
        child.closure_kind = ClosureKind.WITH_PARENT.value
        child.updated_at = now
        session.add(
            CaseEventRow(
                case_id=child.id,
                at=now,
                actor_id=actor.user_id,
                actor_name=actor.username,
                actor_role=actor.role.value,
                action="close",
                from_status=child.status,
                to_status=child.status,
                note=f"closed with parent case {parent.number}",
                payload={"parent": parent.number, "reply": parent.reply_text, "callback": "pending"},
            )
        )
        deps.outbox.enqueue(
            session,
            Notice(
                kind="callback_due",
                title=f"回访: case {child.number} closed with {parent.number}; call the reporter back",
                body=parent.reply_text or "",
                case_number=child.number,
            ),
            now=now,
        )


def callback_pending(case: CaseRow) -> bool:
    """A merged case closed with its parent waits for its own reporter's callback until one is recorded."""
    if case.closure_kind != ClosureKind.WITH_PARENT.value:
        return False
    closed = case.closed_at
    return not any(closed is None or cb.at >= closed for cb in case.callbacks)


def record_child_callback(
    uow: UnitOfWorkLike, actor: Actor, child_id: int, *, satisfaction: str, solved: bool, now: datetime
) -> CaseRow:
    """Record the callback of a merged child's reporter (its status stays merged)."""
    if actor.role not in (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN):
        raise Forbidden(f"Role '{actor.role.value}' may not record callbacks.")
    try:
        Satisfaction.parse(satisfaction)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    child = uow.session.get(CaseRow, child_id)
    if child is None:
        raise NotFound(f"No case with id {child_id}.")
    if not callback_pending(child):
        raise Conflict(f"Case {child.number} has no callback pending (it must be closed with its parent first).")
    child.satisfaction = satisfaction
    child.solved = solved
    child.callbacks.append(CaseCallbackRow(at=now, by=actor.username, satisfaction=satisfaction, solved=solved))
    parent = uow.session.get(CaseRow, child.parent_case_id) if child.parent_case_id is not None else None
    payload: dict[str, Any] = {
        "satisfaction": satisfaction,
        "solved": solved,
        "child_of": parent.number if parent is not None else None,
    }
    uow.session.add(
        CaseEventRow(
            case_id=child.id,
            at=now,
            actor_id=actor.user_id,
            actor_name=actor.username,
            actor_role=actor.role.value,
            action="callback",
            from_status=child.status,
            to_status=child.status,
            note=None,
            payload=payload,
        )
    )
    uow.commit()
    return child
