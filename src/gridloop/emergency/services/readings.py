"""Live monitoring: batches of readings stored idempotently and run through the alarm rules, one batch at a time.

A batch is validated whole (every row's problems listed), its new readings stored (a reading already stored
under the same station, metric and instant is a duplicate and skipped), then evaluated by the same rule engine
a replay uses, on the readings' own instants, continuing from the state the previous batch left (stored in
`emergency_monitor_state`, locked for the batch so concurrent batches take turns). With station partitions
(`live_monitors(P)`), each partition is a monitor with its own state row, and a batch's readings go to the
monitors that own their stations: partitions never wait for each other. The service's clock bounds
what is accepted (no reading from the future) and, through `advance`, moves the rules' clock on when no data
comes, so silence raises the staleness alarms. Every warning transition is stored as a CAP message and
published through the outbox in the same transaction. A reading older than the rules' clock is late: stored,
not evaluated (its instant has been judged already).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridloop.emergency.adapters.cap_checks import conformance_problems
from gridloop.emergency.adapters.rules_file import load_rules
from gridloop.emergency.domain.cap import Area, CapComposer, CapMessage, CapProfile
from gridloop.emergency.domain.monitor_state import restore, share_of, snapshot
from gridloop.emergency.domain.partitions import check_partitions, partition_of, rules_for_partition
from gridloop.emergency.domain.rules import Reading, Rule, Transition, TransitionKind
from gridloop.emergency.services.warnings import add_warnings
from gridloop.emergency.tables import MonitorStateRow, ReadingRow, SensorRow
from gridloop.kernel.errors import InvalidInput, ValidationProblems
from gridloop.platform.db.uow import UnitOfWork

MAX_BATCH = 5000
FUTURE_TOLERANCE = timedelta(minutes=5)
#: How long the live clock waits for late readings before `advance` judges an instant without them.
DEFAULT_LATENESS = timedelta(minutes=10)
MONITOR = "default"
#: Live messages use organisation code 001 so their identifiers never collide with a replay's (000).
LIVE_PROFILE = CapProfile(org_code="001")
_LISTED_PROBLEMS = 100


@dataclass(frozen=True)
class Monitor:
    """What a live monitor evaluates with: the rules, the CAP sender profile, the stations it owns.

    Its state is the `emergency_monitor_state` row named `name`. With one partition it owns every station;
    with P partitions, partition k owns the stations `partition_of` maps to k (domain/partitions.py).
    """

    rules: tuple[Rule, ...]
    profile: CapProfile = LIVE_PROFILE
    status: str = "Actual"
    name: str = MONITOR
    partition: int = 0
    partitions: int = 1

    def owns(self, station_id: str) -> bool:
        """Whether readings of this station are evaluated here."""
        return self.partitions == 1 or partition_of(station_id, self.partitions) == self.partition


@cache
def default_monitor() -> Monitor:
    """The shipped rules (the national rainstorm signals and the silent-gauge rule), loaded on first use."""
    return Monitor(rules=load_rules(None))


@cache
def live_monitors(partitions: int = 1) -> tuple[Monitor, ...]:
    """The live monitors of `partitions` station partitions (one: the default monitor, as before).

    Partition k keeps its state in the row `p<k>of<P>` and signs its CAP messages with the sender-code extension
    k + 1, so the identifiers of two partitions never collide.
    """
    check_partitions(partitions)
    if partitions == 1:
        return (default_monitor(),)
    rules = default_monitor().rules
    return tuple(
        Monitor(rules=rules_for_partition(rules, k, partitions), name=f"p{k}of{partitions}", partition=k,
                profile=replace(LIVE_PROFILE, extension=f"{k + 1:02d}"), partitions=partitions)
        for k in range(partitions)
    )  # fmt: skip


@dataclass
class IngestResult:
    """What one batch did."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    late: int = 0
    clock: datetime | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (API, CLI, logs)."""
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates,
                "late": self.late, "clock": self.clock.isoformat() if self.clock else None,
                "messages": self.messages}  # fmt: skip


#: What validating a batch and describing its warnings' areas read of a sensor.
_SENSOR_COLUMNS = (SensorRow.station_id, SensorRow.metric, SensorRow.unit, SensorRow.active, SensorRow.place,
                   SensorRow.name, SensorRow.lat, SensorRow.lng)  # fmt: skip


def _validate(
    session: Session, readings: Sequence[Reading], *, now: datetime, monitors: Sequence[Monitor]
) -> list[Any]:
    """Every row's problems at once: unknown or inactive sensor, naive or future instant, unit, value.

    Returns the sensors of the batch's stations (their places describe the warnings' areas)."""
    if len(readings) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} readings per batch, got {len(readings)}")
    stations = {r.station_id for r in readings}
    sensors: dict[tuple[str, str], Any] = {}  # plain rows with the columns a batch needs (no ORM objects)
    for chunk in _chunks(sorted(stations), 500):
        for s in session.execute(select(*_SENSOR_COLUMNS).where(SensorRow.station_id.in_(chunk))):
            sensors[(s.station_id, s.metric)] = s
    known = {station for station, _ in sensors}
    owned = {station: any(m.owns(station) for m in monitors) for station in stations}
    verdicts: dict[tuple[str, str, str], tuple[str, str] | None] = {}  # one look per station, metric and unit
    for r in {(r.station_id, r.metric, r.unit): r for r in readings}.values():
        verdicts[(r.station_id, r.metric, r.unit)] = _sensor_problem(
            r, sensors, known, owned[r.station_id], monitors[0].partitions
        )
    limit = now + FUTURE_TOLERANCE
    if _clean(readings, verdicts, limit=limit):
        return list(sensors.values())  # nothing to list: the row-by-row pass below only names problems
    problems = ValidationProblems()
    for i, r in enumerate(readings):
        combo = (r.station_id, r.metric, r.unit)
        if combo not in verdicts:
            verdicts[combo] = _sensor_problem(r, sensors, known, owned[r.station_id], monitors[0].partitions)
        verdict = verdicts[combo]
        if verdict is not None:
            problems.add(f"readings[{i}].{verdict[0]}", verdict[1])
        if r.ts.tzinfo is None:
            problems.add(f"readings[{i}].ts", "give the time with its offset (e.g. +08:00)")
        elif r.ts > limit:
            problems.add(f"readings[{i}].ts", f"{r.ts.isoformat()} is in the future of the service clock")
        if r.value is not None and not math.isfinite(r.value):
            problems.add(f"readings[{i}].value", "a finite number, or null for a missing value")
        if len(problems.errors) >= _LISTED_PROBLEMS:
            problems.add("readings", f"stopped after {_LISTED_PROBLEMS} problems")
            break
    problems.raise_if_any("Some readings cannot be taken; see errors[] (nothing of this batch was stored).")
    return list(sensors.values())


def _clean(
    readings: Sequence[Reading], verdicts: dict[tuple[str, str, str], tuple[str, str] | None], *, limit: datetime
) -> bool:
    """Whether every reading passes, checked a column at a time (the common case: a whole batch is fine)."""
    if not readings:
        return True
    if any(v is not None for v in verdicts.values()) or any(r.ts.tzinfo is None for r in readings):
        return False
    return max(r.ts for r in readings) <= limit and all(
        math.isfinite(v) for v in [r.value for r in readings] if v is not None
    )


def _sensor_problem(
    r: Reading, sensors: dict[tuple[str, str], Any], known: set[str], owned: bool, partitions: int
) -> tuple[str, str] | None:
    """(field, message) of what is wrong with a reading's station, metric or unit; None when nothing is."""
    if r.station_id not in known:
        return "station_id", f"unknown station '{r.station_id}': register its sensor first"
    sensor = sensors.get((r.station_id, r.metric))
    if sensor is None:
        return "metric", f"station '{r.station_id}' has no '{r.metric}' sensor"
    if not sensor.active:
        return "station_id", f"the '{r.metric}' sensor of '{r.station_id}' is switched off"
    if sensor.unit != r.unit:
        return "unit", f"'{r.unit}' but the sensor reports '{sensor.unit}'"
    if not owned:
        home = partition_of(r.station_id, partitions)
        return "station_id", f"'{r.station_id}' belongs to partition {home}, not evaluated here"
    return None


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


