"""Live monitoring in station partitions: each partition evaluates its stations alone and together they give
exactly the warnings one monitor gives, under identifiers that never collide."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridloop.emergency.adapters.rules_file import load_rules
from gridloop.emergency.domain.cap import CapComposer, CapProfile
from gridloop.emergency.domain.partitions import partition_of, rules_for_partition
from gridloop.emergency.domain.rules import Combine, Kind, Reading, Rule, Step
from gridloop.emergency.services.readings import ingest_readings, live_monitors
from gridloop.emergency.services.replay import warnings_from
from gridloop.emergency.services.sensors import SensorData, register_sensor
from gridloop.emergency.tables import MonitorStateRow, WarningMessageRow
from gridloop.kernel.errors import InvalidInput
from tests.conftest import T0

STATIONS = ("PA1", "PA2", "PA3", "PA4", "PA5", "PA6")


def _series(stations: tuple[str, ...] = STATIONS, hours: int = 72) -> list[Reading]:
    """Hourly rain with two storms (signals issued, upgraded, cleared) and one gauge silent for a day."""
    rnd = random.Random(11)
    start = T0 - timedelta(hours=hours + 1)
    out = []
    for h in range(hours):
        for i, station in enumerate(stations):
            if i == 2 and 20 <= h < 44:
                continue  # silent: staleness warnings
            wet = 10 <= (h + 3 * i) % 36 < 17
            out.append(Reading(start + timedelta(hours=h), station, "precip_1h",
                               round(rnd.uniform(15, 45) if wet else rnd.uniform(0, 1), 1), "mm"))  # fmt: skip
    return out


def _facts(rows) -> list[tuple[str, str, str, int, object]]:  # type: ignore[no-untyped-def]
    return sorted((r[0], r[1], r[2], r[3], r[4]) for r in rows)


def _register(container, stations: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    from gridloop.platform.org.services.org import actor_for, get_user

    with container.uow() as uow:
        actor = actor_for(get_user(uow.session, "supervisor"))
    for station in stations:
        with container.uow() as uow:
            register_sensor(uow, actor, SensorData(station_id=station, metric="precip_1h", unit="mm",
                                                   sensor_type="rain_gauge", grid_code="310107"), now=T0)  # fmt: skip


def test_a_station_always_falls_in_the_same_partition_and_both_partitions_get_stations():
    homes = [partition_of(s, 2) for s in STATIONS]
    assert homes == [partition_of(s, 2) for s in STATIONS] and set(homes) == {0, 1}, homes
    assert {partition_of(s, 1) for s in STATIONS} == {0}


def test_a_rule_that_combines_stations_of_two_partitions_is_refused_and_listed_stations_are_split():
    a, b = (next(s for s in STATIONS if partition_of(s, 2) == k) for k in (0, 1))
    steps = (Step(level=4, threshold=50),)
    combined = Rule(id="area-max", event="暴雨", metric="precip_1h", unit="mm", kind=Kind.THRESHOLD, steps=steps,
                    stations=(a, b), combine=Combine.MAX, area="测试片区")  # fmt: skip
    with pytest.raises(InvalidInput, match="across partitions"):
        rules_for_partition([combined], 0, 2)
    listed = Rule(id="listed", event="暴雨", metric="precip_1h", unit="mm", kind=Kind.THRESHOLD, steps=steps,
                  stations=(a, b))  # fmt: skip
    assert [r.stations for r in rules_for_partition([listed], 0, 2)] == [(a,)]
    assert [r.stations for r in rules_for_partition([listed], 1, 2)] == [(b,)]


def test_two_partitions_give_exactly_the_warnings_of_one_replay_with_distinct_identifiers(container):
    _register(container, STATIONS)
    readings = _series()
    rules = load_rules(None)
    expected = _facts(
        (m.transition.rule_id, m.transition.subject, m.transition.kind.value, m.transition.level, m.transition.at)
        for m in warnings_from(readings, rules=rules, composer=CapComposer(profile=CapProfile()))
    )
    assert len({e[1] for e in expected}) >= 4, "the series should warn at several stations"
    monitors = live_monitors(2)
    for i in range(0, len(readings), 50):  # batches through both partitions' monitors
        with container.uow() as uow:
            ingest_readings(uow, readings[i : i + 50], monitor=monitors, outbox=None, now=T0)
    with container.uow() as uow:
        rows = uow.session.execute(
            select(WarningMessageRow.rule_id, WarningMessageRow.subject, WarningMessageRow.transition,
                   WarningMessageRow.level, WarningMessageRow.sent_at, WarningMessageRow.identifier)
        ).all()  # fmt: skip
        states = set(uow.session.scalars(select(MonitorStateRow.name)))
    assert _facts(rows) == expected
    assert states == {"p0of2", "p1of2"}
    for rule_id, subject, *_, identifier in rows:  # the sender-code extension names the partition
        assert identifier[12:14] == f"{partition_of(subject, 2) + 1:02d}", (subject, identifier)


def test_a_worker_given_another_partitions_station_refuses_that_reading(container):
    _register(container, STATIONS)
    a, b = (next(s for s in STATIONS if partition_of(s, 2) == k) for k in (0, 1))
    only_first = live_monitors(2)[0]
    with container.uow() as uow, pytest.raises(InvalidInput) as refused:
        ingest_readings(uow, [Reading(T0 - timedelta(hours=1), b, "precip_1h", 1.0, "mm")], monitor=only_first,
                        outbox=None, now=T0)  # fmt: skip
    assert refused.value.errors[0].field == "readings[0].station_id"
    with container.uow() as uow:
        done = ingest_readings(uow, [Reading(T0 - timedelta(hours=1), a, "precip_1h", 1.0, "mm")],
                               monitor=only_first, outbox=None, now=T0)  # fmt: skip
    assert done.stored == 1


def test_partitions_started_on_a_running_monitor_carry_its_state_on_and_give_one_replays_warnings(container):
    _register(container, STATIONS)
    readings = _series()
    rules = load_rules(None)
    expected = _facts(
        (m.transition.rule_id, m.transition.subject, m.transition.kind.value, m.transition.level, m.transition.at)
        for m in warnings_from(readings, rules=rules, composer=CapComposer(profile=CapProfile()))
    )
    half = len(readings) // 2 // len(STATIONS) * len(STATIONS)  # whole instants: the cut is between two hours
    with container.uow() as uow:  # the first half by the single monitor, warnings in force at the switch
        ingest_readings(uow, readings[:half], monitor=live_monitors(1), outbox=None, now=T0)
    with container.uow() as uow:
        assert uow.session.scalars(select(WarningMessageRow.transition)).all(), "warnings before the switch"
    for i in range(half, len(readings), 40):  # then two partitions
        with container.uow() as uow:
            ingest_readings(uow, readings[i : i + 40], monitor=live_monitors(2), outbox=None, now=T0)
    with container.uow() as uow:
        rows = uow.session.execute(
            select(WarningMessageRow.rule_id, WarningMessageRow.subject, WarningMessageRow.transition,
                   WarningMessageRow.level, WarningMessageRow.sent_at)
        ).all()  # fmt: skip
    assert _facts(rows) == expected
