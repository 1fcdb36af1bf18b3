"""The emergency supervision tick: 挂牌督办 of overdue hazards and escalation of unacknowledged tasks."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

from gridloop.platform.periodic import start_periodic

log = logging.getLogger("gridloop.emergency")
_ROW = re.compile(r"^readings\[(\d+)\]")


def run_once(container: Any) -> dict[str, int]:
    """One tick on the container's clock; returns how many hazards and tasks moved."""
    from gridloop.emergency.services.tick import tick

    return tick(container.uow, now=container.deps.clock.now(), outbox=container.deps.outbox,
                readings_partitions=container.settings.readings_partitions)  # fmt: skip


def _if_moved(outcome: dict[str, int]) -> dict[str, int] | None:
    """The tick's counts when anything moved (worth a log line), else None."""
    return outcome if any(outcome.values()) else None


def start(container: Any, *, stop: threading.Event | None = None, interval: int = 60) -> threading.Thread:
    """Tick in the background every `interval` seconds until `stop` is set; a failed tick is logged. One process
    ticks (PostgreSQL advisory lock)."""
    from gridloop.platform.db.leader import SingletonLock

    leader = SingletonLock(container.uow.engine, "gridloop.emergency.tick")
    return start_periodic("emergency-tick", lambda: _if_moved(run_once(container)), interval=interval,
                          log=log, what="emergency tick", stop=stop, leader=leader)  # fmt: skip


def evaluate_batch(container: Any, readings: Sequence[Any]) -> set[int]:
    """Ingest one batch from the stream; rows refused for good (unknown station…) are left out and returned."""
    from gridloop.emergency.services.readings import ingest_readings, live_monitors
    from gridloop.kernel.errors import DomainError

    monitors = live_monitors(container.deps.readings_partitions)
    refused: set[int] = set()
    pending = list(range(len(readings)))
    while pending:
        try:
            with container.uow() as uow:
                ingest_readings(uow, [readings[i] for i in pending], monitor=monitors,
                                outbox=container.deps.outbox, now=container.deps.clock.now())  # fmt: skip
            return refused
        except DomainError as exc:
            bad = {int(m.group(1)) for e in exc.errors if (m := _ROW.match(e.field))}
            if not bad:
                raise
            log.warning("refusing %d readings of a batch: %s", len(bad), exc.errors[0].message)
            refused |= {pending[i] for i in bad}
            pending = [p for j, p in enumerate(pending) if j not in bad]
    return refused


def _ready(container: Any) -> None:
    """Load the rules, set up the ORM mappers, open a database connection and warm the batch path up before the
    first batch (not while readings wait)."""
    from sqlalchemy.orm import configure_mappers

    from gridloop.emergency.services.readings import live_monitors, warm_up

    monitors = live_monitors(container.deps.readings_partitions)
    configure_mappers()
    with container.uow() as uow:
        warm_up(uow, monitors=monitors, now=container.deps.clock.now())


def run_readings_worker(
    container: Any,
    *,
    url: str,
    prefix: str,
    batch: int = 500,
    stop: threading.Event | None = None,
    idle_exit: float | None = None,
    partition: int = 0,
) -> dict[str, float]:
    """Consume readings from JetStream until stopped (or idle for `idle_exit` s), evaluating batch by batch.

    With GRIDLOOP_READINGS_PARTITIONS above 1 the worker reads only its partition's subjects (its own durable
    consumer): run one worker per partition.
    """
    from gridloop.emergency.adapters.jetstream import ReadingsSubjects, consume

    names = ReadingsSubjects(prefix, partitions=container.deps.readings_partitions)
    names.check_partition(partition)
    _ready(container)
    return asyncio.run(
        consume(url, names, lambda rs: evaluate_batch(container, rs), batch=batch, stop=stop, idle_exit=idle_exit,
                partition=partition)
    )  # fmt: skip
