"""A compressed city day on the processes a city runs: hotline reports with a morning and an evening peak,
grid-worker patrol reports and duplicates of the same events, sent over HTTP to `POST /api/v1/cases`, taken
through intake → triage workers → auto-dispatch, then one supervision tick. Prints JSON: offered and answered
reports, intake p50/p99 (from when each report was due), triage lag, dispatch lag, duplicates found, tick figures,
and each process's CPU.

    .venv/bin/python bench/city_day.py                                  # SQLite, 2,000 reports in 60 s
    .venv/bin/python bench/city_day.py --reports 40000 --seconds 600    # Shanghai's ≈ 40,000 a day, SQLite
    .venv/bin/python bench/city_day.py --reports 40000 --seconds 900 \\
        --pg postgresql+psycopg://city:city@127.0.0.1:5432/city --nats nats://127.0.0.1:4222 --apis 2 --workers 2

SQLite: one `uvicorn gridloop.asgi:app` with its embedded triage worker (a child process, as `serve` runs).
PostgreSQL (a fresh database made through --pg's server, dropped afterwards) with JetStream: `--apis` uvicorn
processes (reports spread over them) and `--workers` `gridloop worker triage` processes.
The day (24 h) is compressed into `--seconds`; the hourly profile puts ≈ 2/3 of the reports in 08–12 and 17–21.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake import _cpu_seconds, _port, _wait, send_when_due  # noqa: E402

from gridloop.platform.childproc import children_of  # noqa: E402

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
#: Distinct addresses per template: a new event is a new place, so duplicates are the repeats `--duplicates` asks
#: for (with 997, as bench/triage_worker.py has it, a 40,000-report day merged 72 % of its reports).
EVENTS = 9973
#: Keep-alive connections per API process of the load generator.
CONNECTIONS = 32


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


def _requests(n: int, duplicates: float, patrol: float, rng: random.Random) -> list[tuple[bytes, bool]]:
    """The day's reports as JSON bodies, each with whether a grid worker sent it (a patrol report)."""
    events: list[int] = []
    out: list[tuple[bytes, bool]] = []
    for i in range(n):
        if events and rng.random() < duplicates:
            k = rng.choice(events[-50:])  # the same event reported again
        else:
            k = i
            events.append(i)
        title, text, cat = TEXTS[k % len(TEXTS)]
        is_patrol = rng.random() < patrol
        body: dict[str, object] = {"title": title, "text": text.format(n=k % EVENTS + 1), "area_code": AREA}
        body["channel"] = "patrol" if is_patrol else "phone"
        body["reporter"] = {"name": "市民", "phone": "13812345678"}
        if cat:
            body["category"] = cat
        out.append((json.dumps(body, ensure_ascii=False).encode(), is_patrol))
    return out


async def _offer(
    ports: list[int], tokens: dict[bool, str], reports: list[tuple[bytes, bool]], times: list[float]
) -> tuple[list[float], list[str], float]:
    """Send each report when due, over keep-alive connections to the API processes in turn; latency runs from
    when it was due. Returns latencies, failures and the seconds it took."""
    lat: list[float] = []
    failures: list[str] = []
    queues: list[asyncio.Queue[tuple[float, bytes] | None]] = [asyncio.Queue() for _ in ports]

    def request(port: int, body: bytes, patrol: bool) -> bytes:
        head = ["POST /api/v1/cases HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
                f"Content-Length: {len(body)}", f"Authorization: Bearer {tokens[patrol]}"]  # fmt: skip
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body

    pairs = zip(ports, queues, strict=True)
    tasks = [
        asyncio.create_task(send_when_due("127.0.0.1", p, q, lat, failures, timeout=30))
        for p, q in pairs
        for _ in range(CONNECTIONS)
    ]
    t0 = time.perf_counter()
    for i, ((body, patrol), offset) in enumerate(zip(reports, times, strict=True)):
        at = t0 + offset
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        k = i % len(ports)
        queues[k].put_nowait((at, request(ports[k], body, patrol)))
    for q in queues:
        for _ in range(CONNECTIONS):
            q.put_nowait(None)
    await asyncio.gather(*tasks)
    return lat, failures, time.perf_counter() - t0


