"""Duration and gap rules on the Italian road-side CO series (hourly, local time, ~18 % missing)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from gridloop.emergency.adapters.readings_csv import read_readings
from gridloop.emergency.domain.rules import Kind, Rule, Step, TransitionKind, evaluate

H = timedelta(hours=1)
CO = "sensors/uci_airquality_co_no2_hourly_2004-2005.csv"
HIGH = Rule(
    id="co-high",
    event="一氧化碳超标",
    metric="co",
    unit="mg/m3",
    kind=Kind.THRESHOLD,
    steps=(Step(level=3, threshold=8.0, window=H),),
    hold=2 * H,
    clear_hold=H,
    category="Env",
)
SILENT = Rule(
    id="co-silent", event="监测数据中断", metric="co", unit="mg/m3", kind=Kind.STALENESS, steps=(Step(4, 24.0),)
)


def readings(emergency_data):
    return sorted(read_readings(emergency_data / CO, naive_tz=ZoneInfo("Europe/Rome")), key=lambda r: r.ts)


def test_co_above_8_for_three_hours_running_warns_only_then(emergency_data):
    out = [t for t in evaluate(readings(emergency_data), rules=[HIGH]) if t.kind is TransitionKind.ISSUE]
    # the only runs of ≥ 3 consecutive hours at ≥ 8 mg/m3: 23 Nov 18–21 h, 16 Dec 19–21 h, 23 Dec 18–20 h
    assert [t.at.strftime("%m-%d %H") for t in out] == ["11-23 20", "12-16 21", "12-23 20"]


def test_every_gap_longer_than_a_day_is_one_silent_gauge_warning(emergency_data):
    rows = readings(emergency_data)
    valid = [r.ts for r in rows if r.metric == "co" and r.value is not None]
    long_gaps = sum(1 for a, b in pairwise(valid) if b - a > timedelta(hours=24))
    out = list(evaluate(rows, rules=[SILENT]))
    issues = [t for t in out if t.kind is TransitionKind.ISSUE]
    assert len(issues) == long_gaps > 10
    assert all(t.value == 24.0 for t in issues), "raised the hour the silence reaches 24 h"
    assert sum(t.kind is TransitionKind.CANCEL for t in out) == long_gaps, "each ends when a value arrives"
