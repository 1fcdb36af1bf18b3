"""What every lifecycle effect works with: the request, the step it is taken in, and the unit helpers shared by
the effects of lifecycle.py and coordination.py (kept here so neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.tables import CaseRow, CaseUnitRow
from gridloop.kernel.errors import Forbidden, InvalidInput
from gridloop.kernel.org import Actor, Role, is_within
from gridloop.platform.db.batch import batch_cached
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import UnitRow


@dataclass(frozen=True)
class ActionRequest:
    """An action and its inputs, as sent by a client."""

    action: str
    reason: str | None = None
    note: str | None = None
    unit: str | None = None
    co_units: list[str] = field(default_factory=list)
    reply: str | None = None
    satisfaction: str | None = None
    solved: bool | None = None
    parent: str | None = None
    days: int | None = None


@dataclass
class Step:
    """What one action does, handed to its effect function."""

    session: Session
    case: CaseRow
    actor: Actor
    req: ActionRequest
    now: datetime
    deps: ServiceDeps
    payload: dict[str, Any] = field(default_factory=dict)


def _fe(field_name: str, message: str) -> Any:
    from gridloop.kernel.errors import FieldError

    return FieldError(field_name, message)


def _unit(session: Session, code: str, field_name: str = "unit") -> UnitRow:
    unit = batch_cached(session, ("unit", code), lambda: session.scalar(select(UnitRow).where(UnitRow.code == code)))
    if unit is None:
        raise InvalidInput(
            f"Unknown unit '{code}'.",
            errors=[_fe(field_name, f"no unit with code '{code}'; see GET /api/v1/units")],
        )
    return unit


def _lead(case: CaseRow) -> CaseUnitRow | None:
    return next((cu for cu in case.units if cu.active and cu.role == "lead"), None)


def _require_unit_member(step: Step) -> None:
    """Unit actions are for people of the lead unit (or a unit above it in their own tree)."""
    if step.actor.role is Role.ADMIN:
        return
    lead = _lead(step.case)
    if lead is None or not is_within(lead.unit_path, step.actor.unit_path):
        raise Forbidden(
            f"Only the lead unit of case {step.case.number} may '{step.req.action}'; your unit is not on this case."
        )


def _assign(step: Step, *, lead_code: str, co_codes: list[str]) -> None:
    case, session = step.case, step.session
    lead = _unit(session, lead_code)
    cos = [_unit(session, c, "co_units") for c in co_codes if c != lead_code]
    for assigned in case.units:  # every unit row of the case (loaded or added): no UPDATE when it has none
        assigned.active = False
    for unit, role in [(lead, "lead"), *[(u, "co") for u in cos]]:
        existing = next((cu for cu in case.units if cu.unit_id == unit.id and cu.role == role), None)
        if existing is not None:
            existing.active = True
            existing.assigned_at = step.now
        else:
            case.units.append(
                CaseUnitRow(unit_id=unit.id, unit_path=unit.path, role=role, active=True, assigned_at=step.now)
            )
    case.lead_unit_id = lead.id
    step.payload.update({"lead_unit": lead.code, "co_units": [u.code for u in cos]})
    _start_clock(step)


def _start_clock(step: Step) -> None:
    case, deps, now = step.case, step.deps, step.now
    kw = {"request_type": case.request_type, "urgency": case.urgency}
    case.dispatched_at = now
    case.signed_at = None
    case.sign_due_at = deps.deadlines.sign_due(now, **kw)
    case.contact_due_at = deps.deadlines.contact_due(now, **kw)
    case.reply_due_at = deps.deadlines.reply_due(now, **kw)
    case.due_at = case.sign_due_at
    step.payload.update({"sign_due_at": case.sign_due_at.isoformat(), "reply_due_at": case.reply_due_at.isoformat()})
