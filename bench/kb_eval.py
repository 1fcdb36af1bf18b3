"""Retrieval quality of the knowledge base against a same-run bm25s baseline. Prints JSON.

Sets (see docs/knowledge.md):
- beijing: FAQ question → its own entry among all 2,314 Beijing rows, answers only indexed (relevant: rows with
  the same answer text, `answer_group`); the query with an empty answer is dropped.
- taipei: FAQ question → answer among all 1,877 Taipei rows, answers only (relevant: rows with identical answer).
- callers: tests/data/kb_caller_queries.jsonl → target FAQ ids, question + answer indexed.
Splits: FAQ queries are split tune/holdout by a hash of their id; caller queries carry their own split.
Baseline: bm25s (k1=1.2, b=0.75) on character uni+bi-grams of the indexed text, no expansion, one field.
Usage: python bench/kb_eval.py [--shared ../shared/data] [--split holdout|fresh|blind|tune|dev|all]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from gridloop.knowledge.adapters.lexical import LexicalIndex, Record, SearchParams
from gridloop.knowledge.adapters.text import char_ngrams

REPO = Path(__file__).resolve().parents[1]


def split_of(qid: str) -> str:
    """tune or holdout, fixed by a hash of the query id."""
    return "holdout" if int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 2 else "tune"


def _rows(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


Query = tuple[str, str, set[str], str]  # id, text, relevant source ids, split


def faq_set(path: Path, *, group_col: str | None) -> tuple[list[Record], list[Query]]:
    """Answers-only records and question → own-answer queries."""
    rows = _rows(path)
    records = [Record(r["faq_id"], "", r["answer"], r.get("handling_unit", "")) for r in rows]
    by_group: dict[str, set[str]] = {}
    for r in rows:
        by_group.setdefault(r[group_col] if group_col else r["answer"], set()).add(r["faq_id"])
    queries = [
        (r["faq_id"], r["question"], by_group[r[group_col] if group_col else r["answer"]], split_of(r["faq_id"]))
        for r in rows
        if r["answer"].strip()
    ]
    return records, queries


def caller_set(shared: Path) -> tuple[list[Record], list[Query]]:
    """Question + answer records of the Beijing FAQ and the hand-written caller queries."""
    rows = _rows(shared / "kb" / "faq_beijing_msgabench.csv")
    records = [Record(r["faq_id"], r["question"], r["answer"], r["handling_unit"]) for r in rows]
    with (REPO / "tests" / "data" / "kb_caller_queries.jsonl").open(encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    return records, [(o["id"], o["query"], set(o["targets"]), o["split"]) for o in items]


def metrics(ranks: list[int]) -> dict[str, float]:
    """MRR@10, Recall@1 and Recall@10 of first-relevant ranks (0 = not in the top 10)."""
    a = np.array(ranks)
    hit = a > 0
    return {
        "mrr10": round(float(np.mean(np.where(hit, 1.0 / np.maximum(a, 1), 0.0))), 4),
        "r1": round(float(np.mean(a == 1)), 4),
        "r10": round(float(np.mean(hit)), 4),
        "n": len(ranks),
    }


def first_rank(ids: list[str], relevant: set[str]) -> int:
    """1-based rank of the first relevant id in the list, 0 if none."""
    return next((i + 1 for i, x in enumerate(ids) if x in relevant), 0)


def baseline(records: list[Record]) -> Callable[[str], list[str]]:
    """bm25s on character uni+bi-grams of title + body (the same-run baseline)."""
    import bm25s

    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([char_ngrams(r.title + r.body) for r in records], show_progress=False)
    vocab = retriever.vocab_dict

    def run(q: str) -> list[str]:
        toks = [t for t in char_ngrams(q) if t in vocab]
        if not toks:
            return []
        s = retriever.get_scores(toks)
        return [records[i].source_id for i in np.argsort(-s, kind="stable")[:10]]

    return run


def ours(records: list[Record], params: SearchParams) -> Callable[[str], list[str]]:
    """The knowledge index with the given parameters."""
    index = LexicalIndex.build(records, params=params)
    return lambda q: [h.source_id for h in index.search(q, top=10)]


def evaluate(run: Callable[[str], list[str]], queries: list[Query], split: str) -> dict[str, float]:
    """Metrics of one system on one split."""
    return metrics([first_rank(run(q), rel) for qid, q, rel, sp in queries if in_split(sp, split)])


def in_split(sp: str, split: str) -> bool:
    """Whether a query of split `sp` belongs to the requested split (`dev` = tune + holdout, `all` = every query)."""
    return split in ("all", sp) or (split == "dev" and sp in ("tune", "holdout"))


def sets(shared: Path) -> dict[str, tuple[list[Record], list[Query], SearchParams]]:
    """The three evaluation sets with the parameters chosen for each setting."""
    qa = SearchParams()
    return {
        "beijing": (*faq_set(shared / "kb" / "faq_beijing_msgabench.csv", group_col="answer_group"), qa),
        "taipei": (*faq_set(shared / "kb" / "faq_taipei.csv", group_col=None), qa),
        "callers": (*caller_set(shared), SearchParams()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--split", default="holdout")
    ap.add_argument("--set", default="")
    ap.add_argument("--grid", default="", help='JSON list of SearchParams overrides to compare, e.g. [{"b":0.9}]')
    args = ap.parse_args()
    out: dict[str, object] = {"split": args.split}
    for name, (records, queries, params) in sets(Path(args.shared)).items():
        if args.set and name != args.set:
            continue
        res = {"baseline": evaluate(baseline(records), queries, args.split)}
        res["ours"] = evaluate(ours(records, params), queries, args.split)
        for i, over in enumerate(json.loads(args.grid or "[]")):
            res[f"grid{i}:{json.dumps(over)}"] = evaluate(ours(records, replace(params, **over)), queries, args.split)
        out[name] = res
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
