"""The dispatch catalogue (派单目录) in the database: versions, rules, categories, CSV import/export, edits.

Every change makes a new version holding the full rule set (catalogues are hundreds of rows); the highest
version is active. A case records the version that routed it (`cases.catalogue_version`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.dispatch.domain.catalogue import REQUEST_TYPES, parse_catalogue_csv, write_catalogue_csv
from gridloop.dispatch.domain.routing import Principle, Rule, find_overlaps
from gridloop.dispatch.tables import CatalogueRuleRow, CatalogueVersionRow
from gridloop.kernel.errors import FieldError, InvalidInput, NotFound
from gridloop.kernel.sla import TimeLimit
from gridloop.org.tables import CategoryRow, UnitRow


class UnitOfWorkLike(Protocol):
    """What these services need from a unit of work: a session and a commit."""

    session: Session

    def commit(self) -> None:
        """Commit the work done so far."""
        ...


#: The seven first-level classes of the 12345 training data: the demo's categories (seed data, editable).
DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("城乡建设", "城乡建设", "Urban and rural construction"),
    ("环境保护", "环境保护", "Environmental protection"),
    ("交通运输", "交通运输", "Transport"),
    ("卫生计生", "卫生计生", "Health and family planning"),
    ("教育文体", "教育文体", "Education, culture and sport"),
    ("劳动和社会保障", "劳动和社会保障", "Labour and social security"),
    ("商贸旅游", "商贸旅游", "Commerce and tourism"),
)


def seed_categories(uow: UnitOfWorkLike, *, categories: Iterable[tuple[str, str, str]] = DEFAULT_CATEGORIES) -> int:
    """Add the (code, zh, en) categories that are missing; returns how many were added."""
    from gridloop.org.services.org import ensure_categories

    before = len(category_codes(uow.session))
    ensure_categories(uow.session, list(categories))
    added = len(category_codes(uow.session)) - before
    uow.commit()
    return added


def category_codes(session: Session) -> set[str]:
    """Codes of the active categories and subcategories."""
    return set(session.scalars(select(CategoryRow.code).where(CategoryRow.active.is_(True))))


def unit_codes(session: Session) -> set[str]:
    """Codes of every unit."""
    return set(session.scalars(select(UnitRow.code)))


def area_codes(session: Session) -> set[str] | None:
    """Area codes known from area units, or None when the organisation has none (no area check then)."""
    codes = set(session.scalars(select(UnitRow.area_code).where(UnitRow.area_code.is_not(None))))
    return {c for c in codes if c} or None


def active_version(session: Session) -> CatalogueVersionRow | None:
    """The active (latest) catalogue version, if any."""
    return session.scalars(select(CatalogueVersionRow).order_by(CatalogueVersionRow.id.desc()).limit(1)).first()


def rule_from_row(row: CatalogueRuleRow) -> Rule:
    """A stored rule as a domain value."""
    return Rule(
        category=row.category,
        subcategory=row.subcategory,
        area_code=row.area_code,
        lead_unit=row.lead_unit_code,
        co_units=tuple(row.co_unit_codes or ()),
        limits={k: TimeLimit.parse(v) for k, v in (row.limits or {}).items()},
        principle=Principle(row.principle),
        note=row.note or "",
        id=row.id,
    )


def _row_from_rule(rule: Rule, version_id: int) -> CatalogueRuleRow:
    return CatalogueRuleRow(
        version_id=version_id,
        category=rule.category,
        subcategory=rule.subcategory,
        area_code=rule.area_code,
        lead_unit_code=rule.lead_unit,
        co_unit_codes=list(rule.co_units),
        limits={k: str(v) for k, v in rule.limits.items()},
        principle=rule.principle.value,
        note=rule.note,
    )


@dataclass(frozen=True)
class Catalogue:
    """The active rules and the version they belong to."""

    version: int | None
    rules: list[Rule]


#: Parsed rules per (database, version id, saved at): a saved version never changes, so this stays right.
_PARSED: dict[tuple[str, int, str], list[Rule]] = {}


def active_catalogue(session: Session) -> Catalogue:
    """The active version's rules (empty when no catalogue was ever loaded); parsed once per version."""
    version = active_version(session)
    if version is None:
        return Catalogue(None, [])
    bind = session.get_bind()
    key = (str(bind.engine.url), version.id, version.created_at.isoformat())
    rules = _PARSED.get(key)
    if rules is None:
        rows = session.scalars(
            select(CatalogueRuleRow).where(CatalogueRuleRow.version_id == version.id).order_by(CatalogueRuleRow.id)
        )
        rules = [rule_from_row(r) for r in rows]
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = rules
    return Catalogue(version.id, list(rules))


