"""Alarm rules as data, and a pure evaluator that turns a stream of readings into warning transitions.

A rule watches one metric. Each of its steps says "level L when the measure over window W is op threshold".
The measure is the rule's kind: the latest value, a rolling sum or mean, a rate of change per hour, or the
hours since the last valid value (staleness: silence is an alarm too). A rule is evaluated per station, or on
a combination of stations (max, min, mean of their measures, or a count of stations that meet the step).

Time is the readings' own: the clock of a replay is the timestamp of the readings being fed. Every instant the
evaluator (1) records the readings of that instant, (2) for every rule and subject works out which steps are
"on" (condition met) and which are "off" (condition broken by more than the clearing margin), and (3) moves
the subject's warning:
- issue / upgrade at once to the most severe level whose step has been on for at least `hold`;
- downgrade / cancel when the active level's step has been off for at least `clear_hold` (hysteresis in
  time; `clear_margin` is the hysteresis in value), to the most severe level still raised, or to none;
- re-notify (same level) when the active step's `renotify` (or the rule's) has passed since the warning's last
  message; per-step intervals let red repeat hourly and blue every six hours.
A measure that cannot be computed (no valid value in the window) is neither on nor off: the warning stays.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from gridloop.emergency.domain.levels import LEVELS, more_severe
from gridloop.emergency.domain.series import Kind as Kind  # a rule's kind is its measure: re-exported
from gridloop.emergency.domain.series import Series
from gridloop.kernel.errors import InvalidInput


class Op(StrEnum):
    """How a measure is compared with a step's threshold."""

    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"


class Combine(StrEnum):
    """How the stations of a rule make one subject."""

    EACH = "each"  # one warning per station
    MAX = "max"
    MIN = "min"
    MEAN = "mean"
    COUNT = "count"  # on when at least `min_stations` stations are on


class TransitionKind(StrEnum):
    """What happened to a warning."""

    ISSUE = "issue"
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    CANCEL = "cancel"
    RENOTIFY = "renotify"


@dataclass(frozen=True)
class Reading:
    """One observation: a value (None when missing) of a metric at a station at an instant."""

    ts: datetime
    station_id: str
    metric: str
    value: float | None
    unit: str


@dataclass(frozen=True)
class Step:
    """One level of a rule: level L when the measure over `window` compares with `threshold`."""

    level: int
    threshold: float
    window: timedelta = timedelta(0)
    renotify: timedelta | None = None  # overrides the rule's interval while this level is active


@dataclass(frozen=True)
class Rule:
    """An alarm rule; data, not code (see docs/emergency.md for the file format)."""

    id: str
    event: str
    metric: str
    unit: str
    kind: Kind
    steps: tuple[Step, ...]
    op: Op = Op.GE
    stations: tuple[str, ...] = ()  # empty: every station that reports the metric
    combine: Combine = Combine.EACH
    min_stations: int = 1
    area: str = ""  # the subject's name when stations are combined
    hold: timedelta = timedelta(0)
    clear_hold: timedelta = timedelta(0)
    clear_margin: float = 0.0
    renotify: timedelta | None = None
    category: str = "Met"
    event_code: str = ""

    def __post_init__(self) -> None:
        problems = []
        if not self.id or any(c.isspace() or c == "," for c in self.id):
            problems.append("id must be non-empty without spaces or commas")
        if not self.steps:
            problems.append("a rule needs at least one step")
        levels = [s.level for s in self.steps]
        if len(set(levels)) != len(levels) or any(lv not in LEVELS for lv in levels):
            problems.append(f"step levels must be distinct values in 1–4, got {levels}")
        if self.kind in (Kind.ROLLING_SUM, Kind.ROLLING_MEAN, Kind.RATE_OF_CHANGE) and any(
            s.window <= timedelta(0) for s in self.steps
        ):
            problems.append(f"every step of a {self.kind} rule needs a positive window")
        if self.combine is not Combine.EACH and not self.area:
            problems.append("a rule that combines stations needs an area name")
        if self.min_stations < 1:
            problems.append("min_stations must be at least 1")
        if self.hold < timedelta(0) or self.clear_hold < timedelta(0) or self.clear_margin < 0:
            problems.append("hold, clear_hold and clear_margin cannot be negative")
        if any(r is not None and r <= timedelta(0) for r in (self.renotify, *(s.renotify for s in self.steps))):
            problems.append("renotify must be positive when given")
        if problems:
            raise InvalidInput(f"rule {self.id!r}: " + "; ".join(problems))
        # most severe first, so "the most severe step that is on" is the first one found
        object.__setattr__(self, "steps", tuple(sorted(self.steps, key=lambda s: s.level)))

    def step(self, level: int) -> Step:
        """The step of one level."""
        return next(s for s in self.steps if s.level == level)

    @property
    def horizon(self) -> timedelta:
        """How much history the rule looks at."""
        return max((s.window for s in self.steps), default=timedelta(0))

    @property
    def windows(self) -> tuple[timedelta, ...]:
        """The distinct windows of the steps, shortest first."""
        return tuple(sorted({s.window for s in self.steps}))


