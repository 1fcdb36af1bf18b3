"""The rule engine's memory as plain data, so a live monitor can carry it from one batch of readings to the next.

A replay keeps the `Evaluator` and `CapComposer` in memory for the whole series. A live monitor evaluates one
batch at a time (possibly in another process), so between batches it stores what they hold: every series'
points within the rules' horizon, each warning's level and on/off timers, the clock, and the composer's
chains, subject codes and per-second sequence numbers. Restoring and stepping on gives exactly the transitions
one long replay would give.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from gridloop.emergency.domain.cap import BEIJING, CapComposer
from gridloop.emergency.domain.rules import Evaluator, Rule, _Warning
from gridloop.emergency.domain.series import Series

VERSION = 1


def _t(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _p(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _times(by_level: dict[int, datetime]) -> dict[str, str]:
    return {str(k): v.isoformat() for k, v in by_level.items()}


def snapshot(evaluator: Evaluator, composer: CapComposer) -> dict[str, Any]:
    """JSON-ready state of an evaluator and its composer."""
    e, c = evaluator, composer
    series = [
        [station, metric, _t(s.first_seen), _t(s.last_valid), [[ts.isoformat(), v] for ts, v in s.points]]
        for (station, metric), s in e._series.items()
    ]
    warnings = [
        [rule_id, subject, w.level, _t(w.last_sent), _times(w.on_since), _times(w.off_since)]
        for (rule_id, subject), w in e._warnings.items()
        if w.level or w.on_since or w.off_since
    ]  # fmt: skip
    # a sequence number matters only within its second: keep those of the clock's second
    stamp = e.now.astimezone(BEIJING).strftime("%Y%m%d%H%M%S") if e.now else ""
    return {
        "version": VERSION,
        "rules": sorted(r.id for r in e.rules),
        "now": _t(e.now),
        "stations": {metric: list(stations) for metric, stations in e._stations.items()},
        "series": series,
        "warnings": warnings,
        "chains": [[rule_id, subject, refs] for (rule_id, subject), refs in c._chains.items()],
        "codes": dict(c._codes),
        "sequence": {k: n for k, n in c._sequence.items() if k.endswith(stamp)},
    }


def restore(rules: Sequence[Rule], composer: CapComposer, state: dict[str, Any] | None) -> Evaluator:
    """A fresh evaluator (and the composer, in place) carrying the stored state; rules no longer there are dropped."""
    evaluator = Evaluator(rules)
    if not state or state.get("version") != VERSION:
        return evaluator
    known = {r.id for r in rules}
    evaluator._now = _p(state["now"])
    evaluator._stations = {m: list(s) for m, s in state["stations"].items()}
    for station, metric, first_seen, last_valid, points in state["series"]:
        series = Series(first_seen=datetime.fromisoformat(first_seen), last_valid=_p(last_valid))
        series.points = deque((datetime.fromisoformat(ts), v) for ts, v in points)
        evaluator._series[(station, metric)] = series
    for rule_id, subject, level, last_sent, on_since, off_since in state["warnings"]:
        if rule_id in known:
            evaluator._warnings[(rule_id, subject)] = _Warning(
                level=level,
                last_sent=_p(last_sent),
                on_since={int(k): datetime.fromisoformat(v) for k, v in on_since.items()},
                off_since={int(k): datetime.fromisoformat(v) for k, v in off_since.items()},
            )
    composer._chains = {(r, s): list(refs) for r, s, refs in state["chains"] if r in known}
    composer._codes = dict(state["codes"])
    composer._sequence = dict(state["sequence"])
    return evaluator


def share_of(state: dict[str, Any], *, keeps: Callable[[str], bool]) -> dict[str, Any]:
    """The part of a stored state about the subjects (stations or areas) `keeps` accepts: a partition's start.

    Series and station lists are kept by station, warnings and CAP chains by subject; subject codes stay as they
    were allocated (so the chains go on under the same sender codes) and only their sequence numbers go along.
    """
    if not state or state.get("version") != VERSION:
        return {}
    codes = {subject: code for subject, code in state["codes"].items() if keeps(subject)}
    mine = set(codes.values())
    return {
        **state,
        "stations": {metric: [s for s in stations if keeps(s)] for metric, stations in state["stations"].items()},
        "series": [row for row in state["series"] if keeps(row[0])],
        "warnings": [row for row in state["warnings"] if keeps(row[1])],
        "chains": [row for row in state["chains"] if keeps(row[1])],
        "codes": codes,
        "sequence": {k: n for k, n in state["sequence"].items() if k.rsplit("_", 1)[0] in mine},
    }