def _drain(engine: sa.Engine, timeout: float) -> int:
    """Wait until no report waits for triage (or the timeout); how many still wait."""
    deadline = time.monotonic() + timeout
    left = -1
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            left = int(conn.execute(sa.text("SELECT count(*) FROM cases WHERE triage_status = 'pending'")).scalar_one())
        if not left:
            break
        time.sleep(0.5)
    return left


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--patrol", type=float, default=0.15, help="share of grid-worker patrol reports")
    ap.add_argument("--duplicates", type=float, default=0.1, help="share of repeats of an earlier event")
    ap.add_argument("--pg", default=None, help="admin URL of PostgreSQL (a fresh database is made and dropped)")
    ap.add_argument("--nats", default=None, help="NATS URL: reports flow through JetStream (with --pg)")
    ap.add_argument("--apis", type=int, default=1, help="API processes (PostgreSQL)")
    ap.add_argument("--workers", type=int, default=1, help="triage worker processes (PostgreSQL)")
    ap.add_argument("--drain-timeout", type=float, default=1800, help="seconds to wait for triage to catch up")
    ap.add_argument(
        "--tick-after-days",
        type=float,
        default=5,
        help="the supervision tick runs as of this many days after the day (nobody handled the cases meanwhile: "
        "most are due or overdue), then once more at once (a repeated tick)",
    )
    args = ap.parse_args()
    if args.pg is None and (args.apis != 1 or args.workers != 1 or args.nats):
        raise SystemExit("--apis, --workers and --nats need --pg (SQLite runs one server with its worker)")

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale import _drop_db, _new_db

    db = _new_db(args.pg) if args.pg else f"sqlite:///{Path(tempfile.mkdtemp(prefix='gridloop-day-')) / 'day.db'}"
    env = {**os.environ, "GRIDLOOP_DATABASE_URL": db, "GRIDLOOP_LOG_LEVEL": "WARNING"}
    if args.pg:  # API processes relay to JetStream (or the database queue); the workers are processes of their own
        env.update(GRIDLOOP_TRIAGE_WORKER_THREADS="0", GRIDLOOP_NATS_URL=args.nats or "",
                   GRIDLOOP_NATS_PREFIX=f"day{uuid.uuid4().hex[:6]}")  # fmt: skip
    gl = [sys.executable, "-m", "gridloop.cli"]
    subprocess.run([*gl, "demo", "--db", db, "--cases", "0"], check=True, cwd=ROOT, capture_output=True, env=env)
    tokens: dict[bool, str] = {}
    for patrol, user in ((False, "operator"), (True, "gridworker")):
        made = subprocess.run([*gl, "token", "create", "--user", user, "--db", db], check=True, cwd=ROOT,
                              capture_output=True, text=True, env=env)  # fmt: skip
        tokens[patrol] = made.stdout.strip()
    rng = random.Random(12345)
    times = _schedule(args.reports, args.seconds, rng)
    reports = _requests(len(times), args.duplicates, args.patrol, rng)
    procs: list[subprocess.Popen[bytes]] = []
    ports = [_port() for _ in range(args.apis)]
    engine = sa.create_engine(db)
    try:
        for port in ports:
            cmd = [sys.executable, "-m", "uvicorn", "gridloop.asgi:app", "--port", str(port), "--log-level", "warning"]
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env))
        apis = [p.pid for p in procs]
        for _ in range(args.workers if args.pg else 0):
            procs.append(subprocess.Popen([*gl, "worker", "triage"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        for port in ports:
            _wait(f"http://127.0.0.1:{port}/healthz")
            warm = json.loads(reports[0][0])
            auth = {"Authorization": f"Bearer {tokens[False]}"}
            httpx.post(f"http://127.0.0.1:{port}/api/v1/cases", json=warm, headers=auth, timeout=300).raise_for_status()
        _drain(engine, 300)  # the workers loaded the classifier
        with engine.connect() as conn:
            first = int(conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM cases")).scalar_one())
        workers = [c for pid in apis for c in children_of(pid)] + [p.pid for p in procs[len(apis) :]]
        cpu0 = {pid: _cpu_seconds(pid) for pid in apis + workers}
        lat, failures, offered_s = asyncio.run(_offer(ports, tokens, reports, times))
        left = _drain(engine, args.drain_timeout)
        cpu = {pid: _cpu_seconds(pid) - before for pid, before in cpu0.items()}
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT received_at, triaged_at, dispatched_at, duplicate_action FROM cases WHERE id > :f"),
                {"f": first},
            ).all()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    from datetime import UTC, datetime, timedelta

    from gridloop.bootstrap import build_container
    from gridloop.cases import jobs
    from gridloop.config import Settings
    from gridloop.kernel.clock import FakeClock

    later = FakeClock(datetime.now(UTC) + timedelta(days=args.tick_after_days))
    container = build_container(Settings(database_url=db, triage_worker_threads=0), clock=later)
    ticks = []
    for _ in range(2):  # the first tick after the day, then a repeated one
        tick_t = time.perf_counter()
        tick = jobs.run_once(container)
        ticks.append({"seconds": round(time.perf_counter() - tick_t, 2), **{k: v for k, v in tick.items()
                                                                            if isinstance(v, int)}})  # fmt: skip
    container.uow.engine.dispose()
    engine.dispose()
    if args.pg:
        _drop_db(args.pg, db)

    def seconds(a: object, b: object) -> float:
        from datetime import datetime

        def at(x: object) -> datetime:
            return x if isinstance(x, datetime) else datetime.fromisoformat(str(x))

        return (at(b) - at(a)).total_seconds()

    triage = [seconds(r, t) for r, t, _, _ in rows if t]
    dispatch = [seconds(r, d) for r, _, d, _ in rows if d]
    print(json.dumps({
        "database": "postgresql" if args.pg else "sqlite",
        "stream": "jetstream" if args.nats else "database queue",
        "processes": {"apis": args.apis, "workers": args.workers if args.pg else "1 (child of the API)"},
        "reports_offered": len(reports), "reports_stored": len(rows), "failed": len(failures),
        "failed_by_kind": dict(sorted(Counter(failures).items())),
        "offered_per_second_peak": round(args.reports * max(PROFILE) / sum(PROFILE) * 24 / args.seconds, 1),
        "offered_seconds": round(offered_s, 1),
        "intake_p50_ms": _pct(lat, 0.5), "intake_p99_ms": _pct(lat, 0.99),
        "triage_lag_p50_ms": _pct(triage, 0.5), "triage_lag_p99_ms": _pct(triage, 0.99),
        "dispatch_lag_p50_ms": _pct(dispatch, 0.5), "dispatch_lag_p99_ms": _pct(dispatch, 0.99),
        "dispatched": len(dispatch), "still_pending": left,
        "duplicates": {k: sum(1 for *_, d in rows if d == k) for k in ("merge", "suggest")},
        "cpu_seconds": {"apis": round(sum(cpu[p] for p in apis), 1), "workers": round(sum(cpu[p] for p in workers), 1)},
        "supervision_tick": {"after_days": args.tick_after_days, "first": ticks[0], "repeated": ticks[1]},
    }, ensure_ascii=False, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
