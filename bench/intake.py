"""Intake throughput: sustained POST /api/v1/cases per second and p50/p99 latency, one uvicorn worker on SQLite over
loopback, against a bare FastAPI endpoint doing one SQLite insert (baseline, same run). Prints JSON.

POST acknowledges after one durable write; the embedded triage worker triages afterwards: by default (as `serve`
does) a child worker process at a lower CPU priority (`--mode process`; `thread`: threads of the server, the old
default; `separate`: a `gridloop worker triage` started apart; `none`). A second server with no triage at all is
measured in the same run (`no_triage_*`, `ratio_no_triage`) for comparison. `triage_lag_p99_ms` is the 99th
percentile of "report stored → triage result stored" over the reports offered at `--rate` (read from the database
once the queue is empty). Each phase also gives `server_cpu_ms_per_request`: the API process's CPU time per answered
request (with `--mode thread` it includes triage), the figure least moved by other load on the machine;
`worker_cpu_ms_per_report` is the worker process's CPU per triaged report.

    .venv/bin/python bench/intake.py [--seconds 10] [--rate 300] [--concurrency 8] [--mode process]
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
from collections.abc import Callable
from pathlib import Path

import httpx

from gridloop.platform.childproc import children_of

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
    """Offer `rate` requests a second for `seconds` over `CONNECTIONS` keep-alive connections; a request's latency
    runs from when it was due (waiting for a free connection counts, as a caller would wait).

    A bare HTTP/1.1 client on asyncio streams: httpx's pool, with hundreds of requests waiting for a connection,
    spends more CPU than the server under test (the bare baseline offered 300/s managed 76/s through it, against
    222/s in the closed loop of the same run)."""
    lat: list[float] = []
    failures: list[str] = []
    n = int(seconds * rate)
    parsed = httpx.URL(url)
    body = json.dumps(BODY, ensure_ascii=False).encode()
    head = [f"POST {parsed.raw_path.decode()} HTTP/1.1", f"Host: {parsed.host}:{parsed.port}"]
    head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    due: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    workers = [
        asyncio.create_task(send_when_due(parsed.host, parsed.port or 80, due, lat, failures, timeout=5))
        for _ in range(CONNECTIONS)
    ]
    t0 = time.perf_counter()
    for i in range(n):
        at = t0 + i / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait((at, request))
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - t0
    return {**_stats(lat, elapsed), "failed_or_timed_out": len(failures)}


#: Keep-alive connections of the open loop (as many as the httpx pool it replaced allowed).
CONNECTIONS = 64
#: A keep-alive connection idle this long is opened again before use (uvicorn closes idle ones after 5 s; a request
#: written into a connection the server is closing is lost in flight, as no real client would let it be).
IDLE_S = 4.0


async def send_when_due(
    host: str,
    port: int,
    due: asyncio.Queue[tuple[float, bytes] | None],
    lat: list[float],
    failures: list[str],
    *,
    timeout: float,
) -> None:
    """One keep-alive connection of an open-loop client: send each (due time, raw HTTP request) taken from `due`
    until None, noting the latency from the due time of each 201 in `lat` and anything else in `failures`."""
    reader = writer = None
    used = 0.0
    while (item := await due.get()) is not None:
        at, raw = item
        try:
            if writer is not None and (reader is None or reader.at_eof() or time.perf_counter() - used > IDLE_S):
                writer.close()  # as an HTTP client does: never reuse a connection the server may have closed
                reader = writer = None
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            writer.write(raw)
            status, length = await asyncio.wait_for(_response_head(reader), timeout=timeout)
            await reader.readexactly(length)
            used = time.perf_counter()
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            failures.append("timeout" if isinstance(exc, TimeoutError) else type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        if status != 201:
            failures.append(str(status))
            continue
        lat.append(used - at)
    if writer is not None:
        writer.close()


async def _response_head(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Status and Content-Length of the next response on a keep-alive connection."""
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return status, length


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


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _with_cpu(pid: int, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Run a load phase and add the server's CPU milliseconds per answered request (robust on a busy machine)."""
    before = _cpu_seconds(pid)
    figures = run()
    used = _cpu_seconds(pid) - before
    return {**figures, "server_cpu_ms_per_request": round(used * 1000 / max(figures["requests"], 1), 3)}


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


def _gridloop_phases(args: argparse.Namespace, tmp: Path, db: str, token: str, mode: str) -> dict[str, object]:
    """One gridloop server (one uvicorn worker) with triage hosted as `mode`: the closed loop, then the open loop at
    `--rate` with the triage lag of the reports it offered. CPU per request is the API process's alone; the
    worker's (child or separate process) is `worker_cpu_ms_per_report`."""
    gl = [sys.executable, "-m", "gridloop.cli"]
    db_file = tmp / "bench.db"
    triage = mode != "none" and args.workers > 0
    env = {
        "GRIDLOOP_DATABASE_URL": db,
        "GRIDLOOP_LOG_LEVEL": "WARNING",
        "GRIDLOOP_TRIAGE_WORKER_MODE": {"separate": "none"}.get(mode, mode),
        "GRIDLOOP_TRIAGE_WORKER_THREADS": str(args.workers),
    }
    port = _port()
    app = _serve("gridloop.asgi:app", port, env)
    worker = None
    if mode == "separate" and args.workers:
        cmd = [*gl, "worker", "triage", "--db", db, "--threads", str(args.workers)]
        worker = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, object] = {}
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        url, headers = f"http://127.0.0.1:{port}/api/v1/cases", {"Authorization": f"Bearer {token}"}
        # warm-up: the first report loads the classifier and builds the duplicate index
        r = httpx.post(url, json=BODY, headers=headers, timeout=300)
        r.raise_for_status()
        if triage:  # the worker (a cold child loads the classifier) finished its first report
            _triage_lag(db_file, int(r.json()["id"]) - 1, timeout=300)
        workers = [worker.pid] if worker is not None else children_of(app.pid)

        def worker_cpu() -> float:
            return sum(_cpu_seconds(p) for p in workers)

        before = worker_cpu()
        out["max"] = _with_cpu(app.pid, lambda: asyncio.run(_closed_loop(url, headers, args.seconds, args.concurrency)))
        if triage:
            _triage_lag(db_file, 0, timeout=args.drain_timeout)  # let the worker catch up before the rate run
        first = _max_id(db_file)
        out["at_rate"] = _with_cpu(app.pid, lambda: asyncio.run(_open_loop(url, headers, args.seconds, args.rate)))
        if triage:
            out["lag"] = _triage_lag(db_file, first, timeout=args.drain_timeout)
            with sqlite3.connect(db_file) as conn:
                triaged = conn.execute("SELECT count(*) FROM cases WHERE triaged_at IS NOT NULL").fetchone()[0]
            if workers:  # a worker process (in thread mode its CPU is in the server's figure)
                out["worker_cpu_ms_per_report"] = round((worker_cpu() - before) * 1000 / max(triaged - 1, 1), 2)
    finally:
        app.terminate()
        app.wait()
        if worker is not None:
            worker.terminate()
            worker.wait()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=float, default=300)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1, help="triage worker threads (0: none, no lag)")
    ap.add_argument(
        "--mode",
        choices=["process", "thread", "separate", "none"],
        default="process",
        help="how triage runs: serve's child worker process (the default of serve), threads of the server, a "
        "`gridloop worker triage` started apart, or none",
    )
    ap.add_argument("--no-compare", action="store_true", help="skip the phase with no triage in the server")
    ap.add_argument("--drain-timeout", type=float, default=180, help="seconds to wait for triage to catch up")
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
        "triage_workers": f"{args.workers} {args.mode}",
    }
    phases = _gridloop_phases(args, tmp, db, token, args.mode)
    results["gridloop_max"] = phases["max"]
    results["gridloop_at_rate"] = phases["at_rate"]
    results["triage_lag_at_rate"] = phases.get("lag", {})
    results["triage_lag_p99_ms"] = results["triage_lag_at_rate"].get("p99_ms")  # type: ignore[attr-defined]
    results["worker_cpu_ms_per_report"] = phases.get("worker_cpu_ms_per_report")
    if not args.no_compare and args.mode != "none":
        bare = _gridloop_phases(args, tmp, db, token, "none")
        results["no_triage_max"] = bare["max"]
        results["no_triage_at_rate"] = bare["at_rate"]
    port = _port()
    base = _serve("bench._baseline_app:app", port, {"BASELINE_DB": str(tmp / "baseline.db")})
    try:
        _wait(f"http://127.0.0.1:{port}/docs")
        url = f"http://127.0.0.1:{port}/insert"
        results["baseline_max"] = _with_cpu(
            base.pid, lambda: asyncio.run(_closed_loop(url, {}, args.seconds, args.concurrency))
        )
        results["baseline_at_rate"] = _with_cpu(
            base.pid, lambda: asyncio.run(_open_loop(url, {}, args.seconds, args.rate))
        )
    finally:
        base.terminate()
        base.wait()
    gmax, bmax = results["gridloop_max"], results["baseline_max"]
    results["ratio"] = round(gmax["per_second"] / bmax["per_second"], 3)  # type: ignore[index]
    if "no_triage_max" in results:
        results["ratio_no_triage"] = round(results["no_triage_max"]["per_second"] / bmax["per_second"], 3)  # type: ignore[index]
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
