"""Area-code rules (GB/T 30428 14-digit profile) and input point sanity."""

from __future__ import annotations

import pytest

from gridloop.geo.domain import (
    ancestor_codes,
    check_point,
    code_problems,
    level_of_code,
    name_aliases,
    parent_code,
    validate_code,
)
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.org import Level


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("310000", Level.CITY),
        ("310101", Level.DISTRICT),
        ("310101002", Level.STREET),
        ("310101002003", Level.COMMUNITY),
        ("31010100200301", Level.GRID),
    ],
)
def test_level_is_read_from_code_length(code, level):
    assert level_of_code(code) is level


def test_parents_are_derived_by_prefix():
    assert parent_code("31010100200301") == "310101002003"
    assert parent_code("310101002003") == "310101002"
    assert parent_code("310101002") == "310101"
    assert parent_code("310101") == "310000"
    assert parent_code("310000") is None


def test_ancestor_codes_list_every_level_up_to_the_city():
    assert ancestor_codes("31010100200301") == {
        Level.GRID: "31010100200301",
        Level.COMMUNITY: "310101002003",
        Level.STREET: "310101002",
        Level.DISTRICT: "310101",
        Level.CITY: "310000",
    }


def test_malformed_codes_are_listed_with_the_reason():
    assert code_problems("3101010020030", level=None) == ["'3101010020030' has 13 digits; expected 6, 9, 12 or 14"]
    assert code_problems("31010100200300") == [
        "'31010100200300' has grid sequence 00 (00 denotes the community itself)"
    ]
    assert code_problems("31010A", level=Level.DISTRICT) == ["'31010A' must contain digits only"]
    assert code_problems("310101002", level=Level.COMMUNITY)[0].endswith("a community code has 12")


def test_validate_code_raises_invalid_input_with_field_errors():
    with pytest.raises(InvalidInput) as caught:
        validate_code("12", field="features[3].code")
    assert caught.value.errors[0].field == "features[3].code"


def test_point_inside_the_city_is_accepted():
    assert check_point(121.49, 31.24) == (121.49, 31.24)


def test_swapped_lng_lat_is_detected_and_said():
    with pytest.raises(InvalidInput, match="swapped"):
        check_point(31.24, 121.49)


def test_nan_coordinate_is_refused():
    with pytest.raises(InvalidInput, match="finite"):
        check_point(float("nan"), 31.2)


def test_point_outside_china_is_refused():
    with pytest.raises(InvalidInput, match="outside China"):
        check_point(2.35, 48.85)


def test_point_in_china_but_outside_the_city_is_refused():
    with pytest.raises(InvalidInput, match="outside the city"):
        check_point(116.40, 39.90)


def test_name_aliases_strip_administrative_suffixes():
    assert name_aliases("长寿路街道") == ["长寿路"]
    assert name_aliases("浦东新区") == ["浦东"]
    assert name_aliases("朱家角镇") == ["朱家角"]
    assert name_aliases("长宁01街道（演示）") == ["长宁01街道", "长宁01"]
    assert name_aliases("区") == []
