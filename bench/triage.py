"""Batch triage throughput: messages/s end to end (`run_batch`: JSONL in → triage, duplicates → JSONL out)
against the classifier's bare batch predict on the same texts (baseline, one process). End to end is measured twice
in the same run: in one process (`workers=1`) and with worker processes (`--workers`, default one per usable core,
as `gridloop triage` does); the two outputs must be byte-identical. Prints JSON; the keys of before are kept:
`end_to_end_msgs_per_s`, `ratio_end_to_end_over_baseline` and `cpu_time_end_to_end_msgs_per_cpu_s` are the run
with workers (what `gridloop triage` does by default), `end_to_end_without_dedup_msgs_per_s` is one process; the
one-process run has its own keys (`…_one_process_…`), and `workers` says how many worker processes ran.

Messages are resampled (with replacement, seed 2020) from the shared data: labelled texts, hot issues,
replies; each gets a fresh id and a time spread over ten days. The machine is shared, so rates per CPU-second of
this process and the load average are printed next to the wall-clock rates (with workers, the CPU time counts this
process and its workers). Usage:
  python bench/triage.py [--n 100000] [--workers 0] [--shared ../shared/data] [--model var/models/classifier.joblib]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gridloop.config import Settings
from gridloop.triage.adapters.models import resolve_model
from gridloop.triage.cli.batch import batch_workers, prefer_small_pages, run_batch
from gridloop.triage.plug import build_triage


def _sources(shared: Path) -> list[tuple[str, str]]:
    csv.field_size_limit(sys.maxsize)
    out: list[tuple[str, str]] = []
    with (shared / "messages" / "messages_labeled.csv").open(encoding="utf-8") as fh:
        out += [("", r["text_original"]) for r in csv.DictReader(fh) if r["text_original"]]
    for name in ("hot_issues.csv", "replies.csv"):
        with (shared / "messages" / name).open(encoding="utf-8") as fh:
            out += [(r["留言主题"], r["留言详情"]) for r in csv.DictReader(fh)]
    return out


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--shared", type=Path, default=Path("../shared/data"))
    ap.add_argument("--model", type=Path, default=Path("var/models/classifier.joblib"))
    ap.add_argument("--workers", type=int, default=0, help="worker processes (0: one per usable core)")
    args = ap.parse_args()
    workers = batch_workers(args.workers)
    prefer_small_pages()  # as `gridloop triage` does first (before anything allocates): baseline and batch alike
    rng = random.Random(2020)
    pool = _sources(args.shared)
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    items = [rng.choice(pool) for _ in range(args.n)]
    settings = Settings(shared_data_dir=args.shared, model_path=args.model if args.model.is_file() else None)
    model = resolve_model(explicit=settings.model_path, active=None, shared_data_dir=args.shared)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for i, (title, text) in enumerate(items):
                when = t0 + timedelta(seconds=i * 864_000 / args.n)
                rec = {"id": f"m{i}", "title": title, "text": text, "reported_at": when.isoformat()}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        started, cpu = time.perf_counter(), time.process_time()
        model.predict([f"{t} {x}" for t, x in items])
        baseline_s, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu
        triage = build_triage(settings, classifier=lambda: model)
        # one-time costs of a process, reported apart from the rate: the rules' compiled regexes and jieba's
        # dictionary (loaded when a word match needs segmenting, ≈1–2 s)
        started = time.perf_counter()
        triage.analyse_many([("", "非机动车道旁边着火了，防火门被锁"), *items[:200]])
        warmup_s = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        stats = run_batch(src, dst, triage=triage, progress=False, dedup=True, workers=1)
        e2e_s, e2e_cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        run_batch(src, Path(tmp) / "out2.jsonl", triage=triage, progress=False, dedup=False, workers=1)
        nodedup_s = time.perf_counter() - started
        # with worker processes (their CPU time is counted once they have exited, at the end of run_batch)
        dst_w = Path(tmp) / "out_workers.jsonl"
        started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        run_batch(src, dst_w, triage=triage, progress=False, dedup=True, workers=workers)
        multi_s = time.perf_counter() - started
        main_cpu, workers_cpu = time.process_time() - cpu, _children_cpu() - children
        multi_cpu = main_cpu + workers_cpu
        identical = dst_w.read_bytes() == dst.read_bytes()
    result = {
        "messages": args.n,
        "baseline_bare_predict_msgs_per_s": round(args.n / baseline_s),
        "end_to_end_msgs_per_s": round(args.n / multi_s),
        "workers": workers,
        "usable_cores": batch_workers(0),
        "end_to_end_one_process_msgs_per_s": round(args.n / e2e_s),
        "end_to_end_without_dedup_msgs_per_s": round(args.n / nodedup_s),
        "ratio_end_to_end_over_baseline": round(baseline_s / multi_s, 3),
        "ratio_end_to_end_one_process_over_baseline": round(baseline_s / e2e_s, 3),
        "ratio_workers_over_one_process": round(e2e_s / multi_s, 3),
        "output_identical_to_one_process": identical,
        "cpu_time_baseline_msgs_per_cpu_s": round(args.n / baseline_cpu),
        "cpu_time_end_to_end_msgs_per_cpu_s": round(args.n / multi_cpu),
        "cpu_time_end_to_end_one_process_msgs_per_cpu_s": round(args.n / e2e_cpu),
        # where the CPU time of the run with workers went: the command's own process (reading, duplicate grouping,
        # writing) and all its workers together (triage, sketches, places), µs per message
        "cpu_us_per_msg_main_process": round(main_cpu / args.n * 1e6),
        "cpu_us_per_msg_workers": round(workers_cpu / args.n * 1e6),
        "one_time_warmup_s": round(warmup_s, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "goal_msgs_per_s": 3000,
        "written": stats["written"],
        "model_rows": model.card.train_rows,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
