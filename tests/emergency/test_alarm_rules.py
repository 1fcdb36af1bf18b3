"""Each kind of alarm rule, evaluated on small made-up series on a simulated clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridloop.emergency.domain.rules import (
    Combine,
    Evaluator,
    Kind,
    Op,
    Reading,
    Rule,
    Step,
    TransitionKind,
    evaluate,
)
from gridloop.kernel.errors import InvalidInput

T0 = datetime(2026, 7, 1, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
H = timedelta(hours=1)


def rule(**overrides):
    base = dict(
        id="r",
        event="测试",
        metric="x",
        unit="u",
        kind=Kind.THRESHOLD,
        steps=(Step(level=3, threshold=10.0), Step(level=2, threshold=20.0)),
    )
    base.update(overrides)
    return Rule(**base)


def series(values, *, station="S1", metric="x", unit="u", step=H, start=T0):
    return [Reading(start + i * step, station, metric, v, unit) for i, v in enumerate(values)]


def moves(transitions):
    return [(t.kind.value, t.previous_level, t.level, int((t.at - T0) / H)) for t in transitions]


def test_threshold_issues_upgrades_downgrades_and_cancels_at_once_without_hysteresis():
    got = moves(evaluate(series([0, 12, 25, 12, 3]), rules=[rule()]))
    assert got == [("issue", 0, 3, 1), ("upgrade", 3, 2, 2), ("downgrade", 2, 3, 3), ("cancel", 3, 3, 4)]


def test_a_value_inside_the_clearing_margin_keeps_the_warning():
    got = moves(evaluate(series([0, 12, 9, 8.5, 7.9]), rules=[rule(clear_margin=2.0)]))
    assert got == [("issue", 0, 3, 1), ("cancel", 3, 3, 4)], "cancels only once the value is below 10 - 2"


def test_clear_hold_waits_before_cancelling_and_a_relapse_resets_it():
    got = moves(evaluate(series([12, 0, 0, 12, 0, 0, 0]), rules=[rule(clear_hold=2 * H)]))
    assert got == [("issue", 0, 3, 0), ("cancel", 3, 3, 6)]


def test_hold_needs_the_condition_to_last_before_issuing():
    got = moves(evaluate(series([12, 0, 12, 12, 12, 0]), rules=[rule(hold=2 * H)]))
    assert got == [("issue", 0, 3, 4), ("cancel", 3, 3, 5)], "a one-hour spike is no warning"


def test_rolling_sum_over_each_steps_own_window():
    steps = (Step(level=3, threshold=50, window=6 * H), Step(level=2, threshold=50, window=3 * H))
    r = rule(kind=Kind.ROLLING_SUM, steps=steps)
    got = moves(evaluate(series([10, 10, 10, 10, 10, 30, 30, 0, 0, 0, 0, 0]), rules=[r]))
    assert got == [
        ("issue", 0, 3, 4),  # 6 h sum reaches 50
        ("upgrade", 3, 2, 5),  # 3 h sum 10 + 10 + 30 = 50
        ("downgrade", 2, 3, 8),  # 3 h sum 30 + 0 + 0 < 50, 6 h sum still 80
        ("cancel", 3, 3, 11),  # the 6 h window (5 h, 11 h] holds only one 30
    ]


def test_rolling_mean_ignores_missing_values():
    r = rule(kind=Kind.ROLLING_MEAN, steps=(Step(level=4, threshold=75, window=3 * H),))
    got = moves(evaluate(series([70, None, 80, None, None, None, 60]), rules=[r]))
    assert got == [("issue", 0, 4, 2), ("cancel", 4, 4, 6)], (
        "mean of 70 and 80 is 75; a window without data keeps the state"
    )


def test_rate_of_change_per_hour():
    r = rule(kind=Kind.RATE_OF_CHANGE, steps=(Step(level=3, threshold=0.5, window=2 * H),))
    got = moves(evaluate(series([1.0, 1.2, 2.4, 3.0, 3.1, 3.1]), rules=[r]))
    assert got == [("issue", 0, 3, 2), ("cancel", 3, 3, 4)], "(2.4 - 1.0) / 1 h; then (3.1 - 2.4) / 1 h"


def test_staleness_raises_when_a_station_falls_silent_and_clears_when_it_speaks():
    r = rule(id="silent", kind=Kind.STALENESS, steps=(Step(level=4, threshold=2), Step(level=3, threshold=4)))
    readings = series([1, None, None, None, None, 1]) + series([1] * 6, station="S2")
    readings.sort(key=lambda x: x.ts)
    out = list(evaluate(readings, rules=[r]))
    got = [(t.subject, *m) for t, m in zip(out, moves(out), strict=True)]
    assert got == [("S1", "issue", 0, 4, 2), ("S1", "upgrade", 4, 3, 4), ("S1", "cancel", 3, 3, 5)]


def test_a_listed_station_that_never_reports_goes_stale():
    r = rule(id="silent", kind=Kind.STALENESS, stations=("S1", "GHOST"), steps=(Step(level=4, threshold=2),))
    out = list(evaluate(series([1, 1, 1, 1]), rules=[r]))
    assert [(t.subject, *m) for t, m in zip(out, moves(out), strict=True)] == [("GHOST", "issue", 0, 4, 2)]


def test_renotify_repeats_the_level_while_it_lasts():
    got = moves(evaluate(series([12] * 6 + [0]), rules=[rule(renotify=2 * H)]))
    assert got == [("issue", 0, 3, 0), ("renotify", 3, 3, 2), ("renotify", 3, 3, 4), ("cancel", 3, 3, 6)]


def test_each_level_can_renotify_at_its_own_interval():
    steps = (Step(level=3, threshold=10.0, renotify=3 * H), Step(level=2, threshold=20.0, renotify=H))
    got = moves(evaluate(series([12, 12, 25, 25, 25, 12, 12, 12, 12]), rules=[rule(steps=steps, renotify=6 * H)]))
    assert got == [
        ("issue", 0, 3, 0),
        ("upgrade", 3, 2, 2),
        ("renotify", 2, 2, 3),  # orange: every hour
        ("renotify", 2, 2, 4),
        ("downgrade", 2, 3, 5),
        ("renotify", 3, 3, 8),  # yellow: every 3 hours
    ]


def test_rule_file_reads_step_intervals():
    from gridloop.emergency.domain.rule_table import rules_from_toml

    (r,) = rules_from_toml(
        '[[rule]]\nid="x"\nevent="e"\nmetric="m"\nunit="u"\nkind="threshold"\nrenotify="6h"\n'
        'steps=[{level=1, threshold=5, renotify="1h"}, {level=4, threshold=1}]\n'
    )
    assert [s.renotify for s in r.steps] == [H, None] and r.renotify == 6 * H


def test_count_combination_needs_enough_stations():
    r = rule(combine=Combine.COUNT, min_stations=2, area="城区", steps=(Step(level=3, threshold=10),))
    readings = sorted(
        series([12, 12, 12, 0]) + series([0, 12, 12, 12], station="S2") + series([0, 0, 12, 0], station="S3"),
        key=lambda x: x.ts,
    )
    out = list(evaluate(readings, rules=[r]))
    assert moves(out) == [("issue", 0, 3, 1), ("cancel", 3, 3, 3)], "two stations on at 1 h and 2 h, one at 3 h"
    assert {t.subject for t in out} == {"城区"} and out[0].stations == ("S1", "S2", "S3")


def test_mean_combination_averages_the_stations():
    r = rule(combine=Combine.MEAN, area="区", steps=(Step(level=3, threshold=10),))
    readings = sorted(series([20, 5]) + series([0, 5], station="S2"), key=lambda x: x.ts)
    assert moves(evaluate(readings, rules=[r])) == [("issue", 0, 3, 0), ("cancel", 3, 3, 1)]


def test_low_side_rules_compare_downwards():
    r = rule(op=Op.LE, steps=(Step(level=4, threshold=5), Step(level=3, threshold=2)))
    assert moves(evaluate(series([6, 4, 1, 6]), rules=[r])) == [
        ("issue", 0, 4, 1),
        ("upgrade", 4, 3, 2),
        ("cancel", 3, 3, 3),
    ]


def test_a_rule_only_watches_its_listed_stations():
    readings = sorted(series([12]) + series([12], station="S2"), key=lambda x: x.ts)
    out = list(evaluate(readings, rules=[rule(stations=("S2",))]))
    assert [t.subject for t in out] == ["S2"]


def test_a_reading_with_an_unexpected_unit_fails_loudly():
    with pytest.raises(InvalidInput, match="unit"):
        list(evaluate(series([1], unit="cm"), rules=[rule()]))


def test_readings_that_go_back_in_time_fail_loudly():
    evaluator = Evaluator([rule()])
    evaluator.step(T0 + H, series([1], start=T0 + H))
    with pytest.raises(InvalidInput, match="back in time"):
        evaluator.step(T0, series([1]))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"steps": ()}, "at least one step"),
        ({"steps": (Step(level=5, threshold=1),)}, "1–4"),
        ({"kind": Kind.ROLLING_SUM}, "positive window"),
        ({"combine": Combine.MAX}, "area"),
        ({"id": "a b"}, "spaces"),
    ],
)
def test_malformed_rules_are_refused(overrides, message):
    with pytest.raises(InvalidInput, match=message):
        rule(**overrides)


def test_transitions_are_emitted_as_the_stream_is_consumed():
    gen = evaluate(iter(series([12, 12, 0])), rules=[rule()])
    first = next(gen)
    assert first.kind is TransitionKind.ISSUE and first.value == 12


@pytest.mark.parametrize(
    "kind, steps",
    [
        (Kind.ROLLING_SUM, (Step(level=4, threshold=50.0, window=12 * H), Step(level=2, threshold=50.0, window=3 * H))),
        (Kind.ROLLING_MEAN, (Step(level=3, threshold=6.0, window=3 * H), Step(level=2, threshold=12.0, window=6 * H))),
        (Kind.THRESHOLD, (Step(level=3, threshold=8.0, window=2 * H), Step(level=1, threshold=25.0))),
        (Kind.RATE_OF_CHANGE, (Step(level=4, threshold=3.0, window=3 * H),)),
        (Kind.STALENESS, (Step(level=4, threshold=3.0), Step(level=3, threshold=6.0))),
    ],
)
def test_a_per_station_rule_moves_exactly_as_the_same_rule_on_a_one_station_combination(kind, steps):
    import random

    rng = random.Random(5)
    values = [None if rng.random() < 0.15 else round(rng.expovariate(0.2), 1) for _ in range(400)]
    values[100:108] = [None] * 8  # a long gap: staleness, and measures that cannot be computed
    options = dict(kind=kind, steps=steps, hold=H, clear_hold=2 * H, clear_margin=1.0, renotify=5 * H)
    each = list(evaluate(series(values), rules=[rule(**options)]))
    combined = list(evaluate(series(values), rules=[rule(**options, stations=("S1",), combine=Combine.MAX, area="A")]))
    moves = [(t.kind, t.level, t.previous_level, t.at, t.value) for t in each]
    assert moves and moves == [(t.kind, t.level, t.previous_level, t.at, t.value) for t in combined], (
        "the per-station path must issue, move and clear a warning exactly as the general path does"
    )
