"""A compressed city day: hotline reports with a morning and an evening peak, grid-worker patrol reports and
duplicates of the same events, taken through intake → triage workers → auto-dispatch, then one supervision tick.
Prints JSON: offered/acknowledged rates, intake p99, triage lag, dispatch lag, duplicates found, tick figures.

    .venv/bin/python bench/city_day.py                      # SQLite, 2,000 reports in ~30 s (default)
    .venv/bin/python bench/city_day.py --reports 40000 --seconds 600          # Shanghai's ≈40,000 a day
    .venv/bin/python bench/city_day.py --pg postgresql+psycopg://city:city@127.0.0.1:5432/DB --nats nats://127.0.0.1:4222

The day (24 h) is compressed into `--seconds`; the hourly profile puts ≈ 2/3 of the reports in 08–12 and 17–21.
Runs in process (services, not HTTP: bench/intake.py measures the HTTP path), with `--workers` triage threads.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: relative report volume per hour of the day (0–23): a morning and an evening peak
PROFILE = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 11, 9, 6, 6, 7, 7, 8, 10, 11, 10, 8, 5, 3, 2]
TEXTS = [
    ("楼道墙面渗水", "长寿路{n}弄3号楼楼道墙面渗水严重，物业一直不处理。", "城乡建设"),
    ("路灯不亮", "武宁路{n}号门口路灯连续三天不亮，晚上很危险。", None),
    ("噪音扰民", "曹杨路{n}号工地夜间施工噪音很大，影响休息。", None),
    ("垃圾未清运", "真如镇{n}弄垃圾堆放两天没有清运，气味很大。", "城乡建设"),
    ("共享单车堆放", "中山北路{n}号人行道共享单车乱停放，行人无法通过。", None),
]
AREA = "310107"


def _schedule(n: int, seconds: float, rng: random.Random) -> list[float]:
    """Offsets (s) of n reports over the compressed day, following PROFILE."""
    total = sum(PROFILE)
    out: list[float] = []
    for hour, weight in enumerate(PROFILE):
        k = round(n * weight / total)
        start, width = seconds * hour / 24, seconds / 24
        out += [start + rng.random() * width for _ in range(k)]
    return sorted(out)[:n]


def _pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[max(int(len(xs) * q) - 1, 0)] * 1000, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--workers", type=int, default=1, help="triage worker threads")
    ap.add_argument("--patrol", type=float, default=0.15, help="share of grid-worker patrol reports")
    ap.add_argument("--duplicates", type=float, default=0.1, help="share of repeats of an earlier event")
    ap.add_argument("--pg", default=None, help="PostgreSQL URL of an empty database (default: SQLite in a temp dir)")
    ap.add_argument("--nats", default=None, help="NATS URL: reports flow through JetStream")
    args = ap.parse_args()

    from gridloop.bootstrap import build_container
    from gridloop.config import Settings

    db = args.pg or f"sqlite:///{Path(tempfile.mkdtemp(prefix='gridloop-day-')) / 'day.db'}"
    gl = [sys.executable, "-m", "gridloop.cli"]
    subprocess.run([*gl, "demo", "--db", db, "--cases", "0"], check=True, cwd=ROOT, capture_output=True)
    prefix = f"day{random.randrange(10**6)}"
    settings = Settings(database_url=db, nats_url=args.nats or "", nats_prefix=prefix, triage_poll_seconds=0.2,
                        triage_worker_threads=0)  # fmt: skip
    api = build_container(settings)
    from gridloop.cases import jobs
    from gridloop.cases.services.intake import NewCase, receive
    from gridloop.platform.org.services import org

    with api.uow() as uow:
        operator = org.actor_for(org.get_user(uow.session, "operator"))
        try:
            gridder = org.actor_for(org.get_user(uow.session, "gridworker"))
        except Exception:
            gridder = operator
    stop = threading.Event()
    jobs.start_pipeline(api, stop=stop)
    worker = build_container(settings)
    jobs.start_workers(worker, stop=stop, threads=args.workers)
    rng = random.Random(12345)
    times = _schedule(args.reports, args.seconds, rng)
    ack: list[float] = []
    lock = threading.Lock()
    events: list[int] = []

    def one(i: int) -> None:
        if events and rng.random() < args.duplicates:
            n = rng.choice(events[-50:])
        else:
            n = i
            events.append(i)
        title, text, cat = TEXTS[n % len(TEXTS)]
        patrol = rng.random() < args.patrol
        data = NewCase(title=title, text=text.format(n=n % 997 + 1), category=cat, area_code=AREA,
                       channel="patrol" if patrol else "phone")  # fmt: skip
        t = time.perf_counter()
        with api.uow() as uow:
            receive(uow, gridder if patrol else operator, data, deps=api.deps)
        with lock:
            ack.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i, at in enumerate(times):
            delay = t0 + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i)
    offered_s = time.perf_counter() - t0
    from sqlalchemy import func, select

    from gridloop.cases.tables import CaseRow

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with api.uow() as uow:
            left = uow.session.scalar(select(func.count()).where(CaseRow.triage_status == "pending"))
        if not left:
            break
        time.sleep(0.5)
    with api.uow() as uow:
        rows = uow.session.execute(
            select(CaseRow.received_at, CaseRow.triaged_at, CaseRow.dispatched_at, CaseRow.duplicate_action)
        ).all()
    stop.set()
    tick_t = time.perf_counter()
    tick = jobs.run_once(api)
    tick_s = time.perf_counter() - tick_t
    triage = [(t - r).total_seconds() for r, t, _, _ in rows if t]
    dispatch = [(d - r).total_seconds() for r, _, d, _ in rows if d]
    print(json.dumps({
        "database": "postgresql" if args.pg else "sqlite",
        "stream": "jetstream" if args.nats else "database queue",
        "reports": len(rows), "offered_per_second_peak": round(args.reports * max(PROFILE) / sum(PROFILE) * 24
                                                               / args.seconds, 1),
        "offered_seconds": round(offered_s, 1),
        "intake_p50_ms": _pct(ack, 0.5), "intake_p99_ms": _pct(ack, 0.99),
        "triage_lag_p50_ms": _pct(triage, 0.5), "triage_lag_p99_ms": _pct(triage, 0.99),
        "dispatch_lag_p50_ms": _pct(dispatch, 0.5), "dispatch_lag_p99_ms": _pct(dispatch, 0.99),
        "dispatched": len(dispatch), "still_pending": left,
        "duplicates": {k: sum(1 for *_, d in rows if d == k) for k in ("merge", "suggest")},
        "supervision_tick": {"seconds": round(tick_s, 2), **{k: v for k, v in tick.items() if isinstance(v, int)}},
        "median_ack_ms": round(statistics.median(ack) * 1000, 1) if ack else None,
    }, ensure_ascii=False, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
