"""Reading one page of a long sorted case list at the cost of its first page.

Two tools, both leaving the rows of a page exactly those of the plain `ORDER BY … OFFSET … LIMIT` over the scope:

- **Seek ("keyset") paging.** A page link carries the sort key and id of the last row shown (`Seek`, written into
  the link by `token`); the next page is the rows after that position, read along the sort index from there, so
  page 100 reads as few rows as page 1. `OFFSET (page - 1) × per_page` stays for a bare page number (a typed URL,
  an old bookmark, the API's `page`): correct, only slower deep in a large scope.
- **A small scope read per area in index order (PostgreSQL).** A grid's or street's cases are a prefix range of
  `area_path`, which no index reads in date or deadline order. Every case's `area_path` is the path of a unit (set
  from the unit at intake, and unit paths never change), so the area part of the scope is the union over the units
  below the actor's of `area_path = unit.path`; per unit a `LATERAL` subquery reads the first rows in page order
  from an index led by `area_path` (migration 0079) and the page is picked from those few rows.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true, union_all
from sqlalchemy.orm import Session

from gridloop.cases.services.scope import real_cases, visible_parts
from gridloop.cases.tables import CaseRow
from gridloop.kernel.org import ROLE_SCOPE, Actor, ScopeRule, subtree_pattern
from gridloop.platform.org.tables import UnitRow

#: sort keys holding datetimes (the others are strings); a token's value is read back as this type
DATE_KEYS = frozenset({"received_at", "due_at", "updated_at"})


@dataclass(frozen=True)
class Seek:
    """A position in a sorted list: the sort key and id of one row. The page is the rows after it, or with
    `backward` the rows before it (the pager's 上一页)."""

    id: int
    value: Any  # the row's sort key; None for a case without a deadline
    backward: bool = False


def token(row: CaseRow, sort: str) -> str:
    """A row's position for a page link: `<id>` when its sort key is empty, else `<id>_<key>`."""
    value = getattr(row, sort.lstrip("-"))
    if value is None:
        return str(row.id)
    return f"{row.id}_{value.isoformat() if isinstance(value, datetime) else value}"


def parse(raw: str | None, sort: str, *, backward: bool = False) -> Seek | None:
    """The position a page link carries, or None when there is none or it does not parse (the caller then pages
    by number)."""
    if not raw:
        return None
    head, _, rest = raw.partition("_")
    try:
        row_id = int(head)
        value: Any = None
        if rest:
            value = datetime.fromisoformat(rest) if sort.lstrip("-") in DATE_KEYS else rest
        if isinstance(value, datetime) and value.tzinfo is None:
            return None
    except ValueError:
        return None
    return Seek(row_id, value, backward)


def nulls_sort_high(session: Session) -> bool:
    """Whether the database sorts NULL above every value (PostgreSQL) or below (SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def order(col: Any, *, descending: bool, backward: bool = False) -> list[ColumnElement[Any]]:
    """The list's order (`col`, then newest id first), or its exact reverse for reading backward."""
    if backward:
        return [col.asc() if descending else col.desc(), CaseRow.id.asc()]
    return [col.desc() if descending else col.asc(), CaseRow.id.desc()]


def beyond(col: Any, seek: Seek, *, descending: bool, nulls_high: bool) -> ColumnElement[bool]:
    """The rows after `seek` in the list's order (before it, with `seek.backward`), NULL keys placed where the
    database sorts them, so the rows match `ORDER BY` exactly. Written as a range on `col` plus a tie-break on id,
    so the sort index is read from the position on."""
    ascending = descending if seek.backward else not descending
    id_after = operator.gt if seek.backward else operator.lt
    nulls_after = ascending == nulls_high  # in this direction NULL keys come after every value
    if seek.value is None:
        same = and_(col.is_(None), id_after(CaseRow.id, seek.id))
        return same if nulls_after else or_(same, col.is_not(None))
    bound = col >= seek.value if ascending else col <= seek.value
    after = operator.gt if ascending else operator.lt
    past = and_(bound, or_(after(col, seek.value), id_after(CaseRow.id, seek.id)))
    return or_(past, col.is_(None)) if nulls_after else past


def reads_per_area(session: Session, actor: Actor) -> bool:
    """Whether the actor's area part is read per unit in index order: a small area scope (street, grid) on
    PostgreSQL (SQLite has no LATERAL; it gathers the small set and sorts it)."""
    rule = ROLE_SCOPE[actor.role]
    return (
        session.get_bind().dialect.name == "postgresql"
        and rule is not ScopeRule.ASSIGNED
        and actor.unit_path.count("/") > 3
    )


def per_area(
    actor: Actor, where: list[ColumnElement[bool]], by: list[ColumnElement[Any]], limit: int, *cols: Any
) -> Select[Any]:
    """The first `limit` cases in order `by` of each area unit below the actor (`area_path = unit.path`, one
    LATERAL index read per unit), as rows of `cols` (default: the id)."""
    cols = cols or (CaseRow.id,)
    inner = select(*cols).where(CaseRow.area_path == UnitRow.path, real_cases(), *where).order_by(*by).limit(limit)
    lat = inner.lateral()
    pattern = subtree_pattern(actor.unit_path)
    return select(*lat.c).select_from(UnitRow).join(lat, true()).where(UnitRow.path.like(pattern))


def small_scope_page_ids(
    actor: Actor, where: list[ColumnElement[bool]], by: list[ColumnElement[Any]], limit: int
) -> Select[Any]:
    """Ids holding the first `limit` rows in order `by` of the actor's (small, area) scope matching `where`: per
    area unit its first `limit` (`per_area`), and from the assigned units and own reports their first `limit`."""
    parts = [per_area(actor, where, by, limit).subquery()]
    for part in visible_parts(actor)[1:]:
        parts.append(select(CaseRow.id).where(part, *where).order_by(*by).limit(limit).subquery())
    ids = union_all(*(select(p.c.id) for p in parts)).subquery()
    return select(ids.c.id)
