"""Choosing a case's area from its point or its text, with a fake locator."""

from __future__ import annotations

import pytest

from gridloop.geo.services.geography import locate_case_area
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.ports import AreaMatch


class FakeLocator:
    def __init__(self, point: AreaMatch | None, text: list[AreaMatch]) -> None:
        self.point, self.text = point, text

    def locate_point(self, lng: float, lat: float, crs: str) -> AreaMatch | None:
        return self.point

    def locate_text(self, text: str) -> list[AreaMatch]:
        return self.text


HUANGPU = AreaMatch(district_code="310101", method="point")
PUTUO_TEXT = AreaMatch(district_code="310107", method="text", confidence=0.8)


def test_point_wins_over_text_and_says_so():
    locator = FakeLocator(HUANGPU, [PUTUO_TEXT])
    loc = locate_case_area(locator, lng=121.49, lat=31.24, crs="gcj02", text="长寿路")
    assert (loc.match, loc.method) == (HUANGPU, "point")


def test_text_is_used_when_there_is_no_point():
    loc = locate_case_area(FakeLocator(None, [PUTUO_TEXT]), text="长寿路")
    assert (loc.match, loc.method) == (PUTUO_TEXT, "text")


def test_tied_text_candidates_are_returned_without_choosing():
    a = AreaMatch(district_code="310106", method="text", confidence=0.4)
    b = AreaMatch(district_code="310107", method="text", confidence=0.4)
    loc = locate_case_area(FakeLocator(None, [a, b]), text="中山北路")
    assert loc.match is None and loc.method == "ambiguous" and loc.candidates == [a, b]


def test_point_without_crs_is_refused():
    with pytest.raises(InvalidInput, match="coordinate system"):
        locate_case_area(FakeLocator(HUANGPU, []), lng=121.49, lat=31.24)


def test_nothing_known_gives_method_none():
    assert locate_case_area(FakeLocator(None, []), text="楼上漏水").method == "none"
