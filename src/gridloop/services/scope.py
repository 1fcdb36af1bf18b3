"""Who sees which cases: one SQL predicate per scope rule, used by every read and write."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.orm import Session

from gridloop.adapters.db.tables import CaseRow, CaseUnitRow, UnitRow
from gridloop.domain.errors import Forbidden
from gridloop.domain.org import ROLE_SCOPE, Actor, ScopeRule, is_within


def is_root(actor: Actor) -> bool:
    """Whether the actor sits at the top of the tree (sees the whole city)."""
    return actor.unit_path.count("/") == 2


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the cases an actor may see."""
    assigned = exists(
        select(CaseUnitRow.id).where(
            CaseUnitRow.case_id == CaseRow.id,
            CaseUnitRow.active,
            CaseUnitRow.unit_path.startswith(actor.unit_path, autoescape=True),
        )
    )
    rule = ROLE_SCOPE[actor.role]
    if rule is ScopeRule.ASSIGNED:
        return assigned
    if is_root(actor):
        return true()
    in_area = CaseRow.area_path.startswith(actor.unit_path, autoescape=True)
    return or_(and_(CaseRow.area_path.is_not(None), in_area), assigned)


def can_see(session: Session, actor: Actor, case: CaseRow) -> bool:
    """Whether an actor may see one loaded case (same rule as `visible_cases`, evaluated in Python)."""
    assigned = any(cu.active and is_within(cu.unit_path, actor.unit_path) for cu in case.units)
    if ROLE_SCOPE[actor.role] is ScopeRule.ASSIGNED:
        return assigned
    if is_root(actor):
        return True
    return assigned or (case.area_path is not None and is_within(case.area_path, actor.unit_path))


def require_visible(session: Session, actor: Actor, case: CaseRow) -> None:
    """Forbidden unless the actor may see the case."""
    if not can_see(session, actor, case):
        raise Forbidden(f"Case {case.number} is outside your scope ({actor.role.value} of your unit).")


def unit_in_scope(actor: Actor, unit: UnitRow) -> bool:
    """Whether a unit is the actor's own unit or below it."""
    return is_within(unit.path, actor.unit_path)
