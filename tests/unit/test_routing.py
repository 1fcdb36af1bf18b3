"""Routing rules as values, the catalogue CSV, and 三跨 detection."""

from __future__ import annotations

import pytest

from gridloop.dispatch.domain.catalogue import columns, parse_catalogue_csv, write_catalogue_csv
from gridloop.dispatch.domain.routing import (
    CrossTag,
    Rule,
    UnitFacts,
    coordinating_level,
    cross_cutting,
    find_overlaps,
    route,
)
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.sla import TimeLimit

L5 = {"complaint": TimeLimit.parse("5wd")}


def rule(category: str, area: str, lead: str, sub: str | None = None) -> Rule:
    return Rule(category=category, area_code=area, lead_unit=lead, limits=L5, subcategory=sub)


RULES = [
    rule("城乡建设", "310107", "310107-FG"),
    rule("城乡建设", "310107014", "310107014-OPS"),
    rule("城乡建设", "310107", "310107-JG", sub="违法建设"),
    rule("环境保护", "310000", "310000-HB"),
]


def test_street_inherits_its_districts_rule() -> None:
    result = route(RULES, category="城乡建设", area_codes=["310107005", "310107"])
    assert result is not None and result.rule.lead_unit == "310107-FG"
    assert "inherited" in result.reason


def test_street_with_its_own_rule_uses_it() -> None:
    result = route(RULES, category="城乡建设", area_codes=["310107014", "310107"])
    assert result is not None and result.rule.lead_unit == "310107014-OPS"


def test_subcategory_rule_wins_at_the_same_area() -> None:
    result = route(RULES, category="城乡建设", subcategory="违法建设", area_codes=["310107005", "310107"])
    assert result is not None and result.rule.lead_unit == "310107-JG"


def test_city_wide_rule_applies_everywhere() -> None:
    result = route(RULES, category="环境保护", area_codes=["310101002", "310101", "310000"])
    assert result is not None and result.rule.lead_unit == "310000-HB"


def test_no_rule_no_route() -> None:
    assert route(RULES, category="教育文体", area_codes=["310107"]) is None
    assert route(RULES, category=None, area_codes=["310107"]) is None
    assert route(RULES, category="城乡建设", area_codes=["310101"]) is None


def test_overlap_is_same_category_subcategory_and_area() -> None:
    assert find_overlaps(RULES) == []
    dup = rule("城乡建设", "310107", "OTHER")
    assert find_overlaps([*RULES, dup]) == [(RULES[0], dup)]


HEADER = ",".join(columns())
UNITS = {"U1", "U2", "U3"}
CATS = {"城乡建设", "环境保护"}


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_catalogue_csv_round_trips() -> None:
    data = csv_bytes(
        "城乡建设,,310107,U1,U2;U3,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",
        "环境保护,,310107,U2,,owner_first,1wd,5wd,4wh,5wd,1wd,1wd",
    )
    rules = parse_catalogue_csv(data, known_units=UNITS, known_categories=CATS)
    assert rules[0].co_units == ("U2", "U3") and rules[1].limits["complaint"] == TimeLimit.parse("4wh")
    again = parse_catalogue_csv(write_catalogue_csv(rules).encode(), known_units=UNITS, known_categories=CATS)
    assert [r.key for r in again] == [r.key for r in rules]


def test_bad_catalogue_lists_every_problem_by_line() -> None:
    data = csv_bytes(
        "城乡建设,,310107,U1,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",
        "城乡建设,,310107,U2,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",  # overlaps line 2
        "外星人,,310107,U1,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",  # unknown category
        "环境保护,,310107,NOPE,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",  # unknown unit
        "环境保护,,310108,U1,,locality_first,1wd,,5wd,5wd,1wd,1wd",  # missing limit
    )
    with pytest.raises(InvalidInput) as info:
        parse_catalogue_csv(data, known_units=UNITS, known_categories=CATS)
    got = [(e.field, e.message.split(" ")[0]) for e in info.value.errors]
    assert got == [
        ("line 3", "overlaps"),
        ("line 4", "unknown"),
        ("line 5", "unknown"),
        ("line 6", "missing"),
    ]


def test_gbk_catalogue_is_refused_with_the_line() -> None:
    data = (HEADER + "\n城乡建设,,310107,U1,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd\n").encode("gbk")
    with pytest.raises(InvalidInput) as info:
        parse_catalogue_csv(data, known_units=UNITS, known_categories=CATS)
    assert [e.field for e in info.value.errors] == ["line 2"]


def test_missing_column_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_catalogue_csv(b"category,area_code\n", known_units=UNITS, known_categories=CATS)


def test_unknown_area_is_refused_when_areas_are_known() -> None:
    data = csv_bytes("城乡建设,,999999,U1,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd")
    with pytest.raises(InvalidInput):
        parse_catalogue_csv(data, known_units=UNITS, known_categories=CATS, known_areas={"310107"})


def test_two_departments_are_cross_department() -> None:
    units = [
        UnitFacts("A", "department", "district", "310107"),
        UnitFacts("B", "department", "district", "310107"),
    ]
    assert cross_cutting(units).tags == {CrossTag.CROSS_DEPARTMENT}


def test_street_and_district_units_are_cross_level() -> None:
    units = [UnitFacts("A", "area", "street", "310107"), UnitFacts("B", "department", "district", "310107")]
    assert CrossTag.CROSS_LEVEL in cross_cutting(units).tags


def test_two_districts_are_cross_region_and_go_to_the_city() -> None:
    units = [UnitFacts("A", "area", "district", "310107"), UnitFacts("B", "area", "district", "310106")]
    verdict = cross_cutting(units)
    assert CrossTag.CROSS_REGION in verdict.tags
    assert coordinating_level(units, cross_region=True) == "city"


def test_returned_twice_is_cross_cutting() -> None:
    units = [UnitFacts("A", "department", "district", "310107")]
    assert not cross_cutting(units, return_count=1).is_cross_cutting
    assert cross_cutting(units, return_count=2).is_cross_cutting


def test_coordination_goes_one_level_up() -> None:
    street = UnitFacts("S", "area", "street", "310107")
    bureau = UnitFacts("FG", "department", "district", "310107")
    district_office = UnitFacts("D", "area", "district", "310107")
    assert coordinating_level([street], cross_region=False) == "district"
    assert coordinating_level([bureau], cross_region=False) == "district", "a bureau by its district's centre"
    assert coordinating_level([street, district_office], cross_region=False) == "city"
