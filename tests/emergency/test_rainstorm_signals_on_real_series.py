"""The shipped rainstorm rule on the real hourly series of Shanghai 2013 and Beijing July 2016 (shared data)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import timedelta

import pytest

from gridloop.emergency.adapters.readings_csv import read_readings
from gridloop.emergency.domain.levels import LEVELS
from gridloop.emergency.domain.rule_table import default_rules, rainstorm_rule_from_signal_table
from gridloop.emergency.domain.rules import TransitionKind, evaluate

SHANGHAI = "sensors/shanghai_pm25_precip_hourly_2013-06_2013-10.csv"
BEIJING = "sensors/beijing_12sites_pm25_rain_hourly_2016-07.csv"
RAISING = (TransitionKind.ISSUE, TransitionKind.UPGRADE)


def rainstorm():
    return next(r for r in default_rules() if r.id == "rainstorm")


def replay(path):
    return [
        t
        for t in evaluate(sorted(read_readings(path), key=lambda r: r.ts), rules=default_rules())
        if t.rule_id == "rainstorm"
    ]


def test_shipped_rainstorm_steps_are_the_national_signal_table(emergency_data):
    with (emergency_data / "mappings/rainstorm_signal_thresholds.csv").open(encoding="utf-8") as f:
        from_table = rainstorm_rule_from_signal_table(csv.DictReader(f))
    assert from_table.steps == rainstorm().steps


def test_level_table_matches_the_shared_level_to_cap_mapping(emergency_data):
    with (emergency_data / "mappings/warning_level_to_cap.csv").open(encoding="utf-8") as f:
        rows = {int(r["level"]): r for r in csv.DictReader(f)}
    for level, info in LEVELS.items():
        row = rows[level]
        got = (info.colour_zh, info.colour_en, info.label_zh, info.cap_severity, info.cap_urgency)
        want = (
            row["colour_zh"],
            row["colour_en"],
            row["text_label_zh"],
            row["cap_severity_suggested"],
            row["cap_urgency_default"],
        )
        assert got == want, f"level {level}"


def test_shanghai_2013_raises_orange_and_yellow_on_the_expected_days_and_never_red(emergency_data):
    out = replay(emergency_data / SHANGHAI)
    highest: dict[str, int] = {}
    for t in out:
        if t.kind in RAISING:
            day = t.at.date().isoformat()
            highest[day] = min(highest.get(day, 9), t.level)
    colours = {day: LEVELS[level].colour_en for day, level in highest.items()}
    assert colours == {
        "2013-06-07": "yellow",
        "2013-08-01": "orange",
        "2013-09-13": "orange",
        "2013-10-07": "yellow",
        "2013-10-08": "orange",
    }
    assert all(t.level != 1 for t in out), "no 3-hour sum reaches 100 mm: red stays silent"


def test_shanghai_2013_every_raise_is_backed_by_its_rolling_sum(emergency_data):
    rule = rainstorm()
    hourly = {r.ts: r.value or 0.0 for r in read_readings(emergency_data / SHANGHAI) if r.station_id == "SH_MET"}
    for t in replay(emergency_data / SHANGHAI):
        if t.kind in RAISING:
            step = rule.step(t.level)
            total = sum(v for ts, v in hourly.items() if t.at - step.window < ts <= t.at)
            assert total >= step.threshold, f"{t.at} {t.level}: {total}"
            assert t.value == pytest.approx(total)


def test_shanghai_2013_every_warning_is_cancelled_and_every_chain_starts_with_an_issue(emergency_data):
    out = replay(emergency_data / SHANGHAI)
    kinds = [t.kind for t in out]
    # four episodes: 06-07, 08-01, 09-13, and Fitow from 10-07 evening into 10-08 as one chain
    assert kinds.count(TransitionKind.ISSUE) == kinds.count(TransitionKind.CANCEL) == 4
    assert out[-1].kind is TransitionKind.CANCEL


# Per station on 20 July 2016: (hour, kind, level) of every issue and upgrade; derived by hand from the hourly
# rolling sums against the table (12 h/6 h/3 h ≥ 50 mm, 3 h ≥ 100 mm) with the rule's 3-hour clearing.
BEIJING_20_JULY = {
    "BJ_AOTIZHONGXIN": [(10, "issue", 3), (11, "upgrade", 2), (20, "upgrade", 2)],
    "BJ_CHANGPING": [(12, "issue", 3), (21, "upgrade", 2)],
    "BJ_DINGLING": [(12, "issue", 3), (21, "upgrade", 2)],
    "BJ_DONGSI": [(10, "issue", 3), (11, "upgrade", 2), (20, "upgrade", 2)],
    "BJ_GUANYUAN": [(10, "issue", 3), (11, "upgrade", 2), (20, "upgrade", 2)],
    "BJ_GUCHENG": [(10, "issue", 3), (11, "upgrade", 2)],
    "BJ_HUAIROU": [(14, "issue", 4), (15, "upgrade", 3), (17, "upgrade", 2)],
    "BJ_NONGZHANGUAN": [(10, "issue", 3), (11, "upgrade", 2), (20, "upgrade", 2)],
    "BJ_SHUNYI": [(12, "issue", 3)],
    "BJ_TIANTAN": [(10, "issue", 3), (11, "upgrade", 2), (20, "upgrade", 2)],
    "BJ_WANLIU": [(10, "issue", 4), (11, "upgrade", 2), (20, "upgrade", 2)],
    "BJ_WANSHOUXIGONG": [(10, "issue", 3), (11, "upgrade", 2), (20, "upgrade", 2)],
}


def test_beijing_20_july_2016_issues_and_upgrades_per_station(emergency_data):
    got: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for t in replay(emergency_data / BEIJING):
        if t.kind in RAISING:
            assert t.at.date().isoformat() == "2016-07-20", f"{t.subject} raised on {t.at}"
            got[t.subject].append((t.at.hour, t.kind.value, t.level))
    assert dict(got) == BEIJING_20_JULY


def test_beijing_july_2016_has_no_red_and_every_station_is_all_clear_by_noon_on_the_21st(emergency_data):
    out = replay(emergency_data / BEIJING)
    assert all(t.level != 1 for t in out)
    last = {t.subject: t for t in out}
    assert all(t.kind is TransitionKind.CANCEL for t in last.values())
    assert max(t.at for t in last.values()) - min(t.at for t in out) < timedelta(days=1, hours=3)


def test_beijing_area_warning_follows_half_the_stations(emergency_data, tmp_path):
    from dataclasses import replace

    from gridloop.emergency.domain.cap import CapComposer, CapProfile
    from gridloop.emergency.domain.rules import Combine
    from gridloop.emergency.services.replay import warnings_from

    area_rule = replace(rainstorm(), id="rainstorm-beijing", combine=Combine.COUNT, min_stations=6, area="北京市")
    readings = sorted(read_readings(emergency_data / BEIJING), key=lambda r: r.ts)
    composer = CapComposer(profile=CapProfile(admin_code="110000"))
    messages = list(warnings_from(readings, rules=[area_rule], composer=composer))
    moves = [(m.msg_type, m.transition.at.strftime("%d %H"), m.transition.level) for m in messages]
    assert moves == [
        ("Alert", "20 10", 3),  # 7 stations with 6-hour sums ≥ 50 mm
        ("Update", "20 11", 2),  # 8 stations with 3-hour sums ≥ 50 mm
        ("Update", "20 18", 3),
        ("Update", "20 20", 2),
        ("Update", "21 00", 4),
        ("Cancel", "21 10", 4),
    ]
    line = messages[0].summary()
    assert line["station_id"] is None and line["area"] == "北京市" and len(line["stations"]) == 12
    assert len({m.identifier[:14] for m in messages}) == 1, "one subject, one sender code"


def test_beijing_mean_of_stations_reaches_orange_an_hour_later_than_the_first_stations(emergency_data):
    from dataclasses import replace

    from gridloop.emergency.domain.rules import Combine

    mean_rule = replace(rainstorm(), id="rainstorm-mean", combine=Combine.MEAN, area="北京市")
    readings = sorted(read_readings(emergency_data / BEIJING), key=lambda r: r.ts)
    raised = [(t.at.strftime("%d %H"), t.level) for t in evaluate(readings, rules=[mean_rule]) if t.kind in RAISING]
    assert raised == [("20 11", 3), ("20 12", 2)]
