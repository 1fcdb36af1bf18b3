"""Who sees which hazards and incidents: the area they lie in, seen from the actor's place in the unit tree.

An actor at the top of the tree sees everything. Anyone else sees a record whose area is their unit or below
it, or above it (a district-level incident concerns its streets), or one that involves a unit in their subtree
(the hazard's rectifying unit, an incident's task). A record without an area belongs to whoever reported it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, literal, or_, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from gridloop.kernel.errors import NotFound
from gridloop.kernel.org import Actor, is_within, subtree_pattern
from gridloop.platform.org.services.org import get_unit


def is_root(actor: Actor) -> bool:
    """Whether the actor sits at the top of the tree (sees the whole city)."""
    return actor.unit_path.count("/") == 2


def area_path(session: Session, codes: Iterable[str | None], *, actor: Actor) -> str:
    """The unit path of the most specific known area among `codes`, else the reporting actor's unit path."""
    for code in codes:
        if code:
            try:
                return get_unit(session, code).path
            except NotFound:
                continue
    return actor.unit_path


def unit_path(session: Session, code: str) -> str:
    """A unit's path by code ('' for no code)."""
    return get_unit(session, code).path if code else ""


def visible(
    actor: Actor, area: InstrumentedAttribute[str | None], *involved: ColumnElement[bool] | InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """A WHERE clause: the record's area is within, or above, the actor's unit, or an involved unit is within."""
    if is_root(actor):
        return true()
    pattern = subtree_pattern(actor.unit_path)
    conditions: list[ColumnElement[bool]] = [area.like(pattern), literal(actor.unit_path).like(area + "%")]
    for item in involved:
        conditions.append(item.like(pattern) if isinstance(item, InstrumentedAttribute) else item)
    return or_(false(), *conditions)


def can_see(actor: Actor, area: str | None, involved: Iterable[str] = ()) -> bool:
    """The same rule for one loaded record."""
    if is_root(actor):
        return True
    if area and (is_within(area, actor.unit_path) or is_within(actor.unit_path, area)):
        return True
    return any(p and is_within(p, actor.unit_path) for p in involved)
