"""Cost of drill isolation on reads: loading N cases with the exercise-mark listeners installed (every loaded row is
checked for `exercise_run_id`) against the same loads with the listeners removed (baseline, same run). Prints JSON.

    PYTHONPATH=src .venv/bin/python bench/exercise_marks.py [--cases 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from gridloop.bootstrap import build_container
    from gridloop.cases.tables import CaseRow
    from gridloop.config import Settings
    from gridloop.demo import city
    from gridloop.demo.bulk import bulk_demo_cases
    from gridloop.platform.db import exercise
    from gridloop.platform.db.base import Base
    from gridloop.platform.db.migrate import upgrade

    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'bench.db'}"
    container = build_container(Settings(database_url=url, triage_enabled=False))
    upgrade(container.uow.engine)
    now = datetime.now(UTC)
    with container.uow() as uow:
        city.build_org(uow.session, now=now)
        bulk_demo_cases(uow.session, count=args.cases, now=now, days=60)
        uow.commit()

    def load() -> float:
        best = float("inf")
        for _ in range(args.repeat):
            with Session(container.uow.engine) as s:
                t = time.perf_counter()
                n = len(s.scalars(select(CaseRow)).all())
                best = min(best, time.perf_counter() - t)
            assert n >= args.cases
        return best

    exercise.install(Base)  # as every session factory does
    marked = load()
    event.remove(Base, "load", exercise.on_load)
    event.remove(Session, "before_flush", exercise.on_flush)
    bare = load()
    print(json.dumps({"cases": args.cases, "best_of": args.repeat, "load_s_with_marks": round(marked, 4),
                      "load_s_baseline": round(bare, 4), "ratio": round(marked / bare, 3)}))  # fmt: skip


if __name__ == "__main__":
    main()
