"""Server time of console pages with many cases: the case list and the operations board, p50/p95 over repeated
loads, against the bare list query (the same service call, no rendering) measured in the same run.

    python bench/console.py                       # SQLite in a temp dir, 200,000 cases
    python bench/console.py --pg postgresql+psycopg://city:city@127.0.0.1/city --cases 10000000 --keep
        (a role allowed to create databases; a fresh database is created and dropped afterwards unless --keep;
        cases beyond --seed-cases are copies of the generated ones made in SQL, bench/console_load.py)
    python bench/console.py --db postgresql+psycopg://city:city@127.0.0.1/gl_bench_…   # measure a kept one again

Pages are requested in-process (Starlette TestClient, no network), logged in through the login form.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def _stats(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": _pct(samples, 0.95), "n": len(samples)}


def _time(fn, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("GRIDLOOP_BENCH_PG_URL"), help="admin URL of PostgreSQL")
    parser.add_argument("--cases", type=int, default=None, help="cases to generate (1,000,000 PG / 200,000 SQLite)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--users", help="comma-separated subset of the users measured (default: all)")
    parser.add_argument("--pages", help="comma-separated subset of the page keys measured (default: all)")
    parser.add_argument(
        "--seed-cases", type=int, default=200_000, help="PostgreSQL: cases generated in Python, the rest copied in SQL"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated database (its URL is printed)")
    parser.add_argument("--load-only", action="store_true", help="load (implies --keep), measure nothing")
    parser.add_argument("--db-name", help="name of the database to create (default gl_bench_<random>)")
    parser.add_argument("--db", help="measure an already loaded database (from --keep) instead of generating one")
    args = parser.parse_args()
    args.keep = args.keep or args.load_only

    from sqlalchemy import create_engine, event, text
    from sqlalchemy.engine import make_url

    from gridloop.bootstrap import build_container, create_app
    from gridloop.cases.services import queries
    from gridloop.cases.services.board_cache import BoardCache
    from gridloop.config import Settings
    from gridloop.demo import city as demo
    from gridloop.demo.bulk import bulk_demo_cases as bulk_cases
    from gridloop.platform.db.migrate import upgrade
    from gridloop.platform.org.services import org

    count = args.cases or (1_000_000 if args.pg else 200_000)
    admin_engine = None
    if args.db:
        dbname, url = None, args.db
    elif args.pg:
        admin_engine = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        dbname = args.db_name or f"gl_bench_{uuid.uuid4().hex[:8]}"
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        url = make_url(args.pg).set(database=dbname).render_as_string(hide_password=False)
    else:
        dbname = None
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gl-bench-')}/bench.db"
    now = datetime.now(UTC)
    container = build_container(Settings(database_url=url, secret_key="bench-" + "x" * 40))
    try:
        t0 = time.perf_counter()
        if not args.db:
            upgrade(container.uow.engine)
            with container.uow() as uow:
                demo.build_org(uow.session, now=now - timedelta(days=400))
                uow.commit()

            def make_seed(n: int) -> None:
                with container.uow() as uow:
                    bulk_cases(uow.session, count=n, now=now, days=365, batch=10_000)
                    uow.commit()

            if container.uow.engine.dialect.name == "postgresql":
                from bench.console_load import fast_load

                log = functools.partial(print, file=sys.stderr, flush=True)
                fast_load(container.uow.engine, count=count, make_seed=make_seed, seed_count=args.seed_cases, log=log)
            else:
                make_seed(count)
                with container.uow.engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
        else:
            with container.uow() as uow:
                count = int(uow.session.execute(text("SELECT count(*) FROM cases")).scalar_one())
        load_s = time.perf_counter() - t0
        if args.load_only:
            print(json.dumps({"cases": count, "load_seconds": round(load_s, 1), "kept_database": url}))
            return

        from fastapi.testclient import TestClient

        from tests.web_helpers import login

        app = create_app(container=container)
        results: dict[str, object] = {}
        users = {
            "admin": ["list", "queue", "inbox", "board"],  # the whole city
            "supervisor": ["list", "board"],  # one district (area subtree + assigned units)
            "dispatcher": ["queue"],  # the city's dispatch desk
            "putuo_housing": ["list", "inbox"],  # a handling department (assigned cases only)
            "gridworker": ["list", "inbox"],  # one grid
        }
        pages_of = {
            "list": {
                "case_list_page": "/cases",
                "case_list_page_filtered": "/cases?status=in_progress&sort=due_at",
                "case_list_page_100": "/cases?page=100",
                # page 100 as the pager's 下一页 link reaches it: after the last row of page 99 (seek paging)
                "case_list_page_100_link": "/cases?page=100&after={last_of_99}",
            },
            "queue": {"queue_page_new": "/queue?tab=new", "queue_page_returned": "/queue?tab=returned"},
            "inbox": {"inbox_page": "/inbox"},
            "board": {"board_page": "/board", "board_page_cached": "/board"},
        }
        if args.users:
            users = {k: v for k, v in users.items() if k in args.users.split(",")}
        with container.uow() as uow:
            actors = {name: org.actor_for(org.get_user(uow.session, name)) for name in users}
        for name, kinds in users.items():
            client = TestClient(app)
            login(client, name)
            actor = actors[name]

            def bare(actor=actor) -> None:
                with container.uow() as uow:
                    queries.list_cases(uow.session, actor, queries.CaseFilter(), now=now, page=1, per_page=50)

            def by_id() -> None:
                # the same in every version of the code: 50 cases by primary key (the machine's speed right now)
                with container.uow() as uow:
                    uow.session.execute(text("SELECT * FROM cases WHERE id BETWEEN 1000 AND 1049")).all()

            base = _time(bare, args.repeat)
            row: dict[str, object] = {"bare_list_query": _stats(base), "fifty_by_id": _stats(_time(by_id, args.repeat))}
            pages = {key: path for kind in kinds for key, path in pages_of[kind].items()}
            if args.pages:
                pages = {k: v for k, v in pages.items() if k in args.pages.split(",")}
            for key, path in pages.items():
                if "{last_of_99}" in path:
                    try:
                        from gridloop.cases.services import paging
                    except ImportError:  # code from before seek paging
                        continue
                    with container.uow() as uow:
                        rows, _ = queries.list_cases(
                            uow.session, actor, queries.CaseFilter(), now=now, page=99, per_page=50, with_total=False
                        )
                        path = path.format(last_of_99=quote(paging.token(rows[-1], "-received_at")))
                # The board is measured cold (cache off) and then as most loads see it (kept for a minute).
                app.state.board_cache = BoardCache(ttl_seconds=3600) if key == "board_page_cached" else None
                queries_seen: list[str] = []

                def remember(conn, cursor, statement, parameters, context, executemany, seen=queries_seen) -> None:
                    seen.append(statement)

                event.listen(container.uow.engine, "before_cursor_execute", remember)
                client.get(path).raise_for_status()
                event.remove(container.uow.engine, "before_cursor_execute", remember)
                # a rebuilt board takes seconds at millions of cases: fewer loads (its p95 is then the slowest)
                n = min(args.repeat, 5) if key == "board_page" else args.repeat
                samples = _time(
                    lambda path=path, client=client: client.get(path).raise_for_status(), n, warmup=1 if n < 10 else 3
                )
                stats = _stats(samples)
                stats["ratio_to_bare_list_p50"] = round(stats["p50_ms"] / row["bare_list_query"]["p50_ms"], 2)
                stats["queries"] = len(queries_seen)
                row[key] = stats
            results[name] = row
        print(
            json.dumps(
                {
                    "benchmark": "console pages",
                    "database": container.uow.engine.dialect.name,
                    "cases": count,
                    "load_seconds": round(load_s, 1),
                    "repeat": args.repeat,
                    "note": "in-process requests (TestClient), server time incl. rendering; admin = whole city; "
                    "queries = SQL statements of one load (the server-side session's included)",
                    "results": results,
                    "kept_database": url if args.keep and not args.db else None,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    finally:
        container.uow.engine.dispose()
        if admin_engine is not None and dbname and not args.keep:
            with admin_engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin_engine.dispose()


if __name__ == "__main__":
    main()
