"""The live half of bench/monitoring.py: the service in-process, and JetStream with 1 and 2 worker processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, func, select

from gridloop.emergency.adapters.jetstream import ReadingsSubjects, publish
from gridloop.emergency.domain.rules import Reading

SRC = str(Path(__file__).resolve().parents[1] / "src")
WORKER = """
import json, sys
from gridloop.bootstrap import build_container
from gridloop.config import Settings
from gridloop.emergency.jobs import run_readings_worker
c = build_container(Settings(database_url=sys.argv[1], triage_enabled=False, readings_partitions=int(sys.argv[5])))
print(json.dumps(run_readings_worker(c, url=sys.argv[2], prefix=sys.argv[3], batch=int(sys.argv[4]), idle_exit=2,
                                     partition=int(sys.argv[6]))))
"""
BARE = """
import asyncio, json, sys
from gridloop.emergency.adapters.jetstream import ReadingsSubjects, consume
names = ReadingsSubjects(sys.argv[2])
print(json.dumps(asyncio.run(consume(sys.argv[1], names, lambda rs: set(), batch=int(sys.argv[3]), idle_exit=2))))
"""


def _reset(db: str, stations: Sequence[str]) -> None:
    """Migrated schema, the sensors registered, no readings, state, warnings or outbox rows left."""
    from datetime import UTC, datetime

    from gridloop.emergency.tables import MonitorStateRow, ReadingRow, SensorRow, WarningMessageRow
    from gridloop.platform.db.migrate import upgrade
    from gridloop.platform.db.outbox import OutboxRow

    engine = create_engine(db)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for table in (ReadingRow, MonitorStateRow, WarningMessageRow, OutboxRow, SensorRow):
            conn.execute(delete(table))
        conn.execute(SensorRow.__table__.insert(), [
            {"station_id": s, "metric": "precip_1h", "unit": "mm", "sensor_type": "rain_gauge", "name": s,
             "place": "", "grid_code": "310107", "owner_unit_code": "", "active": True, "created_at": now,
             "updated_at": now} for s in stations])  # fmt: skip
    engine.dispose()


def _count(db: str) -> tuple[int, int]:
    """Readings stored and warning messages issued."""
    from gridloop.emergency.tables import ReadingRow, WarningMessageRow

    engine = create_engine(db)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(ReadingRow)) or 0
        m = conn.scalar(select(func.count()).select_from(WarningMessageRow)) or 0
    engine.dispose()
    return n, m


def _processes(code: str, args: list[list[str]]) -> list[dict[str, Any]]:
    """One process per argument list, run together; their JSON answers."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [subprocess.Popen([sys.executable, "-c", code, *a], stdout=subprocess.PIPE, env=env, text=True)
             for a in args]  # fmt: skip
    out = []
    for p in procs:
        stdout, _ = p.communicate(timeout=600)
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def _rate(n: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    started = min(r["first_fetch"] for r in runs if "first_fetch" in r)
    ended = max(r["last_ack"] for r in runs if "last_ack" in r)
    acked = int(sum(r["acked"] for r in runs))
    return {"acked": acked, "seconds": round(ended - started, 3), "readings_per_s": round(n / (ended - started))}


async def _drop(url: str, names: ReadingsSubjects) -> None:
    import nats

    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(names.stream)
    finally:
        await nc.close()


def _fresh(url: str, readings: Sequence[Reading], partitions: int = 1) -> tuple[ReadingsSubjects, float]:
    names = ReadingsSubjects(f"bench{uuid.uuid4().hex[:10]}", partitions=partitions)
    t0 = time.perf_counter()
    asyncio.run(publish(url, names, (("rain_gauge", r) for r in readings)))
    return names, time.perf_counter() - t0


def measure_live(readings: Sequence[Reading], *, nats_url: str, db: str | None, batch: int = 2000) -> dict[str, Any]:
    """Readings/s of the live paths, each against its same-run baseline."""
    from datetime import UTC, timedelta

    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.emergency.services.readings import default_monitor, ingest_readings

    n = len(readings)
    stations = sorted({r.station_id for r in readings})
    tmp = tempfile.TemporaryDirectory()
    db = db or f"sqlite:///{tmp.name}/bench.db"
    now = max(r.ts for r in readings).astimezone(UTC) + timedelta(hours=1)
    out: dict[str, Any] = {"readings": n, "stations": len(stations), "batch": batch, "db": db.split("://")[0]}

    # the service in-process: store + evaluate batch by batch in the database, no NATS
    _reset(db, stations)
    container = build_container(Settings(database_url=db, triage_enabled=False))
    t0 = time.perf_counter()
    messages = 0
    for i in range(0, n, batch):
        with container.uow() as uow:
            result = ingest_readings(uow, readings[i : i + batch], monitor=default_monitor(),
                                     outbox=container.deps.outbox, now=now)  # fmt: skip
            messages += len(result.messages)
    service_s = time.perf_counter() - t0
    container.uow.engine.dispose()
    out["service_in_process"] = {"seconds": round(service_s, 3), "readings_per_s": round(n / service_s),
                                 "warning_messages": messages}  # fmt: skip

    # baseline: bare JetStream publish, then the same consumer loop with a handler that does nothing
    names, publish_s = _fresh(nats_url, readings)
    out["baseline_publish"] = {"seconds": round(publish_s, 3), "readings_per_s": round(n / publish_s)}
    bare = _rate(n, _processes(BARE, [[nats_url, names.prefix, str(batch)]]))
    out["baseline_bare_consume"] = bare
    asyncio.run(_drop(nats_url, names))

    for k in (1, 2):  # k workers, one per station partition (a partition's readings are evaluated in order)
        _reset(db, stations)
        names, _ = _fresh(nats_url, readings, partitions=k)
        rate = _rate(
            n, _processes(WORKER, [[db, nats_url, names.prefix, str(batch), str(k), str(p)] for p in range(k)])
        )
        rate["stored"], rate["warning_messages"] = _count(db)
        rate["ratio_over_bare_consume"] = round(bare["readings_per_s"] / rate["readings_per_s"], 2)
        out[f"jetstream_{k}_consumer" + ("s" if k > 1 else "")] = rate
        asyncio.run(_drop(nats_url, names))
    out["goal"] = "rule evaluation through JetStream costs <= 2x the bare consume (ratio_over_bare_consume <= 2)"
    tmp.cleanup()
    return out