_Key = tuple[str, str, datetime]

_PG_STORE = text(
    "INSERT INTO emergency_readings (station_id, metric, ts, value, unit, received_at) "
    "SELECT s, m, t, v, u, :received_at FROM unnest(CAST(:s AS text[]), CAST(:m AS text[]), "
    "CAST(:t AS timestamptz[]), CAST(:v AS float8[]), CAST(:u AS text[])) AS x(s, m, t, v, u) "
    "ON CONFLICT (station_id, metric, ts) DO NOTHING RETURNING station_id, metric, ts"
)


def _store(session: Session, fresh: dict[_Key, Reading], *, now: datetime) -> set[_Key]:
    """Insert the readings, skipping those already stored; returns the keys really inserted.

    PostgreSQL: COPY in a savepoint (the fast path: a batch seen for the first time); when a reading is already
    there, the batch goes again as five arrays in one INSERT … ON CONFLICT DO NOTHING RETURNING. Elsewhere a
    multi-row INSERT … ON CONFLICT DO NOTHING RETURNING. A reading stored by a concurrent batch is skipped.
    """
    keys = list(fresh)
    if session.get_bind().dialect.name == "postgresql":
        from psycopg.errors import UniqueViolation

        try:
            with session.begin_nested():
                _copy(session, fresh, now=now)
            return set(keys)
        except UniqueViolation:
            pass  # some were stored before: insert the others
        rows = session.execute(_PG_STORE, {
            "s": [k[0] for k in keys], "m": [k[1] for k in keys], "t": [k[2] for k in keys],
            "v": [fresh[k].value for k in keys], "u": [fresh[k].unit for k in keys], "received_at": now,
        })  # fmt: skip
    else:
        stmt = (
            sqlite_insert(ReadingRow)
            .on_conflict_do_nothing(index_elements=["station_id", "metric", "ts"])
            .returning(ReadingRow.station_id, ReadingRow.metric, ReadingRow.ts)
        )
        rows = session.connection().execute(stmt, [
            {"station_id": s, "metric": m, "ts": ts, "value": fresh[(s, m, ts)].value,
             "unit": fresh[(s, m, ts)].unit, "received_at": now} for s, m, ts in keys
        ])  # fmt: skip
    return {(s, m, ts.astimezone(UTC)) for s, m, ts in rows}


