"""Scenario files, the simulated clock and scoring: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from gridloop.drills.adapters.scenario_file import check, load, parse_text, shipped_ids
from gridloop.drills.domain import clock as simclock
from gridloop.drills.domain.scoring import LATE, MISSED, ON_TIME, Observation, score_run
from gridloop.kernel.errors import InvalidInput

T = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def test_three_shipped_scenarios_are_valid_and_cover_the_issue() -> None:
    assert shipped_ids() == ["gas-leak-old-building", "highrise-fire-evacuation", "rainstorm-waterlogging"]
    kinds = set()
    for sid in shipped_ids():
        scenario, _ = load(sid)
        kinds |= {i.kind for i in scenario.injects}
        assert scenario.expected and all(e.target_minutes > 0 for e in scenario.expected)
    assert kinds == {"sensor", "call", "grid_report", "message"}


def test_targets_cited_from_the_response_time_table_match_it() -> None:
    """Where a scenario cites a row of response_time_targets.csv, its target is that row's value."""
    from tests.shared_data import shared_path

    path = shared_path("emergency/mappings/response_time_targets.csv")
    import csv

    rows = {r["target_id"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    cited = 0
    for sid in shipped_ids():
        for e in load(sid)[0].expected:
            if e.source.startswith("response_time_targets.csv:"):
                row = rows[e.source.split(":", 1)[1]]
                assert row["unit"] == "minutes"
                values = [float(v) for v in row["value"].split("/")]
                assert e.target_minutes in values, (sid, e.id)
                cited += 1
    assert cited >= 4


def _doc() -> dict:
    return yaml.safe_load(load("gas-leak-old-building")[1])


def test_a_bad_scenario_gives_one_error_per_problem_with_its_path() -> None:
    doc = _doc()
    doc["injects"][0]["kind"] = "telegram"
    doc["expected"][1]["target_minutes"] = -3
    doc["roles"][0]["console_role"] = "mayor"
    del doc["title"]
    found = check(doc)
    paths = [p for p, _ in found]
    assert "(document)" in paths  # title is required
    assert "injects[0].kind" in paths
    assert "expected[1].target_minutes" in paths
    assert "roles[0].console_role" in paths
    assert len(found) == len(set(found))


def test_references_to_unknown_roles_and_injects_are_reported_with_paths() -> None:
    doc = _doc()
    doc["expected"][0]["role"] = "mayor"
    doc["expected"][0]["after"] = "call-9"
    doc["injects"][2]["to"] = ["nobody"]
    doc["expected"][2]["after_action"] = "close-incident"
    found = dict(check(doc))
    assert found["expected[0].role"] == "unknown role 'mayor'"
    assert found["expected[0].after"] == "unknown inject 'call-9'"
    assert found["injects[2].to[0]"] == "unknown role 'nobody'"
    assert "earlier expected action" in found["expected[2].after_action"]


def test_parse_text_raises_invalid_input_listing_fields() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_text("id: x\n", name="x.yaml")
    assert err.value.errors and all(e.field for e in err.value.errors)
    with pytest.raises(InvalidInput):
        parse_text("id: [unclosed\n")


def test_the_simulated_clock_runs_pauses_speeds_up_and_steps() -> None:
    segs = [simclock.Segment(T, 0.0, 1.0)]
    assert simclock.sim_seconds(segs, T + timedelta(minutes=2)) == 120
    segs = simclock.set_speed(segs, T + timedelta(minutes=2), 10)
    assert simclock.sim_seconds(segs, T + timedelta(minutes=3)) == 120 + 600
    segs = simclock.set_speed(segs, T + timedelta(minutes=3), 0)  # paused
    assert simclock.sim_seconds(segs, T + timedelta(hours=1)) == 720
    segs = simclock.jump(segs, T + timedelta(hours=1), 3600)
    assert simclock.sim_seconds(segs, T + timedelta(hours=2)) == 3600
    assert simclock.sim_seconds(segs, T + timedelta(minutes=2)) == 120  # the past never changes
    with pytest.raises(ValueError):
        simclock.check_speed(-1)


def test_scoring_on_time_late_and_missed_against_targets() -> None:
    scenario = load("gas-leak-old-building")[0]
    obs = [
        Observation("case.dispatch", 2.0, "d", "SH1"),  # target 3 → on time
        Observation("incident.task", 7.0, "c", "TF1"),  # target 5 → late
        Observation("incident.task_arrive", 9.0, "m", "TF1"),  # 3 min after the task (at 7) → on time
        Observation("decision", 20.0, "c", key="decide-cordon"),  # report-1 at 12, target 10 → on time
    ]
    result = score_run(scenario, obs, subjects={"call-1": {"SH1"}}, incident_subjects={"call-1": {"TF1"}})
    by = {i.expected.id: i for i in result.items}
    assert by["dispatch-call"].outcome == ON_TIME
    assert by["task-micro-fire"].outcome == LATE and by["task-micro-fire"].points == 0.5
    assert by["micro-fire-on-site"].outcome == ON_TIME and by["micro-fire-on-site"].elapsed_minutes == 2.0
    assert by["micro-fire-ack"].outcome == MISSED
    assert by["decide-cordon"].outcome == ON_TIME
    total = sum(e.weight for e in scenario.expected)
    assert result.score == round(100 * sum(i.points for i in result.items) / total, 1)
    # the same observations always give the same score
    assert score_run(scenario, list(reversed(obs)), subjects={"call-1": {"SH1"}},
                     incident_subjects={"call-1": {"TF1"}}).score == result.score  # fmt: skip


def test_a_case_action_only_counts_on_the_case_of_its_inject() -> None:
    scenario = load("gas-leak-old-building")[0]
    result = score_run(scenario, [Observation("case.dispatch", 1.0, "d", "SH-other")], subjects={"call-1": {"SH1"}})
    assert {i.expected.id: i.outcome for i in result.items}["dispatch-call"] == MISSED
