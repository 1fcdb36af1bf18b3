"""Readings from NATS JetStream: the worker consumes in batches, acks after commit, and is idempotent."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridloop.emergency.adapters.jetstream import ReadingsSubjects, publish
from gridloop.emergency.domain.rules import Reading
from gridloop.emergency.jobs import run_readings_worker
from gridloop.emergency.services.sensors import SensorData, register_sensor
from gridloop.emergency.tables import ReadingRow, WarningMessageRow
from tests.conftest import T0


@pytest.fixture
def nats_url() -> str:
    url = os.environ.get("GRIDLOOP_TEST_NATS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("GRIDLOOP_TEST_NATS_URL is not set (CI must run a NATS server with JetStream)")
        pytest.skip("GRIDLOOP_TEST_NATS_URL is not set")
    return url


@pytest.fixture
def names(nats_url: str):  # type: ignore[no-untyped-def]
    names = ReadingsSubjects(f"emerpart{uuid.uuid4().hex[:10]}")
    yield names

    async def drop() -> None:
        import nats

        nc = await nats.connect(nats_url)
        try:
            await nc.jetstream().delete_stream(names.stream)
        finally:
            await nc.close()

    asyncio.run(drop())


def _sensor(container) -> None:  # type: ignore[no-untyped-def]
    from gridloop.platform.org.services.org import actor_for, get_user

    with container.uow() as uow:
        actor = actor_for(get_user(uow.session, "supervisor"))
    with container.uow() as uow:
        register_sensor(uow, actor, SensorData(station_id="JS1", metric="precip_1h", unit="mm",
                                               sensor_type="rain_gauge", grid_code="310107"), now=T0)  # fmt: skip


def _rain(station: str, hours: int, mm: float) -> list[tuple[str, Reading]]:
    start = T0 - timedelta(hours=hours)
    return [("rain_gauge", Reading(start + timedelta(hours=i), station, "precip_1h", mm, "mm")) for i in range(hours)]


def test_the_subject_names_follow_the_agreed_scheme():
    n = ReadingsSubjects("gridloop")
    assert n.stream == "GRIDLOOP_READINGS" and n.wildcard == "gridloop.readings.>"
    assert n.subject("rain_gauge", "SH_JINGAN") == "gridloop.readings.rain_gauge.SH_JINGAN"


def test_the_worker_evaluates_published_readings_and_a_second_run_finds_nothing_left(container, nats_url, names):
    _sensor(container)
    items = _rain("JS1", 6, 20) + _rain("UNKNOWN", 2, 1)
    assert asyncio.run(publish(nats_url, names, items)) == 8
    counts = run_readings_worker(container, url=nats_url, prefix=names.prefix, batch=3, idle_exit=1)
    assert counts["acked"] == 6 and counts["refused"] == 2
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ReadingRow)) == 6
        warned = uow.session.scalars(select(WarningMessageRow.transition)).all()
    assert warned and warned[0] == "issue"
    # everything was acked: a second worker on the same durable consumer gets nothing
    again = run_readings_worker(container, url=nats_url, prefix=names.prefix, idle_exit=1)
    assert again["acked"] == 0
    # published again: JetStream's duplicate window drops them, and the readings table would skip them
    asyncio.run(publish(nats_url, names, _rain("JS1", 6, 20)))
    run_readings_worker(container, url=nats_url, prefix=names.prefix, idle_exit=1)
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ReadingRow)) == 6
        assert len(uow.session.scalars(select(WarningMessageRow.id)).all()) == len(warned)


def test_a_batch_that_fails_to_commit_is_not_acked_and_comes_back(container, nats_url, names, monkeypatch):
    import gridloop.emergency.jobs as jobs

    _sensor(container)
    asyncio.run(publish(nats_url, names, _rain("JS1", 3, 1)))
    real = jobs.evaluate_batch
    calls = {"n": 0}

    def flaky(c, readings):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(c, readings)

    monkeypatch.setattr(jobs, "evaluate_batch", flaky)
    counts = run_readings_worker(container, url=nats_url, prefix=names.prefix, idle_exit=3)
    assert counts["retried"] == 3 and counts["acked"] == 3
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ReadingRow)) == 3


def test_one_worker_per_partition_reads_only_its_stations_and_together_they_store_everything(container, nats_url):
    from gridloop.emergency.domain.partitions import partition_of
    from gridloop.emergency.tables import MonitorStateRow
    from gridloop.platform.org.services.org import actor_for, get_user

    stations = ["JP1", "JP2", "JP3", "JP4"]
    assert {partition_of(s, 2) for s in stations} == {0, 1}
    with container.uow() as uow:
        actor = actor_for(get_user(uow.session, "supervisor"))
    for s in stations:
        with container.uow() as uow:
            register_sensor(uow, actor, SensorData(station_id=s, metric="precip_1h", unit="mm",
                                                   sensor_type="rain_gauge", grid_code="310107"), now=T0)  # fmt: skip
    container.deps.readings_partitions = 2
    names = ReadingsSubjects(f"emerpart{uuid.uuid4().hex[:10]}", partitions=2)
    try:
        # in time order, as stations report (a reading older than its monitor's clock would be late)
        items = sorted((item for s in stations for item in _rain(s, 6, 20)), key=lambda i: i[1].ts)
        assert asyncio.run(publish(nats_url, names, items)) == 24
        first = run_readings_worker(container, url=nats_url, prefix=names.prefix, batch=5, idle_exit=1, partition=0)
        mine = sum(6 for s in stations if partition_of(s, 2) == 0)
        assert first["acked"] == mine, first
        second = run_readings_worker(container, url=nats_url, prefix=names.prefix, batch=5, idle_exit=1, partition=1)
        assert second["acked"] == 24 - mine, second
        with container.uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(ReadingRow)) == 24
            warned = set(uow.session.scalars(select(WarningMessageRow.subject)))
            assert set(uow.session.scalars(select(MonitorStateRow.name))) == {"p0of2", "p1of2"}
        assert warned == set(stations)
    finally:

        async def drop() -> None:
            import nats

            nc = await nats.connect(nats_url)
            try:
                await nc.jetstream().delete_stream(names.stream)
            finally:
                await nc.close()

        asyncio.run(drop())


def test_an_instant_cut_by_a_full_fetch_is_judged_once_on_all_its_readings_as_a_replay_judges_it(
    container, nats_url, names
):
    from gridloop.emergency.adapters.rules_file import load_rules
    from gridloop.emergency.domain.cap import CapComposer, CapProfile
    from gridloop.emergency.services.replay import warnings_from
    from gridloop.platform.org.services.org import actor_for, get_user

    with container.uow() as uow:
        actor = actor_for(get_user(uow.session, "supervisor"))
    for s in ("JA", "JB"):
        with container.uow() as uow:
            register_sensor(uow, actor, SensorData(station_id=s, metric="precip_1h", unit="mm",
                                                   sensor_type="rain_gauge", grid_code="310107"), now=T0)  # fmt: skip
    start = T0 - timedelta(hours=10)
    # JA is silent for hours 1-2 and reports again at hour 3, after JB: with fetches of 4 the hour-3 readings
    # straddle two batches (JA's 3 h of silence would raise a staleness warning on JB's reading alone)
    order = [("JA", 0), ("JB", 0), ("JB", 1), ("JB", 3), ("JA", 3), ("JB", 4), ("JA", 4), ("JB", 5), ("JA", 5)]
    readings = [Reading(start + timedelta(hours=h), s, "precip_1h", 20.0, "mm") for s, h in order]
    asyncio.run(publish(nats_url, names, [("rain_gauge", r) for r in readings]))
    run_readings_worker(container, url=nats_url, prefix=names.prefix, batch=4, idle_exit=1)
    rules = load_rules(None)
    in_order = sorted(readings, key=lambda r: r.ts)
    replayed = sorted(
        (m.transition.rule_id, m.transition.subject, m.transition.kind.value, m.transition.at)
        for m in warnings_from(in_order, rules=rules, composer=CapComposer(profile=CapProfile()))
    )
    columns = (WarningMessageRow.rule_id, WarningMessageRow.subject, WarningMessageRow.transition,
               WarningMessageRow.sent_at)  # fmt: skip
    with container.uow() as uow:
        stored = sorted(uow.session.execute(select(*columns)).all())
    assert replayed and [tuple(r) for r in stored] == replayed


def test_an_instant_whose_rest_is_published_after_a_short_fetch_is_judged_once_on_all_its_readings(
    container, nats_url, names, monkeypatch
):
    import threading
    import time

    import gridloop.emergency.adapters.jetstream as jetstream
    from gridloop.emergency.adapters.rules_file import load_rules
    from gridloop.emergency.domain.cap import CapComposer, CapProfile
    from gridloop.emergency.services.replay import warnings_from
    from gridloop.platform.org.services.org import actor_for, get_user

    with container.uow() as uow:
        actor = actor_for(get_user(uow.session, "supervisor"))
    for s in ("JA", "JB"):
        with container.uow() as uow:
            register_sensor(uow, actor, SensorData(station_id=s, metric="precip_1h", unit="mm",
                                                   sensor_type="rain_gauge", grid_code="310107"), now=T0)  # fmt: skip
    start = T0 - timedelta(hours=10)
    # JA is silent for hours 1-2; its hour-3 reading is published after the worker fetched JB's: a fetch that comes
    # back short (not full) must not judge hour 3 on JB's reading alone (that would raise and cancel a staleness
    # warning for JA, which one replay never issues)
    first = [("JA", 0), ("JB", 0), ("JB", 1), ("JB", 3)]
    rest = [("JA", 3), ("JB", 4), ("JA", 4)]
    readings = [Reading(start + timedelta(hours=h), s, "precip_1h", 20.0, "mm") for s, h in first + rest]
    monkeypatch.setattr(jetstream, "HOLD_WAIT", 2.0)  # the rest comes within the wait of a held instant
    asyncio.run(publish(nats_url, names, [("rain_gauge", r) for r in readings[: len(first)]]))
    counts: dict[str, float] = {}
    worker = threading.Thread(target=lambda: counts.update(
        run_readings_worker(container, url=nats_url, prefix=names.prefix, batch=100, idle_exit=3)))  # fmt: skip
    worker.start()
    time.sleep(0.8)
    asyncio.run(publish(nats_url, names, [("rain_gauge", r) for r in readings[len(first) :]]))
    worker.join(timeout=30)
    assert counts.get("acked") == len(readings), counts
    replayed = sorted(
        (m.transition.rule_id, m.transition.subject, m.transition.kind.value, m.transition.at)
        for m in warnings_from(readings, rules=load_rules(None), composer=CapComposer(profile=CapProfile()))
    )
    columns = (WarningMessageRow.rule_id, WarningMessageRow.subject, WarningMessageRow.transition,
               WarningMessageRow.sent_at)  # fmt: skip
    with container.uow() as uow:
        stored = sorted(uow.session.execute(select(*columns)).all())
    assert [tuple(r) for r in stored] == replayed, "the live worker judged an instant differently from one replay"


def test_a_fetch_that_came_back_empty_while_a_batch_was_evaluated_does_not_close_the_held_instant(
    container, nats_url, names, monkeypatch
):
    import time

    import gridloop.emergency.jobs as jobs
    from gridloop.emergency.adapters.rules_file import load_rules
    from gridloop.emergency.domain.cap import CapComposer, CapProfile
    from gridloop.emergency.services.replay import warnings_from
    from gridloop.platform.org.services.org import actor_for, get_user

    with container.uow() as uow:
        actor = actor_for(get_user(uow.session, "supervisor"))
    for s in ("JA", "JB"):
        with container.uow() as uow:
            register_sensor(uow, actor, SensorData(station_id=s, metric="precip_1h", unit="mm",
                                                   sensor_type="rain_gauge", grid_code="310107"), now=T0)  # fmt: skip
    start = T0 - timedelta(hours=10)
    # a full fetch of 4: hours 0-1 are evaluated, JB's hour 3 is held; the next fetch runs (and finds nothing)
    # while that batch is evaluated, and JA's hour 3 is published meanwhile: the held hour waits for it
    first = [("JA", 0), ("JB", 0), ("JB", 1), ("JB", 3)]
    rest = [("JA", 3), ("JB", 4), ("JA", 4)]
    readings = [Reading(start + timedelta(hours=h), s, "precip_1h", 20.0, "mm") for s, h in first + rest]
    asyncio.run(publish(nats_url, names, [("rain_gauge", r) for r in readings[: len(first)]]))
    real = jobs.evaluate_batch
    calls = {"n": 0}

    def slow_first(c, batch):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            time.sleep(0.4)  # longer than a short fetch's wait: the fetch meanwhile comes back empty
            asyncio.run(publish(nats_url, names, [("rain_gauge", r) for r in readings[len(first) :]]))
        return real(c, batch)

    monkeypatch.setattr(jobs, "evaluate_batch", slow_first)
    counts = run_readings_worker(container, url=nats_url, prefix=names.prefix, batch=4, idle_exit=1)
    assert counts["acked"] == len(readings), counts
    replayed = sorted(
        (m.transition.rule_id, m.transition.subject, m.transition.kind.value, m.transition.at)
        for m in warnings_from(readings, rules=load_rules(None), composer=CapComposer(profile=CapProfile()))
    )
    columns = (WarningMessageRow.rule_id, WarningMessageRow.subject, WarningMessageRow.transition,
               WarningMessageRow.sent_at)  # fmt: skip
    with container.uow() as uow:
        stored = sorted(uow.session.execute(select(*columns)).all())
    assert [tuple(r) for r in stored] == replayed, "hour 3 was judged before JA's reading of it came"
