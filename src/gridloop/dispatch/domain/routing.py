"""Responsibility rules (派单目录) as values: route(), overlap detection, cross-cutting (三跨) detection.

A rule maps category [+ subcategory] × area code → lead unit, co-units and reply time limits per request type.
Areas inherit downward: a street inherits its district's rule unless it has its own. No rule lives in code;
rules are rows an administrator edits (CSV or API).

Precedence when several rules fit a case: the rule on the finest area wins (street over district over city);
at the same area, a rule naming the case's subcategory wins over the category-wide rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gridloop.kernel.labels import LabeledEnum
from gridloop.kernel.sla import TimeLimit


class Principle(LabeledEnum):
    """Who answers first (GB/T 30428 practice): events go to the locality, components to their owner."""

    LOCALITY_FIRST = ("locality_first", "先属地、后属主", "Locality first (events)")
    OWNER_FIRST = ("owner_first", "先属主、后属地", "Owner first (components)")


class CrossTag(LabeledEnum):
    """The three kinds of cross-cutting case (三跨)."""

    CROSS_DEPARTMENT = ("cross_department", "跨部门", "Cross-department", "#f97316")
    CROSS_LEVEL = ("cross_level", "跨层级", "Cross-level", "#a855f7")
    CROSS_REGION = ("cross_region", "跨区域", "Cross-region", "#0ea5e9")


@dataclass(frozen=True)
class Rule:
    """One routing rule of the catalogue."""

    category: str
    area_code: str
    lead_unit: str
    limits: Mapping[str, TimeLimit]
    subcategory: str | None = None
    co_units: tuple[str, ...] = ()
    principle: Principle = Principle.LOCALITY_FIRST
    note: str = ""
    line: int | None = None  # source line in an imported CSV
    id: int | None = None

    @property
    def key(self) -> tuple[str, str | None, str]:
        """What makes two rules collide: category, subcategory, area."""
        return (self.category, self.subcategory or None, self.area_code)

    def reply_limit(self, request_type: str) -> TimeLimit | None:
        """The rule's reply limit for a request type, if it sets one."""
        return self.limits.get(request_type)


@dataclass(frozen=True)
class RouteResult:
    """The rule chosen for a case, the area code it matched on, and why."""

    rule: Rule
    matched_area: str
    reason: str


def route(
    rules: Iterable[Rule],
    *,
    category: str | None,
    area_codes: Sequence[str | None],
    subcategory: str | None = None,
) -> RouteResult | None:
    """The most specific rule for a category and an area chain (finest code first), or None."""
    if not category:
        return None
    chain = [code for code in area_codes if code]
    best: tuple[tuple[int, int], Rule, str] | None = None
    for rule in rules:
        if rule.category != category:
            continue
        if rule.subcategory and rule.subcategory != subcategory:
            continue
        if rule.area_code not in chain:
            continue
        depth = chain.index(rule.area_code)
        rank = (depth, 0 if rule.subcategory else 1)
        if best is None or rank < best[0]:
            best = (rank, rule, rule.area_code)
    if best is None:
        return None
    _rank, rule, area = best
    inherited = "" if area == chain[0] else f" (inherited from {area})"
    sub = f"/{rule.subcategory}" if rule.subcategory else ""
    return RouteResult(rule, area, f"catalogue rule {category}{sub} × {area}{inherited} → {rule.lead_unit}")


def find_overlaps(rules: Iterable[Rule]) -> list[tuple[Rule, Rule]]:
    """Pairs of rules with the same category, subcategory and area (the catalogue would be ambiguous)."""
    seen: dict[tuple[str, str | None, str], Rule] = {}
    pairs: list[tuple[Rule, Rule]] = []
    for rule in rules:
        first = seen.get(rule.key)
        if first is None:
            seen[rule.key] = rule
        else:
            pairs.append((first, rule))
    return pairs


@dataclass(frozen=True)
class UnitFacts:
    """What 三跨 detection needs to know about a unit on a case."""

    code: str
    kind: str  # area | department | enterprise
    level: str  # city | district | street | ...
    district_code: str | None = None


@dataclass(frozen=True)
class CrossCutting:
    """The 三跨 verdict for a case: its tags and the reasons."""

    tags: frozenset[CrossTag] = frozenset()
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_cross_cutting(self) -> bool:
        """Whether any tag applies."""
        return bool(self.tags)


def cross_cutting(
    units: Sequence[UnitFacts], *, return_count: int = 0, disputed: bool = False, return_limit: int = 2
) -> CrossCutting:
    """Tags for a case touching several departments, levels or districts, returned too often, or disputed."""
    tags: set[CrossTag] = set()
    reasons: list[str] = []
    departments = {u.code for u in units if u.kind == "department"}
    if len(departments) > 1:
        tags.add(CrossTag.CROSS_DEPARTMENT)
        reasons.append(f"{len(departments)} departments involved")
    levels = {u.level for u in units}
    if len(levels) > 1:
        tags.add(CrossTag.CROSS_LEVEL)
        reasons.append("units at levels " + ", ".join(sorted(levels)))
    districts = {u.district_code for u in units if u.district_code}
    if len(districts) > 1:
        tags.add(CrossTag.CROSS_REGION)
        reasons.append("districts " + ", ".join(sorted(districts)))
    if return_count >= return_limit or disputed:
        why = f"returned {return_count} times" if return_count >= return_limit else "responsibility disputed"
        reasons.append(why)
        if not tags:
            tags.add(CrossTag.CROSS_DEPARTMENT)
    return CrossCutting(frozenset(tags), tuple(reasons))


#: Coordinating level above each area level (street → district → city operations centre).
COORDINATOR_ABOVE: dict[str, str] = {"grid": "street", "community": "street", "street": "district", "district": "city"}
LEVEL_ORDER: tuple[str, ...] = ("city", "district", "street", "community", "grid")


def coordinating_level(units: Sequence[UnitFacts], *, cross_region: bool) -> str:
    """The level that coordinates a cross-cutting case.

    An area office is coordinated one level up (street → district → city); a department by the operations
    centre of its own level (a district bureau by the district); the highest of these wins; across districts,
    the city.
    """
    if cross_region:
        return "city"
    wanted = [
        COORDINATOR_ABOVE.get(u.level, "city") if u.kind == "area" else u.level for u in units if u.level in LEVEL_ORDER
    ]
    if not wanted:
        return "district"
    return min(wanted, key=LEVEL_ORDER.index)