@dataclass(frozen=True)
class Transition:
    """A change to one warning: what, for which rule and subject, at which level and instant."""

    kind: TransitionKind
    rule_id: str
    event: str
    subject: str  # a station id, or the rule's area when stations are combined
    level: int  # the level now in force (for a cancel: the level cancelled)
    previous_level: int  # 0 when there was no warning
    at: datetime
    value: float | None  # the measure of the step that decided
    metric: str
    unit: str
    stations: tuple[str, ...]


_OPERATORS: dict[Op, Callable[[float, float], bool]] = {
    Op.GE: operator.ge,
    Op.GT: operator.gt,
    Op.LE: operator.le,
    Op.LT: operator.lt,
}


def _off(op: Op, value: float, threshold: float, margin: float) -> bool:
    """Whether the value has left the step's condition by more than the clearing margin."""
    edge = threshold - margin if op in (Op.GE, Op.GT) else threshold + margin
    return not _OPERATORS[op](value, edge)


@dataclass
class _Warning:
    """The state of one rule on one subject."""

    level: int = 0
    last_sent: datetime | None = None
    on_since: dict[int, datetime] = field(default_factory=dict)
    off_since: dict[int, datetime] = field(default_factory=dict)


class Evaluator:
    """Feeds readings instant by instant and says which warnings change; holds state only in memory."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids):
            raise InvalidInput(f"rule ids must be unique, got {ids}")
        self.rules = tuple(rules)
        self._keep: dict[str, timedelta] = {}
        for rule in self.rules:
            self._keep[rule.metric] = max(self._keep.get(rule.metric, timedelta(0)), rule.horizon, timedelta(hours=1))
        self._units = {r.metric: r.unit for r in self.rules}
        self._windows = {r.id: r.windows for r in self.rules}
        self._renotify = {r.id: {s.level: s.renotify or r.renotify for s in r.steps} for r in self.rules}
        # per rule: (level, window, threshold, clearing edge) of each step, most severe first
        self._plans = {
            r.id: tuple(
                (
                    s.level,
                    s.window,
                    s.threshold,
                    s.threshold - r.clear_margin if r.op in (Op.GE, Op.GT) else s.threshold + r.clear_margin,
                )
                for s in r.steps
            )
            for r in self.rules
        }
        # the same with each step's window as its position in the rule's windows (the per-station fast path)
        self._indexed = {
            r.id: tuple((lv, self._windows[r.id].index(w), th, edge) for lv, w, th, edge in plan)
            for r in self.rules
            for plan in (self._plans[r.id],)
        }
        self._series: dict[tuple[str, str], Series] = {}
        self._stations: dict[str, list[str]] = {}  # metric -> stations in first-seen order
        self._warnings: dict[tuple[str, str], _Warning] = {}
        self._now: datetime | None = None

    @property
    def now(self) -> datetime | None:
        """The simulated clock: the instant of the last step."""
        return self._now

    def active(self) -> dict[tuple[str, str], int]:
        """The warnings in force: (rule id, subject) -> level."""
        return {k: w.level for k, w in self._warnings.items() if w.level}

    def step(self, now: datetime, readings: Iterable[Reading] = ()) -> list[Transition]:
        """Record the readings of instant `now` and return the transitions it causes."""
        if now.tzinfo is None:
            raise InvalidInput(f"the clock needs aware instants, got {now.isoformat()}")
        if self._now is not None and now < self._now:
            raise InvalidInput(f"readings go back in time: {now.isoformat()} after {self._now.isoformat()}")
        if self._now is None:
            self._expect_listed_stations(now)
        self._now = now
        for reading in readings:
            self._record(reading, now)
        out: list[Transition] = []
        for rule in self.rules:
            if rule.combine is Combine.EACH:  # one warning per station: the per-station fast path
                windows, series, metric = self._windows[rule.id], self._series, rule.metric
                for station in rule.stations or tuple(self._stations.get(metric, ())):
                    values = series[(station, metric)].measures(rule.kind, windows, now)
                    made = self._advance_one(rule, station, values, now)
                    if made is not None:
                        out.append(made)
                continue
            for subject, stations in self._subjects(rule):
                out.extend(self._advance(rule, subject, stations, now))
        return out

    def _advance_one(self, rule: Rule, station: str, values: list[float | None], now: datetime) -> Transition | None:
        """`_advance` of one station's warning, given its measures (one per window of the rule)."""
        key = (rule.id, station)
        state = self._warnings.get(key)
        if state is None:
            state = self._warnings[key] = _Warning()
        on_since, off_since = state.on_since, state.off_since
        compare = _OPERATORS[rule.op]
        plan = self._indexed[rule.id]
        raised = 0
        for level, ix, threshold, edge in plan:  # most severe first
            value = values[ix]
            if value is None:  # no measure: neither on nor off
                if level in on_since:
                    del on_since[level]
                if level in off_since:
                    del off_since[level]
                continue
            if compare(value, threshold):
                since = on_since.setdefault(level, now)
                if not raised and now - since >= rule.hold:
                    raised = level
            elif level in on_since:
                del on_since[level]
            if not compare(value, edge):
                off_since.setdefault(level, now)
            elif level in off_since:
                del off_since[level]
        current = state.level
        if raised == current == 0:
            return None
        measures = {level: values[ix] for level, ix, _, _ in plan}
        made = self._move(rule, station, (station,), state, raised, measures, now)
        return made[0] if made else None

    def _record(self, reading: Reading, now: datetime) -> None:
        if reading.ts > now:
            raise InvalidInput(f"reading at {reading.ts.isoformat()} is after the clock {now.isoformat()}")
        keep = self._keep.get(reading.metric)
        if keep is None:
            return  # no rule watches this metric
        expected = self._units[reading.metric]
        if reading.unit != expected:
            raise InvalidInput(
                f"{reading.station_id} {reading.metric}: unit {reading.unit!r}, the rules expect {expected!r}"
            )
        if reading.value is not None and not math.isfinite(reading.value):
            raise InvalidInput(f"{reading.station_id} {reading.metric}: value {reading.value} is not finite")
        key = (reading.station_id, reading.metric)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = Series(first_seen=reading.ts)
            self._stations.setdefault(reading.metric, []).append(reading.station_id)
        series.add(reading.ts, reading.value, keep)

    def _expect_listed_stations(self, start: datetime) -> None:
        """Stations a rule names are expected from the first instant: one that never reports goes stale."""
        for rule in self.rules:
            for station in rule.stations:
                key = (station, rule.metric)
                if key not in self._series:
                    self._series[key] = Series(first_seen=start)
                    self._stations.setdefault(rule.metric, []).append(station)

    def _subjects(self, rule: Rule) -> Iterator[tuple[str, tuple[str, ...]]]:
        seen = self._stations.get(rule.metric, [])
        stations = rule.stations or tuple(seen)
        if rule.combine is Combine.EACH:
            for station in stations:
                yield station, (station,)
        elif stations:
            yield rule.area, stations

    def _measures(
        self, rule: Rule, stations: tuple[str, ...], windows: tuple[timedelta, ...], now: datetime
    ) -> dict[timedelta, list[float]]:
        """The valid measures of the subject's stations, per window."""
        by_window: dict[timedelta, list[float]] = {w: [] for w in windows}
        for station in stations:
            values = self._series[(station, rule.metric)].measures(rule.kind, windows, now)
            for window, value in zip(windows, values, strict=True):
                if value is not None:
                    by_window[window].append(value)
        return by_window

    def _judged(
        self, rule: Rule, stations: tuple[str, ...], now: datetime
    ) -> Iterator[tuple[int, bool, bool, float | None]]:
        """(level, on, off, measure) of every step on one subject, most severe first."""
        windows = self._windows[rule.id]
        compare = _OPERATORS[rule.op]
        if rule.combine is Combine.EACH:  # one station: no lists, no combining
            series = self._series[(stations[0], rule.metric)]
            single = dict(zip(windows, series.measures(rule.kind, windows, now), strict=True))
            for level, window, threshold, edge in self._plans[rule.id]:
                value = single[window]
                if value is None:
                    yield level, False, False, None
                else:
                    yield level, compare(value, threshold), not compare(value, edge), value
            return
        by_window = self._measures(rule, stations, windows, now)
        for step in rule.steps:
            yield (step.level, *self._judge(rule, by_window[step.window], step))

    @staticmethod
    def _judge(rule: Rule, values: list[float], step: Step) -> tuple[bool, bool, float | None]:
        """(on, off, measure) of one step on a combined subject, from the measures of its stations."""
        if not values:
            return False, False, None
        compare = _OPERATORS[rule.op]
        if rule.combine is Combine.COUNT:
            on_count = sum(compare(v, step.threshold) for v in values)
            not_off = sum(not _off(rule.op, v, step.threshold, rule.clear_margin) for v in values)
            pick = max if rule.op in (Op.GE, Op.GT) else min
            return on_count >= rule.min_stations, not_off < rule.min_stations, pick(values)
        if rule.combine is Combine.MIN:
            value = min(values)
        elif rule.combine is Combine.MEAN:
            value = sum(values) / len(values)
        else:  # MAX
            value = max(values)
        return compare(value, step.threshold), _off(rule.op, value, step.threshold, rule.clear_margin), value

    def _advance(self, rule: Rule, subject: str, stations: tuple[str, ...], now: datetime) -> list[Transition]:
        key = (rule.id, subject)
        state = self._warnings.get(key)
        if state is None:
            state = self._warnings[key] = _Warning()
        on_since, off_since = state.on_since, state.off_since
        measures: dict[int, float | None] = {}
        raised = 0
        for level, on, off, value in self._judged(rule, stations, now):  # most severe first
            measures[level] = value
            if on:
                since = on_since.setdefault(level, now)
                if not raised and now - since >= rule.hold:
                    raised = level
            elif level in on_since:
                del on_since[level]
            if off:
                off_since.setdefault(level, now)
            elif level in off_since:
                del off_since[level]
        return self._move(rule, subject, stations, state, raised, measures, now)

    def _move(
        self,
        rule: Rule,
        subject: str,
        stations: tuple[str, ...],
        state: _Warning,
        raised: int,
        measures: dict[int, float | None],
        now: datetime,
    ) -> list[Transition]:
        """The warning's transition, if any, given the most severe level raised now."""
        current, off_since = state.level, state.off_since
        if more_severe(raised, current):
            state.level = raised
            kind = TransitionKind.ISSUE if current == 0 else TransitionKind.UPGRADE
            return [self._made(rule, subject, stations, state, kind, raised, current, now, measures)]
        if current:
            cleared = off_since.get(current)
            if cleared is not None and now - cleared >= rule.clear_hold:
                state.level = raised
                if raised:
                    kind, level = TransitionKind.DOWNGRADE, raised
                else:
                    kind, level = TransitionKind.CANCEL, current
                return [self._made(rule, subject, stations, state, kind, level, current, now, measures)]
            every = self._renotify[rule.id][current]
            if every is not None and state.last_sent is not None and now - state.last_sent >= every:
                return [
                    self._made(rule, subject, stations, state, TransitionKind.RENOTIFY, current, current, now, measures)
                ]
        return []

    @staticmethod
    def _made(
        rule: Rule,
        subject: str,
        stations: tuple[str, ...],
        state: _Warning,
        kind: TransitionKind,
        level: int,
        previous: int,
        now: datetime,
        measures: dict[int, float | None],
    ) -> Transition:
        state.last_sent = now
        return Transition(
            kind=kind,
            rule_id=rule.id,
            event=rule.event,
            subject=subject,
            level=level,
            previous_level=previous,
            at=now,
            value=measures.get(level),
            metric=rule.metric,
            unit=rule.unit,
            stations=stations,
        )


def evaluate(readings: Iterable[Reading], *, rules: Sequence[Rule]) -> Iterator[Transition]:
    """Replay readings (in time order) through the rules on a simulated clock and yield every transition."""
    evaluator = Evaluator(rules)
    batch: list[Reading] = []
    current: datetime | None = None
    for reading in readings:
        if current is not None and reading.ts != current:
            yield from evaluator.step(current, batch)
            batch = []
        current = reading.ts
        batch.append(reading)
    if current is not None:
        yield from evaluator.step(current, batch)
