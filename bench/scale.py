"""Scale-out on PostgreSQL + NATS JetStream: reports/s and triage lag with 1 and 2 API processes × 1 and 2 triage
worker processes, against same-run baselines (a bare PostgreSQL insert loop; a bare JetStream publish + pull
consume). Prints JSON.

    .venv/bin/python bench/scale.py --pg postgresql+psycopg://city:city@127.0.0.1:5432/city --nats nats://127.0.0.1:4222
        [--seconds 8] [--concurrency 8] [--configs 1x1,2x1,1x2,2x2]

Each configuration gets a fresh database (created through --pg's server) and its own subject prefix.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake import BODY, _port, _stats, _wait

ROOT = Path(__file__).resolve().parents[1]


#: Prefix of the databases this bench creates (and drops when done): `--db-prefix`.
DB_PREFIX = ["gl_scale"]


def _new_db(admin_url: str) -> str:
    name = f"{DB_PREFIX[0]}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_db(admin_url: str, db: str) -> None:
    name = make_url(db).database
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def _load(urls: list[str], headers: dict[str, str], seconds: float, concurrency: int) -> dict[str, float]:
    lat: list[float] = []
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker(k: int) -> None:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                r = await client.post(urls[k % len(urls)], json=BODY, headers=headers)
                if r.status_code == 201:
                    lat.append(time.perf_counter() - t)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        return _stats(lat, time.perf_counter() - t0)


def _lag(db: str, timeout: float = 180) -> dict[str, float | int | None]:
    engine = sa.create_engine(db)
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            left = conn.execute(sa.text("SELECT count(*) FROM cases WHERE triage_status = 'pending'")).scalar()
            if not left:
                break
            time.sleep(0.3)
            conn.rollback()
        rows = conn.execute(sa.text("SELECT received_at, triaged_at FROM cases WHERE triaged_at IS NOT NULL")).all()
        t_first, t_last = conn.execute(sa.text("SELECT min(received_at), max(triaged_at) FROM cases")).one()
    engine.dispose()
    lags = sorted((t - r).total_seconds() for r, t in rows)
    span = (t_last - t_first).total_seconds() if t_first and t_last else 0
    return {
        "triaged": len(lags),
        "still_pending": left,
        "triaged_per_second": round(len(lags) / span, 1) if span else None,
        "lag_p50_ms": round(lags[len(lags) // 2] * 1000, 1) if lags else None,
        "lag_p99_ms": round(lags[max(int(len(lags) * 0.99) - 1, 0)] * 1000, 1) if lags else None,
    }


def _config(args: argparse.Namespace, apis: int, workers: int) -> dict[str, object]:
    db = _new_db(args.pg)
    prefix = f"scale{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "GRIDLOOP_DATABASE_URL": db, "GRIDLOOP_NATS_URL": args.nats, "GRIDLOOP_NATS_PREFIX": prefix,
           "GRIDLOOP_LOG_LEVEL": "WARNING", "GRIDLOOP_TRIAGE_WORKER_THREADS": "0"}  # fmt: skip
    gl = [sys.executable, "-m", "gridloop.cli"]
    subprocess.run([*gl, "demo", "--db", db, "--cases", "0"], check=True, cwd=ROOT, capture_output=True, env=env)
    token = subprocess.run([*gl, "token", "create", "--user", "operator", "--db", db], check=True, cwd=ROOT,
                           capture_output=True, text=True, env=env).stdout.strip()  # fmt: skip
    procs, urls = [], []
    try:
        for _ in range(apis):
            port = _port()
            cmd = [sys.executable, "-m", "uvicorn", "gridloop.asgi:app", "--port", str(port), "--log-level", "warning"]
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env))
            urls.append(f"http://127.0.0.1:{port}/api/v1/cases")
        for _ in range(workers):
            procs.append(subprocess.Popen([*gl, "worker", "triage"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        for u in urls:
            _wait(u.replace("/api/v1/cases", "/healthz"))
            httpx.post(u, json=BODY, headers=headers, timeout=300)
        _lag(db)  # warm-up: the workers have loaded the classifier before the measured load
        intake = asyncio.run(_load(urls, headers, args.seconds, args.concurrency))
        return {"apis": apis, "workers": workers, "intake": intake, "triage": _lag(db)}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        _drop_db(args.pg, db)


def _bare_pg(admin_url: str, seconds: float, concurrency: int) -> dict[str, float]:
    db = _new_db(admin_url)
    engine = sa.create_engine(db, pool_size=concurrency)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id serial PRIMARY KEY, body text)"))
    lat: list[float] = []
    stop = time.perf_counter() + seconds

    def loop() -> None:
        while time.perf_counter() < stop:
            t = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO t (body) VALUES (:b)"), {"b": json.dumps(BODY, ensure_ascii=False)})
            lat.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    engine.dispose()
    _drop_db(admin_url, db)
    return _stats(lat, elapsed)


def _bare_jetstream(url: str, n: int) -> dict[str, float]:
    from gridloop.platform.stream import StreamClient, Subjects

    subjects = Subjects(f"bare{uuid.uuid4().hex[:6]}")
    client = StreamClient(url)
    client.ensure_stream(subjects.intake_stream, [subjects.intake()])
    t0 = time.perf_counter()
    for i in range(n):
        client.publish(subjects.intake("phone"), str(i).encode())
    published = time.perf_counter() - t0
    consumer = client.pull(subjects.intake_stream, "bare", subjects.intake())
    got = 0
    t1 = time.perf_counter()
    while got < n:
        msgs = consumer.fetch(100, timeout=2)
        if not msgs:
            break
        for m in msgs:
            m.ack()
        got += len(msgs)
    consumed = time.perf_counter() - t1
    client.delete_stream(subjects.intake_stream)
    client.close()
    return {"messages": n, "publish_per_second": round(n / published, 1),
            "consume_per_second": round(got / consumed, 1) if consumed else 0.0}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", required=True, help="PostgreSQL URL of a role that may create databases")
    ap.add_argument("--nats", required=True)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--configs", default="1x1,2x1,1x2,2x2", help="APIxWORKERS, comma-separated")
    ap.add_argument("--db-prefix", default="gl_scale", help="prefix of the databases made (and dropped) for the runs")
    args = ap.parse_args()
    DB_PREFIX[0] = args.db_prefix
    out: dict[str, object] = {"seconds": args.seconds, "concurrency": args.concurrency, "cores": os.cpu_count()}
    out["baseline_pg_insert"] = _bare_pg(args.pg, args.seconds, args.concurrency)
    out["baseline_jetstream"] = _bare_jetstream(args.nats, 2000)
    runs = []
    for spec in args.configs.split(","):
        a, w = (int(x) for x in spec.split("x"))
        runs.append(_config(args, a, w))
    out["runs"] = runs
    base = out["baseline_pg_insert"]["per_second"]  # type: ignore[index]
    out["ratio_vs_pg_insert"] = {f"{r['apis']}x{r['workers']}": round(r["intake"]["per_second"] / base, 3)  # type: ignore[index]
                                 for r in runs}  # fmt: skip
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
