"""Duplicate detection precision/recall on pairs labelled from hot_issues.csv (tests/data/dedup_pairs.csv).

Every hot_issues message is indexed in time order; for each labelled pair the later message is searched
and the verdict against the earlier one is read (retrieval included). Pairs were sampled 20 per TF-IDF
cosine bin from a pool of 2,976 candidate pairs, so figures are given unweighted and weighted by pool/20.
Prints JSON. Usage: python bench/dedup_pairs.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from datetime import datetime
from pathlib import Path

from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer, documents
from gridloop.triage.domain.duplicates import judge_pair


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path("../shared/data"))
    args = ap.parse_args()
    with (args.shared / "messages" / "hot_issues.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: r["留言时间"])
    with Path("tests/data/dedup_pairs.csv").open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    started = time.perf_counter()
    vec = SketchVectorizer(documents([(r["留言主题"], r["留言详情"]) for r in rows]))
    index = DuplicateIndex(vec)
    sketches = index.sketches([(r["留言主题"], r["留言详情"]) for r in rows])
    pos = {r["留言编号"]: i for i, r in enumerate(rows)}
    found: dict[str, dict[str, float]] = {}
    wanted: dict[str, set[str]] = {}
    for p in pairs:
        a, b = sorted([p["id_a"], p["id_b"]], key=lambda k: pos[k])
        wanted.setdefault(b, set()).add(a)
    for i, r in enumerate(rows):
        when = datetime.fromisoformat(r["留言时间"])
        key = r["留言编号"]
        if key in wanted:
            hits = index.search(sketches[i], when=when, limit=50)
            found[key] = {c.key: c.similarity for c in hits}
            found[key + "#hours"] = {c.key: c.hours_apart or 0.0 for c in hits}
        index.add(key, sketches[i], when=when)
    seconds = time.perf_counter() - started
    result: dict[str, object] = {
        "pairs": len(pairs),
        "positives": sum(p["same_event"] == "1" for p in pairs),
        "index_build_and_search_seconds": round(seconds, 2),
        "messages": len(rows),
    }
    for band in ("merge", "suggest_or_merge"):
        for weighted in (False, True):
            tp = fp = fn = 0.0
            for p in pairs:
                a, b = sorted([p["id_a"], p["id_b"]], key=lambda k: pos[k])
                sim = found.get(b, {}).get(a)
                hours = found.get(b + "#hours", {}).get(a)
                action = judge_pair(sim, hours_apart=hours, distance_m=None)[0] if sim is not None else "none"
                pred = action == "merge" if band == "merge" else action in ("merge", "suggest")
                w = int(p["bin_pool_size"]) / 20 if weighted else 1.0
                gold = p["same_event"] == "1"
                tp += w * (pred and gold)
                fp += w * (pred and not gold)
                fn += w * (not pred and gold)
            name = f"{band}_{'weighted' if weighted else 'unweighted'}"
            result[name] = {
                "precision": round(tp / max(tp + fp, 1e-9), 3),
                "recall": round(tp / max(tp + fn, 1e-9), 3),
            }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
