"""The triage worker's cost per report: `triage_queue.drain` over N queued realistic reports, in process (no HTTP,
no other thread), on SQLite or PostgreSQL. Prints JSON: reports/s, ms of CPU and SQL statements per report, with
the bare batch classifier pass (`deps.triage.analyse_many` on the same texts) as the same-run baseline.

The reports: hotline messages from the shared data (no category: the model decides, many are auto-dispatched),
Shanghai templates with the category given, and repeats of earlier events (merged as duplicates).

    .venv/bin/python bench/triage_worker.py [--reports 400] [--batch 64] [--pg postgresql+psycopg://…/DB]
    .venv/bin/python bench/triage_worker.py --profile 30     # cProfile of the drain, top 30 by cumulative time
    .venv/bin/python bench/triage_worker.py --one-event  # bench/intake.py's load: one event, reported again and again
    .venv/bin/python bench/triage_worker.py --city-day   # bench/city_day.py's reports (9,973 places, 10 % repeats)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "messages" / "messages_labeled.csv"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from city_day import AREA, TEXTS  # noqa: E402
from city_day import _requests as city_day_requests  # noqa: E402  (the same report templates as the city-day simulation)


def reports(
    n: int, *, seed: int = 7, duplicates: float = 0.15, hotline: float = 0.5
) -> list[tuple[str, str, str | None]]:
    """(title, text, category) of n reports: hotline messages, templates, and repeats of earlier events."""
    rng = random.Random(seed)
    messages: list[str] = []
    if DATA.exists():
        with DATA.open(encoding="utf-8") as f:
            messages = [r["text_original"][:400] for r in csv.DictReader(f) if r["text_original"]]
        rng.shuffle(messages)
    out: list[tuple[str, str, str | None]] = []
    for i in range(n):
        if out and rng.random() < duplicates:
            out.append(rng.choice(out[-40:]))
        elif messages and rng.random() < hotline:
            out.append(("", messages[i % len(messages)], None))
        else:
            title, text, cat = TEXTS[i % len(TEXTS)]
            out.append((title, text.format(n=i % 997 + 1), cat))
    return out


#: The report bench/intake.py sends again and again (one event: every later report is merged into the first).
ONE_EVENT = ("楼道墙面渗水", "长寿路某小区3号楼楼道墙面渗水严重，物业一直不处理，请尽快解决。", "城乡建设")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=400)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--pg", default=None, help="PostgreSQL URL of an empty database (default: SQLite in a temp dir)")
    ap.add_argument(
        "--chunk",
        type=float,
        default=None,
        help="triage_queue.CHUNK_SECONDS (SQLite: a transaction lasts TOLD_CHUNK_FACTOR times it at most)",
    )
    ap.add_argument("--city-day", action="store_true", help="bench/city_day.py's reports (distinct places, repeats)")
    ap.add_argument("--profile", type=int, default=0, help="print the top N functions of a cProfile of the drain")
    ap.add_argument("--dump", default=None, help="write each case's triage outcome to this JSON file")
    ap.add_argument(
        "--one-event", action="store_true", help="every report is bench/intake.py's (each merged into the first)"
    )
    args = ap.parse_args()

    from sqlalchemy import event, select

    from gridloop.bootstrap import build_container
    from gridloop.cases.services import triage_queue
    from gridloop.cases.services.intake import NewCase, receive
    from gridloop.cases.tables import CaseRow
    from gridloop.config import Settings
    from gridloop.kernel.errors import InvalidInput
    from gridloop.platform.org.services import org

    if args.chunk is not None:
        triage_queue.CHUNK_SECONDS = args.chunk
    db = args.pg or f"sqlite:///{Path(tempfile.mkdtemp(prefix='gridloop-tw-')) / 'tw.db'}"
    gl = [sys.executable, "-m", "gridloop.cli"]
    subprocess.run([*gl, "demo", "--db", db, "--cases", "0"], check=True, cwd=ROOT, capture_output=True)
    settings = Settings(database_url=db, triage_worker_threads=0)
    c = build_container(settings)
    assert c.deps.triage is not None, "triage is off"
    with c.uow() as uow:
        operator = org.actor_for(org.get_user(uow.session, "operator"))
    if args.city_day:
        rng = random.Random(12345)
        bodies = [json.loads(b) for b, _ in city_day_requests(args.reports, 0.1, 0.15, rng)]
        items = [(b["title"], b["text"], b.get("category")) for b in bodies]
    else:
        items = reports(args.reports) if not args.one_event else [ONE_EVENT] * args.reports
    c.deps.triage.analyse_many([("", "预热")])  # load the model outside the figures
    kept = []
    for title, text, cat in items:
        try:
            with c.uow() as uow:
                receive(uow, operator, NewCase(title=title, text=text, category=cat, area_code=AREA), deps=c.deps)
        except InvalidInput:  # a message intake refuses (e.g. a hotline text over the length limit): not queued
            continue
        kept.append((title, text, cat))
    refused, items = len(items) - len(kept), kept
    # the first lease builds the duplicate index and the system's actor, outside the figures
    triage_queue.drain(c.uow, deps=c.deps, worker="warm", batch=1, rounds=1)
    n = len(items) - 1

    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    engine = c.uow.engine
    event.listen(engine, "before_cursor_execute", count)
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    w0, c0 = time.perf_counter(), time.process_time()
    done = triage_queue.drain(c.uow, deps=c.deps, worker="bench", batch=args.batch)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    if prof is not None:
        prof.disable()
    event.remove(engine, "before_cursor_execute", count)
    # the baseline: the bare batch classifier pass over the same texts
    texts = [(t, x) for t, x, _ in items[1:]]
    b0, bc0 = time.perf_counter(), time.process_time()
    for k in range(0, len(texts), args.batch):
        c.deps.triage.analyse_many(texts[k : k + args.batch])
    bwall, bcpu = time.perf_counter() - b0, time.process_time() - bc0
    with c.uow() as uow:
        rows = uow.session.execute(
            select(CaseRow.number, CaseRow.status, CaseRow.category, CaseRow.urgency, CaseRow.triage_status,
                   CaseRow.duplicate_action, CaseRow.duplicate_of_id, CaseRow.id, CaseRow.dispatch_auto,
                   CaseRow.suggested_unit)
            .order_by(CaseRow.id)
        ).all()  # fmt: skip
    outcome = [list(r) for r in rows]
    if args.dump:
        Path(args.dump).write_text(json.dumps(outcome, ensure_ascii=False, indent=0), encoding="utf-8")
    print(json.dumps({
        "database": "postgresql" if args.pg else "sqlite",
        "reports": n, "refused_at_intake": refused, "finished": done, "batch": args.batch,
        "reports_per_second": round(done / wall, 1),
        "cpu_ms_per_report": round(cpu * 1000 / max(done, 1), 2),
        "statements_per_report": round(statements / max(done, 1), 1),
        "baseline_analyse_many": {"reports_per_second": round(n / bwall, 1),
                                  "cpu_ms_per_report": round(bcpu * 1000 / max(n, 1), 3)},
        "ratio_cpu": round(cpu / max(bcpu, 1e-9), 1),
        "outcome": {"dispatched": sum(1 for r in rows if r.dispatch_auto),
                    "merged": sum(1 for r in rows if r.duplicate_action == "merge"),
                    "suggested": sum(1 for r in rows if r.duplicate_action == "suggest"),
                    "of_itself_or_a_later_report": sum(1 for r in rows
                                                       if r.duplicate_of_id and r.duplicate_of_id >= r.id),
                    "pending": sum(1 for r in rows if r.triage_status == "pending")},
    }, ensure_ascii=False, indent=2))  # fmt: skip
    if prof is not None:
        import pstats

        st = pstats.Stats(prof, stream=sys.stderr)
        st.sort_stats("cumulative").print_stats(args.profile)
        st.print_callees("lifecycle.py.*\\(perform\\)|subscribers.py.*merge_duplicates|_finish_in")


if __name__ == "__main__":
    main()
