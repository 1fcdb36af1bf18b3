"""Performing lifecycle actions: check role, scope and inputs, move by the table, apply effects, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.domain.lifecycle import ACTIONS, Action, ClosureKind, Field, Satisfaction, Status, next_status
from gridloop.cases.services import coordination, extensions
from gridloop.cases.services.scope import require_visible
from gridloop.cases.services.steps import (
    ActionRequest,
    Step,
    _assign,
    _fe,
    _lead,
    _require_unit_member,
)
from gridloop.cases.tables import CaseCallbackRow, CaseEventRow, CaseRow, SupervisionRow
from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, ValidationProblems
from gridloop.kernel.events import (
    CaseChanged,
    CaseClosed,
    CaseDispatched,
    CaseEscalated,
    CaseReturned,
    DomainEvent,
)
from gridloop.kernel.org import Actor
from gridloop.platform.db.batch import batch_cache
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps

__all__ = ["MAX_EXTENSION_DAYS", "ActionRequest", "Step", "act", "append_event", "load_case_for_update", "perform"]

MAX_EXTENSION_DAYS = 15


def _parse_action(raw: str) -> Action:
    try:
        return Action(raw)
    except ValueError:
        allowed = ", ".join(a.value for a in Action if a is not Action.RECEIVE)
        raise InvalidInput(f"Unknown action '{raw}'.", errors=[_fe("action", f"must be one of: {allowed}")]) from None


def _check_inputs(action: Action, req: ActionRequest) -> None:
    problems = ValidationProblems()
    for f in ACTIONS[action].requires:
        value = {
            Field.REASON: req.reason,
            Field.UNIT: req.unit,
            Field.REPLY: req.reply,
            Field.SATISFACTION: req.satisfaction,
            Field.SOLVED: req.solved,
            Field.PARENT: req.parent,
            Field.DAYS: req.days,
            Field.NOTE: req.note,
        }[f]
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.add(f.value, f"is required for '{action.value}' ({f.en.lower()})")
    for name, value in (("reason", req.reason), ("note", req.note), ("reply", req.reply)):
        if value is not None and len(value) > 5000:
            problems.add(name, "is longer than 5000 characters")
    if req.satisfaction is not None:
        try:
            Satisfaction.parse(req.satisfaction)
        except ValueError as exc:
            problems.add("satisfaction", str(exc))
    if req.days is not None and not (1 <= req.days <= MAX_EXTENSION_DAYS):
        problems.add("days", f"must be between 1 and {MAX_EXTENSION_DAYS} working days")
    problems.raise_if_any(f"The action '{action.value}' is missing inputs or has bad ones; see errors[].")


def _dispatch(step: Step) -> None:
    assert step.req.unit is not None
    _assign(step, lead_code=step.req.unit, co_codes=step.req.co_units)


def _sign(step: Step) -> None:
    _require_unit_member(step)
    step.case.signed_at = step.now
    step.case.due_at = step.case.contact_due_at


def _return(step: Step) -> None:
    _require_unit_member(step)
    step.case.return_count += 1
    step.case.due_at = step.deps.deadlines.sign_due(
        step.now, request_type=step.case.request_type, urgency=step.case.urgency
    )
    step.payload["return_count"] = step.case.return_count


def _reject_return(step: Step) -> None:
    lead = _lead(step.case)
    assert lead is not None
    step.case.signed_at = None
    step.case.sign_due_at = step.deps.deadlines.sign_due(
        step.now, request_type=step.case.request_type, urgency=step.case.urgency
    )
    step.case.due_at = step.case.sign_due_at


def _first_contact(step: Step) -> None:
    _require_unit_member(step)
    step.case.first_contact_at = step.now
    step.case.due_at = step.case.reply_due_at


def _request_extension(step: Step) -> None:
    _require_unit_member(step)
    assert step.req.days is not None
    reason = step.req.reason or step.req.note
    extensions.request(step.case, days=step.req.days, reason=reason, now=step.now, by=step.actor.username)
    step.payload["days"] = step.req.days


def _approve_extension(step: Step) -> None:
    by, deadlines = step.actor.username, step.deps.deadlines
    step.payload.update(extensions.approve(step.case, now=step.now, by=by, deadlines=deadlines))


def _reject_extension(step: Step) -> None:
    extensions.reject(step.case, now=step.now, by=step.actor.username)


def _suspend(step: Step) -> None:
    step.case.suspended_at = step.now
    step.case.due_at = None


def _resume(step: Step) -> None:
    case = step.case
    since = case.suspended_at
    if since is not None and case.reply_due_at is not None:
        paused = step.now - since
        case.reply_due_at = case.reply_due_at + paused
        step.payload["paused_seconds"] = int(paused.total_seconds())
    case.suspended_at = None
    case.due_at = case.reply_due_at


def _reply(step: Step) -> None:
    _require_unit_member(step)
    step.case.reply_text = step.req.reply
    step.case.replied_at = step.now
    step.case.due_at = None


def _approve_reply(step: Step) -> None:
    step.case.due_at = None


def _send_back(step: Step) -> None:
    step.case.replied_at = None
    step.case.due_at = step.case.reply_due_at


def _callback(step: Step) -> None:
    assert step.req.satisfaction is not None
    step.case.satisfaction = step.req.satisfaction
    step.case.solved = step.req.solved
    step.case.callbacks.append(
        CaseCallbackRow(
            at=step.now,
            by=step.actor.username,
            satisfaction=step.req.satisfaction,
            solved=step.req.solved,
            note=step.req.note,
        )
    )
    step.payload.update({"satisfaction": step.req.satisfaction, "solved": step.req.solved})


def _reopen(step: Step) -> None:
    case = step.case
    if case.solved:
        raise Conflict(f"The callback of case {case.number} says it was solved; close it instead of reopening.")
    case.reopen_count += 1
    case.replied_at = None
    case.reply_due_at = step.deps.deadlines.extend(step.now, work_days=3)
    case.due_at = case.reply_due_at
    step.payload["reopen_count"] = case.reopen_count


def _close(step: Step) -> None:
    step.case.closed_at = step.now
    step.case.due_at = None
    for open_coordination in step.case.coordinations:
        if open_coordination.closed_at is None:
            open_coordination.closed_at = step.now


def _answer_directly(step: Step) -> None:
    step.case.reply_text = step.req.reply
    step.case.replied_at = step.now
    step.case.closed_at = step.now
    step.case.closure_kind = ClosureKind.DIRECT.value


def _resolve_on_spot(step: Step) -> None:
    if step.case.created_by_id != step.actor.user_id and step.actor.role.value != "admin":
        raise Forbidden("Only the grid worker who reported a matter may resolve it on the spot.")
    _answer_directly(step)
    step.case.closure_kind = ClosureKind.ON_SPOT.value
    step.case.due_at = None


def _cancel(step: Step) -> None:
    step.case.closed_at = step.now
    step.case.due_at = None


def _merge(step: Step) -> None:
    case, session = step.case, step.session
    assert step.req.parent is not None
    # the id first: a parent already in the session is not loaded again; a batch transaction (the triage worker's)
    # keeps it, as many reports of one event merge into the same case
    parent_id = session.scalar(select(CaseRow.id).where(CaseRow.number == step.req.parent))
    parent = session.get(CaseRow, parent_id) if parent_id is not None else None
    held = batch_cache(session)
    if parent is not None and held is not None:
        held[("merge parent", parent.id)] = parent
    if parent is None:
        raise InvalidInput("Unknown parent case.", errors=[_fe("parent", f"no case numbered '{step.req.parent}'")])
    if parent.id == case.id:
        raise InvalidInput("A case cannot merge into itself.", errors=[_fe("parent", "choose another case")])
    if Status(parent.status) in (Status.MERGED, Status.CANCELLED, Status.CLOSED):
        raise Conflict(f"Parent case {parent.number} is '{parent.status}'; merge into an open case.")
    require_visible(session, step.actor, parent)
    case.parent_case_id = parent.id
    case.closed_at = step.now
    case.due_at = None
    step.payload["parent"] = parent.number


def _supervise(step: Step) -> None:
    case = step.case
    case.supervised = True
    lead = _lead(case)
    step.session.add(
        SupervisionRow(
            case_id=case.id,
            opened_at=step.now,
            by_user_id=step.actor.user_id,
            addressed_unit_id=lead.unit_id if lead else None,
            step="manual",
            level=1,
            note=step.req.note,
        )
    )


def _reply_checked(step: Step) -> None:
    coordination.check_lead_reply(step)
    _reply(step)


def _escalate(step: Step) -> None:
    coordination.escalate(step)


def _coordinate(step: Step) -> None:
    coordination.coordinate(step)


def _co_reply(step: Step) -> None:
    coordination.co_reply(step)


def _dispatched(step: Step) -> DomainEvent:
    return CaseDispatched(**_about(step), action=step.req.action, lead_unit=step.req.unit)


def _returned(step: Step) -> DomainEvent:
    return CaseReturned(**_about(step), return_count=step.case.return_count)


def _closed(step: Step) -> DomainEvent:
    return CaseClosed(**_about(step))


def _escalated(step: Step) -> DomainEvent:
    return CaseEscalated(
        **_about(step),
        coordinating_unit=step.payload.get("coordinating_unit"),
        level=step.payload.get("level"),
        tags=tuple(step.payload.get("tags") or ()),
    )


def _about(step: Step) -> dict[str, Any]:
    return {"at": step.now, "case_id": step.case.id, "number": step.case.number, "actor": step.actor}


#: The domain event each action publishes after its audit event is written, in the same transaction; the
#: wiring subscribes the follow-ups (三跨 escalation after returns, merged children closed with the parent …).
PUBLISHES: dict[Action, Callable[[Step], DomainEvent]] = {
    Action.RETURN: _returned,
    Action.CLOSE: _closed,
    Action.DISPATCH: _dispatched,
    Action.REDISPATCH: _dispatched,
    Action.UPHOLD_RETURN: _dispatched,
    Action.ESCALATE: _escalated,
}

#: Side effects of each action (the transition table says where the case goes; this says what else changes).
EFFECTS: dict[Action, Callable[[Step], None]] = {
    Action.ANSWER_DIRECTLY: _answer_directly,
    Action.RESOLVE_ON_SPOT: _resolve_on_spot,
    Action.DISPATCH: _dispatch,
    Action.REDISPATCH: _dispatch,
    Action.UPHOLD_RETURN: _dispatch,
    Action.REJECT_RETURN: _reject_return,
    Action.SIGN: _sign,
    Action.RETURN: _return,
    Action.FIRST_CONTACT: _first_contact,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.REJECT_EXTENSION: _reject_extension,
    Action.SUSPEND: _suspend,
    Action.RESUME: _resume,
    Action.REPLY: _reply_checked,
    Action.APPROVE_REPLY: _approve_reply,
    Action.SEND_BACK: _send_back,
    Action.CALLBACK: _callback,
    Action.REOPEN: _reopen,
    Action.CLOSE: _close,
    Action.CANCEL: _cancel,
    Action.MERGE: _merge,
    Action.SUPERVISE: _supervise,
    Action.ESCALATE: _escalate,
    Action.COORDINATE: _coordinate,
    Action.CO_REPLY: _co_reply,
}


#: `session.info` key: ids of cases this transaction changed and flushed already, so their rows are locked for it
#: (a triage worker's batch marks each report it stores): `load_case_for_update` takes them from the session.
LOCKED_CASES = "gridloop.locked_cases"


def load_case_for_update(session: Session, case_id: int) -> CaseRow:
    """A case row locked for this transaction (PostgreSQL row lock; SQLite has one writer anyway)."""
    if case_id in session.info.get(LOCKED_CASES, ()):
        held = session.get(CaseRow, case_id)  # in the identity map, written by this transaction: no query
        if held is not None:
            return held
    case = session.scalar(select(CaseRow).where(CaseRow.id == case_id).with_for_update())
    if case is None:
        raise NotFound(f"No case with id {case_id}.")
    return case


def perform(session: Session, actor: Actor, case_id: int, req: ActionRequest, *, deps: ServiceDeps) -> CaseRow:
    """Take one action on a case: scope → role → inputs → transition → effects → audit event."""
    action = _parse_action(req.action)
    if action is Action.RECEIVE:
        raise InvalidInput("Cases are received with POST /api/v1/cases.", errors=[_fe("action", "not 'receive'")])
    case = load_case_for_update(session, case_id)
    require_visible(session, actor, case)
    spec = ACTIONS[action]
    if actor.role not in spec.roles:
        roles = ", ".join(sorted(r.value for r in spec.roles))
        raise Forbidden(f"Role '{actor.role.value}' may not '{action.value}'; roles that may: {roles}.")
    current = Status(case.status)
    target = next_status(current, action)
    _check_inputs(action, req)
    step = Step(session=session, case=case, actor=actor, req=req, now=deps.clock.now(), deps=deps)
    effect = EFFECTS.get(action)
    if effect is not None:
        effect(step)
    case.status = target.value
    case.updated_at = step.now
    case.version += 1
    append_event(session, case, actor, action=action, from_status=current, to_status=target, step=step)
    publish = PUBLISHES.get(action)
    session.flush()
    if publish is not None:
        deps.events.publish(session, publish(step), deps=deps)
    changed = CaseChanged(
        **_about(step),
        action=action.value,
        from_status=current.value,
        to_status=target.value,
        note=req.reason or req.note or "",
    )
    deps.events.publish(session, changed, deps=deps)
    return case


def append_event(
    session: Session,
    case: CaseRow,
    actor: Actor,
    *,
    action: Action,
    from_status: Status | None,
    to_status: Status,
    step: Step,
) -> CaseEventRow:
    """Append the audit event of an action (events are never updated or deleted)."""
    payload = dict(step.payload)
    for key in ("unit", "co_units", "satisfaction", "solved", "parent", "days"):
        value = getattr(step.req, key)
        if value not in (None, []) and key not in payload:
            payload[key] = value
    if step.req.reply:
        payload["reply"] = step.req.reply
    event = CaseEventRow(
        case_id=case.id,
        at=step.now,
        actor_id=actor.user_id,
        actor_name=actor.username,
        actor_role=actor.role.value,
        action=action.value,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value,
        note=step.req.reason or step.req.note,
        payload=payload,
    )
    session.add(event)
    return event


def act(uow: UnitOfWork, actor: Actor, case_id: int, req: ActionRequest, *, deps: ServiceDeps) -> CaseRow:
    """Take one action in its own transaction and commit it."""
    with deps.write_lock:
        case = perform(uow.session, actor, case_id, req, deps=deps)
        uow.commit()
    return case
