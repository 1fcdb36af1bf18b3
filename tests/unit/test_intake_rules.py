"""Report validation rules (pure)."""

from __future__ import annotations

from gridloop.cases.domain.intake import ReportText, default_title, validate_report
from gridloop.kernel.org import mask_phone


def _fields(**kw):
    report = ReportText(title=kw.pop("title", ""), text=kw.pop("text", "路灯坏了"), address=kw.pop("address", None))
    problems = validate_report(report, lng=kw.get("lng"), lat=kw.get("lat"), phone=kw.get("phone"))
    return [e.field for e in problems.errors]


def test_nan_coordinates_are_refused():
    assert _fields(lng=float("nan"), lat=31.2) == ["lng"]


def test_one_coordinate_alone_is_refused():
    assert _fields(lng=121.4) == ["lat"]


def test_emoji_with_words_is_accepted():
    assert _fields(text="路灯坏了😡") == []


def test_mask_phone_keeps_three_and_four_digits():
    assert mask_phone("13812345678") == "138****5678"


def test_default_title_cuts_long_first_line():
    assert default_title("一" * 40).endswith("…")
