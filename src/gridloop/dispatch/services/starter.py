"""A demo dispatch catalogue for the demo city, built from the units that exist (names decide the match)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.dispatch.domain.catalogue import REQUEST_TYPES
from gridloop.dispatch.domain.routing import Principle, Rule
from gridloop.dispatch.services.catalogue import DEFAULT_CATEGORIES, UnitOfWorkLike, _save_version, seed_categories
from gridloop.dispatch.tables import CatalogueVersionRow
from gridloop.kernel.sla import StepLimits, TimeLimit
from gridloop.org.tables import UnitRow

#: Demo seed data: which district department takes which category, by words in the department's name.
#: (The real catalogue is imported by each city as CSV; this only makes the demo city work out of the box.)
DEMO_DEPARTMENT_WORDS: Mapping[str, Sequence[str]] = {
    "城乡建设": ("房管", "住建", "建管", "建设"),
    "劳动和社会保障": ("人社", "人力资源"),
    "教育文体": ("教育", "文旅", "体育"),
    "商贸旅游": ("商务", "市场监管", "文旅"),
    "环境保护": ("环保", "生态环境", "环境"),
    "卫生计生": ("卫健", "卫生"),
    "交通运输": ("交通", "建交"),
}
DEMO_CO_UNIT_WORDS: Mapping[str, Sequence[str]] = {"城乡建设": ("城管", "执法")}


def _default_limits() -> dict[str, TimeLimit]:
    limits = StepLimits()
    return {rt: limits.reply_by_type.get(rt, TimeLimit.parse("5wd")) for rt in REQUEST_TYPES}


def _pick(departments: Sequence[UnitRow], words: Sequence[str]) -> UnitRow | None:
    for word in words:
        for unit in departments:
            if word in unit.name:
                return unit
    return None


def demo_rules(session: Session) -> list[Rule]:
    """One rule per district × category: the district department whose name fits, else the district office."""
    districts = list(
        session.scalars(
            select(UnitRow).where(UnitRow.kind == "area", UnitRow.level == "district").order_by(UnitRow.code)
        )
    )
    departments = list(
        session.scalars(
            select(UnitRow).where(UnitRow.kind == "department", UnitRow.level == "district").order_by(UnitRow.code)
        )
    )
    rules: list[Rule] = []
    for district in districts:
        if not district.area_code:
            continue
        own = [d for d in departments if d.parent_id == district.id or d.path.startswith(district.path)]
        for category, _zh, _en in DEFAULT_CATEGORIES:
            lead = _pick(own, DEMO_DEPARTMENT_WORDS.get(category, ()))
            co = _pick(own, DEMO_CO_UNIT_WORDS.get(category, ()))
            lead_code = lead.code if lead else district.code
            co_units = (co.code,) if co is not None and co.code != lead_code else ()
            rules.append(
                Rule(
                    category=category,
                    area_code=district.area_code,
                    lead_unit=lead_code,
                    co_units=co_units,
                    limits=_default_limits(),
                    principle=Principle.LOCALITY_FIRST,
                    note="demo",
                )
            )
    return rules


def load_demo_catalogue(uow: UnitOfWorkLike, *, now: datetime, by: str = "demo") -> CatalogueVersionRow:
    """Seed the categories and make the demo catalogue the active version."""
    seed_categories(uow)
    return _save_version(uow, demo_rules(uow.session), by=by, now=now, source="demo", note="demo catalogue")
