"""Benchmark: one supervision tick over N generated open cases vs an indexed count of the same overdue set.

    PYTHONPATH=src python bench/sla_tick.py [--cases 1000000] [--pg postgresql+psycopg://...]

SQLite always; PostgreSQL too when --pg or GRIDLOOP_TEST_PG_URL is given (tables go to a throwaway schema
`gridloop_bench`). Prints JSON: per backend the baseline (SELECT count(*) of the due-soon/overdue range, which
the index (status, due_at) covers), the first tick (which flags every overdue case once), the steady tick
(same instant again: idempotent, nothing to do) and a tick one hour later, each with its ratio to the
baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from gridloop import schema
from gridloop.cases.domain.supervision import TIMED_STATUSES, EscalationPolicy
from gridloop.cases.services.supervision import tick
from gridloop.cases.tables import CaseRow
from gridloop.dispatch.adapters.calendar import ChineseWorkCalendar
from gridloop.org.tables import UnitRow
from gridloop.platform.db.engine import build_engine, session_factory

NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)  # Tue 20 Oct 2026 10:00 in Shanghai
STATUSES = ["dispatched", "signed", "in_progress", "awaiting_review", "awaiting_callback", "return_review"]


def _org(engine: Engine) -> list[tuple[int, str]]:
    rows: list[tuple[int, str]] = []
    with session_factory(engine)() as s:
        city = UnitRow(code="310000", name="市城运中心", kind="area", level="city", path="", created_at=NOW)
        s.add(city)
        s.flush()
        city.path = f"/{city.id}/"
        for i in range(16):
            d = UnitRow(
                code=f"D{i}",
                name=f"区{i}",
                kind="area",
                level="district",
                parent_id=city.id,
                path="",
                area_code=f"3101{i:02d}",
                created_at=NOW,
            )
            s.add(d)
            s.flush()
            d.path = f"{city.path}{d.id}/"
            for j in range(5):
                u = UnitRow(
                    code=f"D{i}-{j}",
                    name=f"区{i}部门{j}",
                    kind="department",
                    level="district",
                    parent_id=d.id,
                    path="",
                    created_at=NOW,
                )
                s.add(u)
                s.flush()
                u.path = f"{d.path}{u.id}/"
                rows.append((u.id, u.path))
        s.commit()
    return rows


def _generate(engine: Engine, n: int, units: list[tuple[int, str]], seed: int = 7) -> None:
    rng = random.Random(seed)
    table = CaseRow.__table__
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(n):
            due = NOW + timedelta(minutes=rng.randint(-30 * 24 * 60, 30 * 24 * 60))
            unit_id, _path = units[i % len(units)]
            batch.append(
                {
                    "number": f"B{i:09d}",
                    "title": "t",
                    "text": "t",
                    "channel": "phone",
                    "request_type": "complaint",
                    "urgency": "normal",
                    "status": STATUSES[i % len(STATUSES)],
                    "received_at": due - timedelta(days=7),
                    "updated_at": due - timedelta(days=7),
                    "due_at": due,
                    "lead_unit_id": unit_id,
                    "district_code": "310107",
                    "attachments": [],
                    "tags": [],
                    "supervised": False,
                    "return_count": 0,
                    "reopen_count": 0,
                    "version": 1,
                    "sla_level": 0,
                }
            )
            if len(batch) == 20000:
                conn.execute(insert(table), batch)
                batch.clear()
        if batch:
            conn.execute(insert(table), batch)


def _timed(fn: Any, repeat: int = 1) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def run(url: str, n: int, *, label: str) -> dict[str, Any]:
    """Build, fill, measure one backend."""
    engine = build_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS gridloop_bench CASCADE"))
            conn.execute(text("CREATE SCHEMA gridloop_bench"))
        engine.dispose()
        engine = build_engine(url)
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _path(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("SET search_path TO gridloop_bench")
            cur.close()

    schema.metadata().create_all(engine)
    units = _org(engine)
    t_gen, _ = _timed(lambda: _generate(engine, n, units))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    policy = EscalationPolicy()
    calendar = ChineseWorkCalendar()
    horizon = NOW + timedelta(hours=policy.due_soon_hours)
    factory = session_factory(engine)

    def count() -> int:
        with engine.connect() as conn:
            stmt = (
                select(func.count())
                .select_from(CaseRow)
                .where(CaseRow.status.in_(TIMED_STATUSES), CaseRow.due_at <= horizon)
            )
            return int(conn.execute(stmt).scalar_one())

    t_count, overdue_set = _timed(count, repeat=3)

    def one_tick(at: datetime) -> dict[str, Any]:
        with factory() as s:
            r = tick(s, now=at, calendar=calendar, policy=policy)
            s.commit()
            return r.as_dict()

    t_first, first = _timed(lambda: one_tick(NOW))
    t_steady, steady = _timed(lambda: one_tick(NOW), repeat=3)
    t_hour, hour = _timed(lambda: one_tick(NOW + timedelta(hours=1)))
    engine.dispose()
    return {
        "backend": label,
        "cases": n,
        "generate_s": round(t_gen, 2),
        "overdue_or_due_soon_set": overdue_set,
        "baseline_count_s": round(t_count, 4),
        "first_tick_s": round(t_first, 3),
        "first_tick": first,
        "first_tick_ratio": round(t_first / t_count, 1),
        "steady_tick_s": round(t_steady, 4),
        "steady_tick": steady,
        "steady_tick_ratio": round(t_steady / t_count, 2),
        "tick_one_hour_later_s": round(t_hour, 4),
        "tick_one_hour_later": hour,
        "tick_one_hour_later_ratio": round(t_hour / t_count, 2),
    }


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--pg", default=os.environ.get("GRIDLOOP_TEST_PG_URL"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.cases, label="sqlite"))
    if args.pg:
        results.append(run(args.pg, args.cases, label="postgresql"))
    print(json.dumps({"benchmark": "sla_tick", "now": NOW.isoformat(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
