"""Unsupervised variants of the knowledge index, measured on the tune split (or --split). Prints JSON.

- rrf: reciprocal-rank fusion (k = 60) of the index with a jieba-word BM25 (title + body fields like the index).
- score: the index score plus λ × the word BM25 score, both scaled by their top score.
- prf: pseudo-relevance feedback (RM3-like): the 10 character bigrams with the highest tf·idf in the top 3
  records are added to the query at weight β.
Usage: python bench/kb_fusion.py [--shared ../shared/data] [--split tune] [--set beijing|taipei|callers]
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from kb_eval import REPO, LexicalIndex, Query, Record, evaluate, sets

from gridloop.knowledge.adapters.text import normalize, strip_fillers, words

Run = Callable[[str], list[str]]


def word_scores(records: list[Record]) -> Callable[[str], np.ndarray]:
    """jieba-word BM25 over title (weight 2) and body."""
    import bm25s

    parts = []
    for part, w in (("title", 2.0), ("body", 1.0)):
        if any(getattr(r, part).strip() for r in records):
            r = bm25s.BM25(k1=1.2, b=0.75)
            r.index([words(getattr(x, part)) or ["∅"] for x in records], show_progress=False)
            parts.append((r, w))

    def score(q: str) -> np.ndarray:
        total = np.zeros(len(records))
        for r, w in parts:
            toks = [t for t in words(strip_fillers(q)) if t in r.vocab_dict]
            if toks:
                total += w * r.get_scores(toks)
        return total

    return score


def variants(records: list[Record], index: LexicalIndex) -> dict[str, Run]:
    ids = [r.source_id for r in records]
    ws = word_scores(records)

    def top(s: np.ndarray) -> list[str]:
        return [ids[i] for i in np.argsort(-s, kind="stable")[:10] if s[i] > 0]

    def rrf(q: str) -> list[str]:
        fused = np.zeros(len(records))
        for s in (index.scores(q), ws(q)):
            order = np.argsort(-s, kind="stable")[:100]
            fused[order] += 1.0 / (60 + np.arange(1, len(order) + 1))
        return top(fused)

    def mix(lam: float) -> Run:
        def run(q: str) -> list[str]:
            a, b = index.scores(q), ws(q)
            return top(a / (a.max() or 1.0) + lam * b / (b.max() or 1.0))

        return run

    bigram_df: Counter[str] = Counter()
    texts = [normalize(r.title + r.body) for r in records]
    for t in texts:
        bigram_df.update({t[i : i + 2] for i in range(len(t) - 1)})
    n = len(records)

    def prf(beta: float) -> Run:
        def run(q: str) -> list[str]:
            s = index.scores(q)
            tf: Counter[str] = Counter()
            for i in np.argsort(-s, kind="stable")[:3]:
                t = texts[i]
                tf.update(t[j : j + 2] for j in range(len(t) - 1))
            terms = sorted(tf, key=lambda x: -tf[x] * math.log(n / bigram_df[x]))[:10]
            extra = sum((index.scores(t) for t in terms), np.zeros(n))
            return top(s + beta * extra / max(len(terms), 1))

        return run

    out: dict[str, Run] = {"index": lambda q: top(index.scores(q)), "rrf_words": rrf}
    out.update({f"score_words_{lam}": mix(lam) for lam in (0.2, 0.5)})
    out.update({f"prf_{beta}": prf(beta) for beta in (0.1, 0.3)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--split", default="tune")
    ap.add_argument("--set", default="")
    args = ap.parse_args()
    out: dict[str, object] = {"split": args.split}
    for name, (records, queries, params) in sets(Path(args.shared)).items():
        if args.set and name != args.set:
            continue
        qs: list[Query] = queries
        index = LexicalIndex.build(records, params=params)
        out[name] = {k: evaluate(run, qs, args.split)["mrr10"] for k, run in variants(records, index).items()}
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
