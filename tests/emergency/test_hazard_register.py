"""The hazard register: lifecycle table from 发现 to 销号, guards, and LEC risk scoring."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gridloop.emergency.domain.hazards import (
    C_SCORES,
    E_SCORES,
    L_SCORES,
    TERMINAL,
    TRANSITIONS,
    HazardAction,
    HazardStatus,
    RiskGrade,
    allowed_actions,
    apply,
    grade_of,
    lec_score,
    next_status,
    render_lifecycle_markdown,
    report,
)
from gridloop.kernel.errors import Conflict, InvalidInput

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
A = HazardAction
DOC = Path(__file__).resolve().parents[2] / "docs" / "emergency.md"


def found():
    return report("地下车库消防通道堆放杂物", location="南京东路街道某小区", found_by="网格员张三", now=NOW)


def test_every_status_is_reachable_from_found():
    reached, frontier = {HazardStatus.FOUND}, [HazardStatus.FOUND]
    while frontier:
        current = frontier.pop()
        for action in allowed_actions(current):
            nxt = next_status(current, action)
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(HazardStatus)


def test_finished_hazards_have_no_way_out():
    assert all(src not in TERMINAL for src, _ in TRANSITIONS)
    with pytest.raises(Conflict, match="finished"):
        next_status(HazardStatus.CLOSED, A.REASSESS)


def test_a_hazard_goes_from_found_to_closed_through_every_step():
    h = found()
    h = apply(h, A.REGISTER, actor="街道安全办", now=NOW)
    h = apply(h, A.ASSESS, actor="街道安全办", now=NOW, score=lec_score(3, exposure=6, consequence=15))
    assert h.score is not None and h.score.d == 270 and h.score.grade is RiskGrade.HIGH
    h = apply(h, A.ASSIGN, actor="街道安全办", now=NOW, unit="物业公司", deadline=NOW + timedelta(days=3))
    h = apply(h, A.START, actor="物业李四", now=NOW + timedelta(hours=2))
    h = apply(h, A.RECHECK_FAIL, actor="网格员张三", now=NOW + timedelta(days=1), note="杂物未清完")
    assert h.status is HazardStatus.RECTIFYING
    h = apply(h, A.RECHECK_PASS, actor="网格员张三", now=NOW + timedelta(days=2))
    h = apply(h, A.CLOSE, actor="街道安全办", now=NOW + timedelta(days=2, hours=1))
    assert h.status is HazardStatus.CLOSED and h.overdue_at is None
    assert [e.action for e in h.history] == [
        A.REGISTER,
        A.ASSESS,
        A.ASSIGN,
        A.START,
        A.RECHECK_FAIL,
        A.RECHECK_PASS,
        A.CLOSE,
    ]


def test_a_hazard_cannot_be_closed_before_it_is_rechecked():
    h = apply(found(), A.REGISTER, actor="x", now=NOW)
    with pytest.raises(Conflict, match="Allowed: dismiss, assess"):
        apply(h, A.CLOSE, actor="x", now=NOW)


def test_whoever_rectified_cannot_recheck():
    h = apply(found(), A.REGISTER, actor="x", now=NOW)
    h = apply(h, A.ASSESS, actor="x", now=NOW, score=lec_score(1, exposure=1, consequence=1))
    h = apply(h, A.ASSIGN, actor="x", now=NOW, unit="物业", deadline=NOW + timedelta(days=1))
    h = apply(h, A.START, actor="物业李四", now=NOW)
    with pytest.raises(Conflict, match="someone other"):
        apply(h, A.RECHECK_PASS, actor="物业李四", now=NOW)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({}, "unit"), ({"unit": "物业", "deadline": NOW - timedelta(hours=1)}, "future")],
)
def test_an_assignment_needs_a_unit_and_a_future_deadline(kwargs, message):
    h = apply(found(), A.REGISTER, actor="x", now=NOW)
    h = apply(h, A.ASSESS, actor="x", now=NOW, score=lec_score(1, exposure=1, consequence=1))
    with pytest.raises(InvalidInput, match=message):
        apply(h, A.ASSIGN, actor="x", now=NOW, **kwargs)


def test_assessing_needs_a_score_and_dismissing_a_reason():
    h = apply(found(), A.REGISTER, actor="x", now=NOW)
    with pytest.raises(InvalidInput, match="LEC"):
        apply(h, A.ASSESS, actor="x", now=NOW)
    with pytest.raises(InvalidInput, match="reason"):
        apply(h, A.DISMISS, actor="x", now=NOW)


def test_lec_factor_scores_match_the_shared_table(emergency_data):
    with (emergency_data / "mappings/lec_risk_scoring.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for factor, table in (("L", L_SCORES), ("E", E_SCORES), ("C", C_SCORES)):
        shared = {float(r["score"]): r["meaning_zh"] for r in rows if r["factor"] == factor}
        assert shared == table, factor


def test_d_bands_match_the_shared_table(emergency_data):
    with (emergency_data / "mappings/lec_risk_scoring.csv").open(encoding="utf-8") as f:
        bands = [r for r in csv.DictReader(f) if r["factor"] == "D_band"]
    for band in bands:
        level = int(re.search(r"\((\d)级", band["meaning_zh"]).group(1))
        bounds = [float(x) for x in re.findall(r"\d+", band["score"])]
        probe = (
            bounds[0] + 1
            if band["score"].startswith(">")
            else (bounds[0] - 1 if band["score"].startswith("<") else sum(bounds) / 2)
        )
        grade, danger = grade_of(probe)
        assert grade.value == str(level), band
        assert danger in band["meaning_zh"]


def test_d_on_a_band_edge_takes_the_more_dangerous_band():
    assert grade_of(320)[0] is RiskGrade.HIGH and grade_of(320.5)[0] is RiskGrade.MAJOR
    assert grade_of(160)[0] is RiskGrade.HIGH and grade_of(70)[0] is RiskGrade.GENERAL
    assert grade_of(69.9)[0] is RiskGrade.LOW


def test_lec_refuses_a_factor_outside_the_method():
    with pytest.raises(InvalidInput, match="L = 4"):
        lec_score(4, exposure=1, consequence=1)


def test_lec_of_the_most_dangerous_combination_is_major():
    s = lec_score(10, exposure=10, consequence=100)
    assert (s.d, s.grade) == (10000, RiskGrade.MAJOR)


def test_docs_list_every_transition():
    assert render_lifecycle_markdown() in DOC.read_text(encoding="utf-8"), "docs/emergency.md: paste the table"
