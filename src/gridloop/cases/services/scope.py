"""Who sees which cases: one SQL predicate per scope rule, used by every read and write."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select, true, union
from sqlalchemy.orm import Session, aliased

from gridloop.cases.tables import CaseRow, CaseUnitRow
from gridloop.kernel.errors import NotFound
from gridloop.kernel.org import ROLE_SCOPE, Actor, ScopeRule, is_within, subtree_pattern
from gridloop.platform.org.tables import UnitRow


def is_root(actor: Actor) -> bool:
    """Whether the actor sits at the top of the tree (sees the whole city)."""
    return actor.unit_path.count("/") == 2


def real_cases() -> ColumnElement[bool]:
    """Cases of real work: not created in a drill run (演练 data never counts in lists, queues, boards or KPIs)."""
    return CaseRow.exercise_run_id.is_(None)


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the real cases an actor may see: `cases.id IN (area subtree ∪ assigned units)`.

    Both halves are prefix searches on an indexed path, so the planner reads only the matching index range.
    Exercise cases are left out (`real_cases`); a participant opens one by id from the drill board (`can_see`).
    """
    return and_(real_cases(), _visible(actor))


def _visible(actor: Actor) -> ColumnElement[bool]:
    pattern = subtree_pattern(actor.unit_path)
    assigned = select(CaseUnitRow.case_id).where(CaseUnitRow.active, CaseUnitRow.unit_path.like(pattern))
    rule = ROLE_SCOPE[actor.role]
    if is_root(actor) and rule is not ScopeRule.ASSIGNED:
        return real_cases()
    # One IN over a union of index ranges, the reporter's own reports included: an `OR created_by_id = …` next to
    # the IN would make the planner guess half the table matches and walk a whole index testing each row.
    inner = aliased(CaseRow)
    own = select(inner.id).where(inner.created_by_id == actor.user_id)  # a reporter always sees their own report
    if rule is ScopeRule.ASSIGNED:
        return CaseRow.id.in_(union(assigned, own))
    in_area = select(inner.id).where(inner.area_path.like(pattern))
    return CaseRow.id.in_(union(in_area, assigned, own))


def visible_cases_walked(actor: Actor) -> ColumnElement[bool]:
    """The same rows as `visible_cases`, written for a page read in index order (ORDER BY … LIMIT n).

    `visible_cases` gathers the actor's whole scope first (a hashed set: hundreds of thousands of ids in a district
    of a large city), which is right for counts and sums but costs that much on every page. Here the assigned half
    is a per-row EXISTS on `case_units(case_id)` (OFFSET 0 keeps the planner from turning it back into a hashed
    set), so walking an index in page order stops after the rows of one page. Below the district level, and for a
    role that sees only its unit's cases, the set is small and keeps the set form.
    """
    return and_(real_cases(), _visible_walked(actor))


def _visible_walked(actor: Actor) -> ColumnElement[bool]:
    if small_scope(actor):
        # below a district (a street, a grid) or a unit's own cases: a small set next to the table, and walking
        # the table for it would read most of it; gathering the set first is the cheaper way here
        return _visible(actor)
    if is_root(actor):
        return real_cases()
    pattern = subtree_pattern(actor.unit_path)
    assigned = exists(
        select(CaseUnitRow.id)
        .where(CaseUnitRow.case_id == CaseRow.id, CaseUnitRow.active, CaseUnitRow.unit_path.like(pattern))
        .offset(0)
    )
    own = CaseRow.created_by_id == actor.user_id
    return or_(CaseRow.area_path.like(pattern), assigned, own)


def small_scope(actor: Actor) -> bool:
    """Whether the actor sees a small share of the city: a unit's own cases, or an area below the district level."""
    return ROLE_SCOPE[actor.role] is ScopeRule.ASSIGNED or actor.unit_path.count("/") > 3


def visible_parts(actor: Actor) -> list[ColumnElement[bool]]:
    """`visible_cases` as predicates whose OR is the scope, each one an index range (for counting in pieces)."""
    pattern = subtree_pattern(actor.unit_path)
    assigned = CaseRow.id.in_(
        select(CaseUnitRow.case_id).where(CaseUnitRow.active, CaseUnitRow.unit_path.like(pattern))
    )
    own = CaseRow.created_by_id == actor.user_id
    rule = ROLE_SCOPE[actor.role]
    if rule is ScopeRule.ASSIGNED:
        parts = [assigned, own]
    elif is_root(actor):
        parts = [true()]
    else:
        parts = [CaseRow.area_path.like(pattern), assigned, own]
    return [and_(real_cases(), p) for p in parts]


def can_see(session: Session, actor: Actor, case: CaseRow) -> bool:
    """Whether an actor may see one loaded case (same rule as `visible_cases`, evaluated in Python)."""
    if case.created_by_id is not None and case.created_by_id == actor.user_id:
        return True
    assigned = any(cu.active and is_within(cu.unit_path, actor.unit_path) for cu in case.units)
    if ROLE_SCOPE[actor.role] is ScopeRule.ASSIGNED:
        return assigned
    if is_root(actor):
        return True
    return assigned or (case.area_path is not None and is_within(case.area_path, actor.unit_path))


def require_visible(session: Session, actor: Actor, case: CaseRow) -> None:
    """NotFound unless the actor may see the case: a hidden case answers like a missing one (no probing ids)."""
    if not can_see(session, actor, case):
        raise NotFound(f"No case with id {case.id}.")


def unit_in_scope(actor: Actor, unit: UnitRow) -> bool:
    """Whether a unit is the actor's own unit or below it."""
    return is_within(unit.path, actor.unit_path)
