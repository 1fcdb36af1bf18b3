"""Intake throughput: sustained POST /api/v1/cases per second and p50/p99 latency, one uvicorn worker on SQLite over
loopback, against a bare FastAPI endpoint doing one SQLite insert (baseline, same run). Prints JSON.

POST acknowledges after one durable write; the embedded triage worker (a thread of the same process) triages
afterwards. `triage_lag_p99_ms` is the 99th percentile of "report stored → triage result stored" over the
reports offered at `--rate` (read from the database once the queue is empty).

    .venv/bin/python bench/intake.py [--seconds 10] [--rate 300] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BODY = {
    "title": "楼道墙面渗水",
    "text": "长寿路某小区3号楼楼道墙面渗水严重，物业一直不处理，请尽快解决。",
    "category": "城乡建设",
    "area_code": "310107",
    "reporter": {"name": "张三", "phone": "13812345678"},
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str) -> None:
    for _ in range(200):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def _serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--workers", "1", "--log-level", "warning"]
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})


async def _closed_loop(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> dict[str, float]:
    lat: list[float] = []
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=10) as client:

        async def worker() -> None:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                r = await client.post(url, json=BODY, headers=headers)
                if r.status_code != 201:
                    raise SystemExit(f"unexpected {r.status_code}: {r.text[:200]}")
                lat.append(time.perf_counter() - t)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return _stats(lat, elapsed)


async def _open_loop(url: str, headers: dict[str, str], seconds: float, rate: float) -> dict[str, float]:
    lat: list[float] = []
    failures: list[str] = []
    n = int(seconds * rate)
    async with httpx.AsyncClient(timeout=5, limits=httpx.Limits(max_connections=64)) as client:

        async def one() -> None:
            t = time.perf_counter()
            try:
                r = await client.post(url, json=BODY, headers=headers)
            except httpx.TimeoutException:
                failures.append("timeout")
                return
            except httpx.HTTPError as exc:  # a connection the overloaded server dropped: counted, not fatal
                failures.append(type(exc).__name__)
                return
            if r.status_code != 201:
                failures.append(str(r.status_code))
                return
            lat.append(time.perf_counter() - t)

        t0 = time.perf_counter()
        tasks = []
        for i in range(n):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return {**_stats(lat, elapsed), "failed_or_timed_out": len(failures)}


def _stats(lat: list[float], elapsed: float) -> dict[str, float]:
    lat.sort()
    if not lat:
        return {"requests": 0, "per_second": 0.0, "p50_ms": float("nan"), "p99_ms": float("nan")}
    return {
        "requests": len(lat),
        "per_second": round(len(lat) / elapsed, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 2),
    }


def _max_id(db_file: Path) -> int:
    with sqlite3.connect(db_file) as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()[0])


def _triage_lag(db_file: Path, after_id: int, timeout: float = 120) -> dict[str, float]:
    """Wait until every report after `after_id` is triaged; the lag figures (stored → triaged)."""
    deadline = time.monotonic() + timeout
    with sqlite3.connect(db_file) as conn:
        while time.monotonic() < deadline:
            left = conn.execute(
                "SELECT count(*) FROM cases WHERE id > ? AND triage_status = 'pending'", (after_id,)
            ).fetchone()[0]
            if not left:
                break
            time.sleep(0.2)
        rows = conn.execute(
            "SELECT received_at, triaged_at FROM cases WHERE id > ? AND triaged_at IS NOT NULL", (after_id,)
        ).fetchall()
        pending = conn.execute(
            "SELECT count(*) FROM cases WHERE id > ? AND triage_status = 'pending'", (after_id,)
        ).fetchone()[0]
    from datetime import datetime

    lags = sorted((datetime.fromisoformat(t) - datetime.fromisoformat(r)).total_seconds() for r, t in rows)
    if not lags:
        return {"triaged": 0, "still_pending": pending}
    return {
        "triaged": len(lags),
        "still_pending": pending,
        "p50_ms": round(statistics.median(lags) * 1000, 1),
        "p99_ms": round(lags[max(int(len(lags) * 0.99) - 1, 0)] * 1000, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=float, default=300)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1, help="triage worker threads (0: none, no lag)")
    ap.add_argument(
        "--worker-process",
        action="store_true",
        help="triage in a separate `gridloop worker triage` process instead of a thread of the server",
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gridloop-bench-"))
    db = f"sqlite:///{tmp / 'bench.db'}"
    gl = [sys.executable, "-m", "gridloop.cli"]
    subprocess.run([*gl, "demo", "--db", db, "--cases", "0"], check=True, cwd=ROOT, capture_output=True)
    token = subprocess.run(
        [*gl, "token", "create", "--user", "operator", "--db", db], check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    results: dict[str, object] = {
        "seconds": args.seconds,
        "concurrency": args.concurrency,
        "rate": args.rate,
        "triage_workers": f"{args.workers} {'process' if args.worker_process else 'thread'}",
    }
    port = _port()
    app = _serve(
        "gridloop.asgi:app",
        port,
        {
            "GRIDLOOP_DATABASE_URL": db,
            "GRIDLOOP_LOG_LEVEL": "WARNING",
            "GRIDLOOP_TRIAGE_WORKER_THREADS": "0" if args.worker_process else str(args.workers),
        },
    )
    worker = None
    if args.worker_process and args.workers:
        cmd = [*gl, "worker", "triage", "--db", db, "--threads", str(args.workers)]
        worker = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        url, headers = f"http://127.0.0.1:{port}/api/v1/cases", {"Authorization": f"Bearer {token}"}
        # warm-up: the first report loads the classifier and builds the duplicate index
        httpx.post(url, json=BODY, headers=headers, timeout=300).raise_for_status()
        results["gridloop_max"] = asyncio.run(_closed_loop(url, headers, args.seconds, args.concurrency))
        if args.workers:
            _triage_lag(tmp / "bench.db", 0)  # let the worker catch up before the rate run
        first = _max_id(tmp / "bench.db")
        results["gridloop_at_rate"] = asyncio.run(_open_loop(url, headers, args.seconds, args.rate))
        results["triage_lag_at_rate"] = _triage_lag(tmp / "bench.db", first) if args.workers else {}
        results["triage_lag_p99_ms"] = results["triage_lag_at_rate"].get("p99_ms")
    finally:
        app.terminate()
        app.wait()
        if worker is not None:
            worker.terminate()
            worker.wait()
    port = _port()
    base = _serve("bench._baseline_app:app", port, {"BASELINE_DB": str(tmp / "baseline.db")})
    try:
        _wait(f"http://127.0.0.1:{port}/docs")
        url = f"http://127.0.0.1:{port}/insert"
        results["baseline_max"] = asyncio.run(_closed_loop(url, {}, args.seconds, args.concurrency))
        results["baseline_at_rate"] = asyncio.run(_open_loop(url, {}, args.seconds, args.rate))
    finally:
        base.terminate()
        base.wait()
    gmax, bmax = results["gridloop_max"], results["baseline_max"]
    results["ratio"] = round(gmax["per_second"] / bmax["per_second"], 3)  # type: ignore[index]
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
