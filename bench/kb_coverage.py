"""Search quality while only part of the articles have vectors: the hours after a large import, before the embedding
job of `serve` has reached every article, and an article saved since the last run of that job. Prints JSON.

The product's index of the callers' knowledge base (the Beijing FAQ, questions as titles) with its stored vectors;
for each coverage, a random share of the articles (two seeds) loses its vectors, and the caller queries are searched
with a record without a vector given (a) the mean cosine of the candidates with vectors (before the ninth round) and
(b) the cosine those candidates have at its lexical rank (shipped). `lexical` is the index without vectors; MRR@10
on the tune + first holdout queries (`dev`, the ones the synonym table was written from) and on blind + fresh
(`outside`); fresh2 is not used.

    .venv/bin/python bench/kb_product_path.py --db sqlite:////tmp/kb.db --sets callers --seed-cache /tmp/kb-emb
    .venv/bin/python bench/kb_coverage.py --db /tmp/kb.db
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from gridloop.knowledge.adapters.semantic import SemanticRerank
from gridloop.knowledge.services.search import current_index

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, help="SQLite file of the callers' KB with its vectors (copied first)")
    ap.add_argument("--coverages", default="0.25,0.5,0.75,0.9,0.95,1.0")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gridloop-kbcov-"))
    shutil.copy(args.db, tmp / "kb.db")
    with (REPO / "tests" / "data" / "kb_caller_queries.jsonl").open(encoding="utf-8") as fh:
        queries = [json.loads(line) for line in fh if line.strip()]
    groups = {
        "dev": [q for q in queries if q["split"] in ("tune", "holdout")],
        "outside": [q for q in queries if q["split"] in ("blind", "fresh")],
    }
    with Session(create_engine(f"sqlite:///{tmp / 'kb.db'}")) as session:
        index = current_index(session, today=date(2026, 12, 6), cache_root=tmp / "index", semantic=True)
    semantic = index.semantic
    assert semantic is not None, "no vectors in this database: run bench/kb_product_path.py --seed-cache first"
    titles, bodies = semantic.title_present.copy(), semantic.body_present.copy()
    ranked_cosines = SemanticRerank.cosines

    def mean_cosines(self, q, candidates, lexical=None):  # type: ignore[no-untyped-def]
        return ranked_cosines(self, q, candidates, None)

    def mrr(qs: list[dict[str, object]]) -> float:
        total = 0.0
        for q in qs:
            hits = index.search(str(q["query"]), top=10)
            total += next((1 / (i + 1) for i, h in enumerate(hits) if h.source_id in q["targets"]), 0.0)  # type: ignore[operator]
        return round(total / len(qs), 3)

    index.semantic = None
    out: dict[str, object] = {"lexical": {k: mrr(v) for k, v in groups.items()}, "by_coverage": {}}
    index.semantic = semantic
    for cov in (float(c) for c in args.coverages.split(",")):
        row: dict[str, list[dict[str, float]]] = {"mean_cosine": [], "rank_cosine": []}
        for seed in (1, 2):
            keep = np.random.default_rng(seed).random(len(titles)) < cov
            semantic.title_present, semantic.body_present = titles & keep, bodies & keep
            for name, fn in (("mean_cosine", mean_cosines), ("rank_cosine", ranked_cosines)):
                SemanticRerank.cosines = fn  # type: ignore[method-assign]
                row[name].append({k: mrr(v) for k, v in groups.items()})
            SemanticRerank.cosines = ranked_cosines  # type: ignore[method-assign]
        out["by_coverage"][str(cov)] = row  # type: ignore[index]
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
