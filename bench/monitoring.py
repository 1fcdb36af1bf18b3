"""Benchmark: readings per second through the alarm rules, against the bare loop over the same readings.

    PYTHONPATH=src python bench/monitoring.py [--stations 200] [--hours 720] [--file READINGS.csv] [--repeat 3]
        [--nats URL] [--db URL] [--js-stations 50] [--js-hours 240] [--js-batch 2000]

In-process, no I/O in the timed part. The readings are generated (hourly rain at N stations, with storms, gaps
and silent stations, seeded) or read from a long-format CSV (e.g. ../shared/data/emergency/sensors/…). The
baseline groups the same readings by instant exactly as the evaluator's driver does and touches each value,
without evaluating rules; the measured run is `evaluate()` with the shipped rules (rainstorm signals and the
silent-gauge rule). Prints JSON: readings, transitions, best-of-N wall and CPU seconds and readings/s for each,
the ratios measured/baseline, and the load average (on a shared machine, CPU time is the steadier figure).

With `--nats URL` (or GRIDLOOP_NATS_URL / GRIDLOOP_TEST_NATS_URL set) it also measures the live path
(bench/_monitoring_js.py): the service in-process (batches stored and evaluated in the database, no NATS),
and JetStream with 1 and 2 `worker readings` processes (2: GRIDLOOP_READINGS_PARTITIONS=2, one worker per
station partition), against a same-run baseline of bare JetStream publish + consume (the same consumer loop and
acks, a handler that does nothing). Each path reports the warning messages it stored: they must be the same
number everywhere. `--db` is the database the workers use (PostgreSQL for 2 processes; default a temporary SQLite
file). Goal: evaluating ≤ 2× bare consume.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from gridloop.emergency.adapters.readings_csv import read_readings
from gridloop.emergency.domain.rule_table import default_rules
from gridloop.emergency.domain.rules import Reading, evaluate

START = datetime(2026, 7, 1, tzinfo=timezone(timedelta(hours=8)))  # fixed offset, as parsed from +08:00


def generate(stations: int, hours: int, seed: int = 7) -> list[Reading]:
    """Hourly rain at `stations` gauges: dry hours, showers, a few storms, 2 % gaps, one gauge silent for a day."""
    rng = random.Random(seed)
    storms = [(rng.randrange(hours), rng.uniform(8, 30)) for _ in range(max(1, hours // 96))]
    out = []
    for h in range(hours):
        for s in range(stations):
            ts = START + timedelta(hours=h)  # a new object per reading, as a parser makes
            rain = sum(peak * math.exp(-(((h - at) / 2.5) ** 2)) for at, peak in storms) * rng.uniform(0.6, 1.4)
            rain += rng.expovariate(2.0) if rng.random() < 0.1 else 0.0
            silent = s == 0 and hours // 2 <= h < hours // 2 + 24
            value = None if silent or rng.random() < 0.02 else round(rain, 1)
            out.append(Reading(ts, f"ST{s:04d}", "precip_1h", value, "mm"))
    return out


def bare_loop(readings: Iterable[Reading]) -> int:
    """The driver of `evaluate` without the rules: group by instant, touch every value."""
    batches = 0
    touched = 0.0
    batch: list[Reading] = []
    current = None
    for reading in readings:
        if current is not None and reading.ts != current:
            touched += sum(r.value or 0.0 for r in batch)
            batches += 1
            batch = []
        current = reading.ts
        batch.append(reading)
    if batch:
        touched += sum(r.value or 0.0 for r in batch)
        batches += 1
    return batches


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, float, int]:
    """Fastest wall time and fastest CPU time of `repeat` runs, and the run's result."""
    wall, cpu, result = math.inf, math.inf, 0
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = run()
        wall, cpu = min(wall, time.perf_counter() - w0), min(cpu, time.process_time() - c0)
    return wall, cpu, result


def measure(readings: Sequence[Reading], *, repeat: int) -> dict[str, object]:
    """Time the bare loop and the rule evaluation over the same readings."""
    rules = default_rules()
    base_s, base_cpu, batches = best_of(repeat, lambda: bare_loop(readings))
    eval_s, eval_cpu, transitions = best_of(repeat, lambda: sum(1 for _ in evaluate(readings, rules=rules)))
    n = len(readings)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "readings": n,
        "instants": batches,
        "stations": len({r.station_id for r in readings}),
        "rules": [r.id for r in rules],
        "transitions": transitions,
        "load_average_1min": load,
        "baseline_bare_loop": {
            "seconds": round(base_s, 4),
            "cpu_seconds": round(base_cpu, 4),
            "readings_per_s": round(n / base_s),
        },
        "rule_evaluation": {
            "seconds": round(eval_s, 4),
            "cpu_seconds": round(eval_cpu, 4),
            "readings_per_s": round(n / eval_s),
            "readings_per_cpu_s": round(n / eval_cpu),
        },
        "ratio_eval_over_baseline": round(eval_s / base_s, 1),
        "ratio_eval_over_baseline_cpu": round(eval_cpu / base_cpu, 1) if base_cpu > 0 else None,
        "microseconds_per_reading_eval_cpu": round(eval_cpu / n * 1e6, 2),
    }


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--hours", type=int, default=720)
    parser.add_argument("--file", type=Path, help="a long-format readings CSV instead of generated readings")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--nats", default=os.environ.get("GRIDLOOP_NATS_URL") or os.environ.get("GRIDLOOP_TEST_NATS_URL")
    )
    parser.add_argument("--db", help="database for the live path (default: a temporary SQLite file)")
    parser.add_argument("--js-stations", type=int, default=50)
    parser.add_argument("--js-hours", type=int, default=240)
    parser.add_argument("--js-batch", type=int, default=2000, help="readings fetched per batch (both paths)")
    args = parser.parse_args()
    if args.file:
        readings = sorted(read_readings(args.file), key=lambda r: r.ts)
        source = str(args.file)
    else:
        readings = generate(args.stations, args.hours)
        source = f"generated: {args.stations} stations x {args.hours} h"
    result = {"source": source, "python": platform.python_version(), **measure(readings, repeat=args.repeat)}
    if args.nats:
        try:
            from bench._monitoring_js import measure_live
        except ImportError:  # run as a script: bench/ is on the path
            from _monitoring_js import measure_live  # type: ignore[import-not-found,no-redef]

        live = generate(args.js_stations, args.js_hours)
        result["live"] = measure_live(live, nats_url=args.nats, db=args.db, batch=args.js_batch)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