def _copy(session: Session, fresh: dict[_Key, Reading], *, now: datetime) -> None:
    """PostgreSQL's COPY of the readings (raises the driver's UniqueViolation when one is stored already)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    columns = "station_id, metric, ts, value, unit, received_at"
    with raw.cursor() as cursor, cursor.copy(f"COPY {ReadingRow.__tablename__} ({columns}) FROM STDIN") as copy:
        for (station, metric, ts), r in fresh.items():
            copy.write_row((station, metric, ts, r.value, r.unit, now))


def _lock_state(session: Session, monitor: Monitor, *, now: datetime) -> MonitorStateRow:
    """A monitor's state row, locked for this transaction (made on first use: a partition's from its share of the
    single monitor's state, when the monitoring ran unpartitioned before)."""
    stmt = select(MonitorStateRow).where(MonitorStateRow.name == monitor.name).with_for_update()
    row = session.scalar(stmt)
    if row is None:
        start: dict[str, Any] = {}
        if monitor.name != MONITOR:
            single = session.scalar(select(MonitorStateRow.state).where(MonitorStateRow.name == MONITOR))
            areas = {r.area for r in monitor.rules if r.area}
            start = share_of(single or {}, keeps=lambda subject: subject in areas or monitor.owns(subject))
        try:
            with session.begin_nested():
                session.add(MonitorStateRow(name=monitor.name, state=start, updated_at=now))
        except IntegrityError:
            pass  # another batch made it first
        row = session.scalar(stmt)
    assert row is not None
    return row


def _areas(sensors: Iterable[Any]) -> dict[str, Area]:
    """A station's place (or name) describes its warnings' area, with a 1 km circle around its point."""
    areas: dict[str, Area] = {}
    for s in sensors:
        if s.station_id in areas:
            continue
        circle = (s.lat, s.lng, 1.0) if s.lat is not None and s.lng is not None else None
        areas[s.station_id] = Area(description=s.place or s.name or s.station_id, circle=circle)
    return areas


class _Run:
    """One evaluation under the lock: restore, step, compose, check, store, save."""

    def __init__(self, session: Session, monitor: Monitor, *, now: datetime, sensors: Iterable[Any] = ()) -> None:
        self.session, self.monitor, self.now = session, monitor, now
        self.state = _lock_state(session, monitor, now=now)
        self.composer = CapComposer(profile=monitor.profile, areas=_areas(sensors))
        self.evaluator = restore(monitor.rules, self.composer, self.state.state)
        self.by_id = {r.id: r for r in monitor.rules}
        self.messages: list[CapMessage] = []

    def step(self, at: datetime, readings: Sequence[Reading] = ()) -> None:
        for t in self.evaluator.step(at, readings):
            if t.subject not in self.composer.areas:
                stmt = select(SensorRow).where(SensorRow.station_id == t.subject)
                self.composer.areas.update(_areas(self.session.scalars(stmt)))
            message = self.composer.compose(t, rule=self.by_id[t.rule_id])
            problems = conformance_problems(message.xml, gbt35965=True, offset="+08:00")
            if problems:
                raise InvalidInput(f"CAP message {message.identifier} is not conformant: {'; '.join(problems)}")
            self.messages.append(message)

    def finish(self, outbox: Any) -> list[dict[str, Any]]:
        add_warnings(self.session, self.messages, status=self.monitor.status, outbox=outbox, now=self.now)
        self.state.state = snapshot(self.evaluator, self.composer)
        self.state.updated_at = self.now
        return [m.summary() for m in self.messages]


