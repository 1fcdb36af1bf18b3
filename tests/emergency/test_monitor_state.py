"""A live monitor carries the rule engine's state between batches: batch by batch gives what one replay gives."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from gridloop.emergency.adapters.rules_file import load_rules
from gridloop.emergency.domain.cap import CapComposer, CapProfile
from gridloop.emergency.domain.monitor_state import restore, snapshot
from gridloop.emergency.domain.rules import Reading
from gridloop.emergency.services.replay import warnings_from

START = datetime(2013, 7, 1, tzinfo=UTC)


def _series() -> list[Reading]:
    rnd = random.Random(7)
    out = []
    for h in range(24 * 6):
        for station in ("A", "B", "C"):
            if station == "C" and 40 <= h < 60:
                continue  # a silent gauge: staleness warnings
            wet = 30 <= h % 48 < 38
            out.append(Reading(START + timedelta(hours=h), station, "precip_1h",
                               rnd.uniform(5, 30) if wet else rnd.uniform(0, 1), "mm"))  # fmt: skip
    return out


def test_batches_through_a_stored_state_give_exactly_the_messages_of_one_replay():
    rules = load_rules(None)
    readings = _series()
    whole = [(m.identifier, m.msg_type, m.references, m.xml) for m in
             warnings_from(readings, rules=rules, composer=CapComposer(profile=CapProfile()))]  # fmt: skip
    assert len(whole) > 6
    state = None
    pieces = []
    for i in range(0, len(readings), 37):  # batches that cut instants in two
        composer = CapComposer(profile=CapProfile())
        evaluator = restore(rules, composer, state)
        batch = readings[i : i + 37]
        by_ts: dict[datetime, list[Reading]] = {}
        for r in batch:
            by_ts.setdefault(r.ts, []).append(r)
        by_id = {r.id: r for r in rules}
        for ts in sorted(by_ts):
            for t in evaluator.step(ts, by_ts[ts]):
                m = composer.compose(t, rule=by_id[t.rule_id])
                pieces.append((m.identifier, m.msg_type, m.references, m.xml))
        state = json.loads(json.dumps(snapshot(evaluator, composer)))
    assert pieces == whole