def _diff(old: Sequence[Rule], new: Sequence[Rule]) -> dict[str, Any]:
    def sig(r: Rule) -> tuple[Any, ...]:
        return (
            *r.key,
            r.lead_unit,
            r.co_units,
            tuple(sorted((k, str(v)) for k, v in r.limits.items())),
            r.principle,
        )

    old_by_key = {r.key: sig(r) for r in old}
    new_by_key = {r.key: sig(r) for r in new}
    added = [k for k in new_by_key if k not in old_by_key]
    removed = [k for k in old_by_key if k not in new_by_key]
    changed = [k for k in new_by_key if k in old_by_key and new_by_key[k] != old_by_key[k]]

    def fmt(keys: list[tuple[str, str | None, str]]) -> list[str]:
        return [f"{c}{'/' + s if s else ''}×{a}" for c, s, a in keys]

    return {"added": fmt(added), "removed": fmt(removed), "changed": fmt(changed)}


def _save_version(
    uow: UnitOfWorkLike, rules: Sequence[Rule], *, by: str, now: datetime, source: str, note: str
) -> CatalogueVersionRow:
    old = active_catalogue(uow.session).rules
    version = CatalogueVersionRow(
        created_at=now,
        created_by=by,
        source=source,
        note=note,
        changes=_diff(old, rules),
        rule_count=len(rules),
    )
    uow.session.add(version)
    uow.session.flush()
    uow.session.add_all(_row_from_rule(r, version.id) for r in rules)
    uow.commit()
    return version


def import_catalogue(
    uow: UnitOfWorkLike, data: bytes, *, by: str, now: datetime, note: str = "", source: str = "csv"
) -> CatalogueVersionRow:
    """Validate a whole CSV and make it the active catalogue; on any problem InvalidInput, nothing changed."""
    rules = parse_catalogue_csv(
        data,
        known_units=unit_codes(uow.session),
        known_categories=category_codes(uow.session),
        known_areas=area_codes(uow.session),
    )
    return _save_version(uow, rules, by=by, now=now, source=source, note=note)


def export_catalogue(session: Session) -> str:
    """The active catalogue as CSV text."""
    return write_catalogue_csv(active_catalogue(session).rules)


def _validate(session: Session, rules: Sequence[Rule]) -> None:
    units, cats, areas = unit_codes(session), category_codes(session), area_codes(session)
    errors: list[FieldError] = []
    for i, r in enumerate(rules):
        where = f"rule {r.id if r.id is not None else i}"
        for code in (r.lead_unit, *r.co_units):
            if code not in units:
                errors.append(FieldError(where, f"unknown unit {code!r}"))
        if r.category not in cats:
            errors.append(FieldError(where, f"unknown category {r.category!r}"))
        if areas is not None and r.area_code not in areas:
            errors.append(FieldError(where, f"unknown area code {r.area_code!r}"))
        missing = [rt for rt in REQUEST_TYPES if rt not in r.limits]
        if missing:
            errors.append(FieldError(where, "missing time limit for " + ", ".join(missing)))
    for first, second in find_overlaps(rules):
        errors.append(FieldError("rules", f"{second.category} × {second.area_code} would overlap rule {first.id}"))
    if errors:
        raise InvalidInput("The change would make the catalogue invalid; nothing changed.", errors=errors)


def add_rule(uow: UnitOfWorkLike, rule: Rule, *, by: str, now: datetime) -> CatalogueVersionRow:
    """A new version with one more rule."""
    rules = [*active_catalogue(uow.session).rules, replace(rule, id=None)]
    _validate(uow.session, rules)
    return _save_version(uow, rules, by=by, now=now, source="api", note=f"add {rule.category} × {rule.area_code}")


def update_rule(uow: UnitOfWorkLike, rule_id: int, rule: Rule, *, by: str, now: datetime) -> CatalogueVersionRow:
    """A new version with one active rule replaced."""
    current = active_catalogue(uow.session).rules
    if not any(r.id == rule_id for r in current):
        raise NotFound(f"Rule {rule_id} is not in the active catalogue.")
    rules = [replace(rule, id=rule_id) if r.id == rule_id else r for r in current]
    _validate(uow.session, rules)
    return _save_version(uow, rules, by=by, now=now, source="api", note=f"edit rule {rule_id}")


def delete_rule(uow: UnitOfWorkLike, rule_id: int, *, by: str, now: datetime) -> CatalogueVersionRow:
    """A new version without one rule."""
    current = active_catalogue(uow.session).rules
    if not any(r.id == rule_id for r in current):
        raise NotFound(f"Rule {rule_id} is not in the active catalogue.")
    rules = [r for r in current if r.id != rule_id]
    return _save_version(uow, rules, by=by, now=now, source="api", note=f"delete rule {rule_id}")


def history(session: Session, *, limit: int = 50) -> list[CatalogueVersionRow]:
    """The latest versions, newest first."""
    return list(session.scalars(select(CatalogueVersionRow).order_by(CatalogueVersionRow.id.desc()).limit(limit)))


def rule_count(session: Session) -> int:
    """Rules in the active version."""
    version = active_version(session)
    if version is None:
        return 0
    return int(session.scalar(select(func.count()).where(CatalogueRuleRow.version_id == version.id)) or 0)