def ingest_readings(
    uow: UnitOfWork,
    readings: Sequence[Reading],
    *,
    monitor: Monitor | Sequence[Monitor],
    outbox: Any,
    now: datetime,
) -> IngestResult:
    """Validate, store the new readings, evaluate them in time order, store and publish the warnings; commit.

    Given the monitors of several partitions, each reading goes to the one that owns its station (their state
    rows are locked in partition order); a reading no given monitor owns is refused like an unknown station.
    """
    monitors = (monitor,) if isinstance(monitor, Monitor) else tuple(monitor)
    session = uow.session
    sensors = _validate(session, readings, now=now, monitors=monitors)
    result = IngestResult(received=len(readings))
    fresh: dict[tuple[str, str, datetime], Reading] = {}
    for r in readings:
        ts = r.ts.astimezone(UTC)  # one time zone throughout: the rules compare instants fastest so
        fresh.setdefault(
            (r.station_id, r.metric, ts),
            r if r.ts.tzinfo is UTC else Reading(ts, r.station_id, r.metric, r.value, r.unit),
        )
    result.duplicates = len(readings) - len(fresh)
    stations = {key[0] for key in fresh}
    involved = [m for m in monitors if len(monitors) == 1 or any(m.owns(s) for s in stations)]
    # the locks first, in partition order: batches of one monitor take turns
    runs = [_Run(session, m, now=now, sensors=sensors) for m in involved]
    stored = _store(session, fresh, now=now) if fresh else set()
    result.duplicates += len(fresh) - len(stored)
    result.stored = len(stored)
    for run in runs:
        mine = {s for s in stations if run.monitor.owns(s)}  # one look per station, not per reading
        by_instant: dict[datetime, list[Reading]] = defaultdict(list)
        everything = len(stored) == len(fresh)  # the common case: nothing of the batch was stored before
        for key, r in fresh.items():
            if key[0] in mine and (everything or key in stored):
                by_instant[key[2]].append(r)
        for at in sorted(by_instant):
            if run.evaluator.now is not None and at < run.evaluator.now:
                result.late += len(by_instant[at])
                continue
            run.step(at, by_instant[at])
        result.messages.extend(run.finish(outbox))
    clocks = [run.evaluator.now for run in runs if run.evaluator.now is not None]
    result.clock = min(clocks) if clocks else None  # everything before it has been judged
    uow.commit()
    return result


def warm_up(uow: UnitOfWork, *, monitors: Sequence[Monitor], now: datetime) -> None:
    """Do once what a worker's first batch would do for the first time (compile its queries, load the CAP and XML
    machinery), changing nothing, so that batch costs what the others do."""
    session = uow.session
    session.execute(select(*_SENSOR_COLUMNS).where(SensorRow.station_id.in_(["-"]))).all()
    session.scalar(select(MonitorStateRow).where(MonitorStateRow.name == "-").with_for_update())  # locks nothing
    rule = next((r for m in monitors for r in m.rules), None)
    if rule is not None:
        sample = Transition(kind=TransitionKind.ISSUE, rule_id=rule.id, event=rule.event, subject="-",
                            level=rule.steps[0].level, previous_level=0, at=now, value=0.0, metric=rule.metric,
                            unit=rule.unit, stations=("-",))  # fmt: skip
        message = CapComposer(profile=monitors[0].profile).compose(sample, rule=rule)
        conformance_problems(message.xml, gbt35965=True, offset="+08:00")


def advance(
    uow: UnitOfWork, *, monitor: Monitor, outbox: Any, now: datetime, lateness: timedelta = DEFAULT_LATENESS
) -> IngestResult:
    """Move the rules' clock to `now - lateness` when no reading did (silence is judged too); commit."""
    run = _Run(uow.session, monitor, now=now)
    result = IngestResult()
    target = now - lateness
    if run.evaluator.now is not None and target > run.evaluator.now:
        run.step(target)
    result.messages = run.finish(outbox)
    result.clock = run.evaluator.now
    uow.commit()
    return result
