"""Traditional → Simplified (OpenCC t2s) before the lexical index and/or before e5 (issue 15, seventh round). JSON.

The Taipei FAQ is written in Traditional Chinese; the synonym table, the filler list and the intent table are
Simplified, so they never fire on it, and e5 may embed Simplified text better. Four systems per set, each the
sixth-round fusion (re-rank the lexical top K by a·s/s_max + (1 − a)·cos, chunked bodies with λ 0.5):
`orig` (the texts as they are: the shipped method), `lex` (t2s before the lexical index only), `dense` (t2s before
e5 only) and `both`. Queries and records are converted the same way. Only the texts t2s changes are embedded again
(bench/kb_embed_cache.py and bench/kb_chunks.py caches; Beijing and the callers' set have one such text).
`--mode tune` grids a and K on the tune halves; `--mode report` evaluates the given configuration of every system
on the held-out splits, once.
Usage: python bench/kb_script.py --mode tune --cache /tmp/kb9-cache
       python bench/kb_script.py --mode report --a 0.02 --k 400 --splits holdout,blind,fresh
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
from kb_chunks import chunk_vectors
from kb_embed_cache import Encoder, cached
from kb_eval import REPO, LexicalIndex, Record, baseline, evaluate, in_split, sets


@cache
def _cc() -> object:
    from opencc import OpenCC

    return OpenCC("t2s")


def t2s(text: str) -> str:
    """The text in Simplified Chinese (OpenCC t2s)."""
    return str(_cc().convert(text)) if text else text  # type: ignore[attr-defined]


def _vectors(cache_dir: Path, enc: Encoder, texts: list[str], *, kind: str, convert: bool) -> np.ndarray:
    """Rows of texts (converted ones re-embedded: the whole list if most changed, else only those)."""
    base = cached(cache_dir, enc, texts, kind=kind, log=False)
    if not convert:
        return base
    conv = [t2s(t) for t in texts]
    changed = [i for i, (a, b) in enumerate(zip(texts, conv, strict=True)) if a != b]
    if len(changed) > len(texts) // 2:
        return cached(cache_dir, enc, conv, kind=kind)
    out = base.copy()
    if changed:
        out[changed] = cached(cache_dir, enc, [conv[i] for i in changed], kind=kind, log=False)
    return out


def _chunks(cache_dir: Path, bodies: list[str], *, convert: bool) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, owner) of the extra chunks of the bodies, converted or not (as `_vectors`)."""
    vec, owner = chunk_vectors(cache_dir, bodies, log=False)
    if not convert:
        return vec, owner
    conv = [t2s(b) for b in bodies]
    changed = [i for i, (a, b) in enumerate(zip(bodies, conv, strict=True)) if a != b]
    if len(changed) > len(bodies) // 2:
        return chunk_vectors(cache_dir, conv)
    if not changed:
        return vec, owner
    cv, co = chunk_vectors(cache_dir, [conv[i] for i in changed], log=False)
    keep = ~np.isin(owner, changed)
    vec = np.concatenate([vec[keep], cv])
    owner = np.concatenate([owner[keep], np.array(changed, np.int32)[co]])
    order = np.argsort(owner, kind="stable")
    return vec[order], owner[order]


class Dense:
    """cos(query, record) as the product computes it: w·title + (1 − w)·body, the body's chunks mixed in (λ)."""

    def __init__(self, cache_dir: Path, records: list[Record], queries: list[str], *, convert: bool) -> None:
        enc = Encoder("e5np")
        qv = _vectors(cache_dir, enc, queries, kind="query", convert=convert)
        self.q = {q: qv[i] for i, q in enumerate(queries)}
        self.body = _vectors(cache_dir, enc, [r.body for r in records], kind="passage", convert=convert)
        titled = any(r.title.strip() for r in records)
        self.title = (
            _vectors(cache_dir, enc, [r.title for r in records], kind="passage", convert=convert) if titled else None
        )
        self.vec, self.owner = _chunks(cache_dir, [r.body for r in records], convert=convert)
        self._memo: dict[str, np.ndarray] = {}

    def cos(self, query: str, *, w: float, lam: float = 0.5) -> np.ndarray:
        if query not in self._memo:
            v = self.q[query]
            first = self.body @ v
            mx = first.copy()
            np.maximum.at(mx, self.owner, self.vec @ v)
            c = (1 - lam) * first + lam * mx
            self._memo[query] = w * (self.title @ v) + (1 - w) * c if self.title is not None and w else c
        return self._memo[query]


def system(index: LexicalIndex, dense: Dense | None, *, convert: bool, a: float, k: int, w: float):  # type: ignore[no-untyped-def]
    """Ranked ids for a query: the index's top k re-ranked with the dense cosine (the index alone without dense)."""
    ids = [r.source_id for r in index.records]
    memo: dict[str, np.ndarray] = {}

    def lexical(q: str) -> np.ndarray:
        if q not in memo:
            lq = t2s(q) if convert else q
            s = index.scores(lq)
            memo[q] = index._boost_intents(lq, s) if index.params.intent_boost else s
        return memo[q]

    def run(q: str) -> list[str]:
        s = lexical(q)
        if dense is None:
            top = np.argsort(-s, kind="stable")[:10]
            return [ids[i] for i in top if s[i] > 0]
        top = np.argsort(-s, kind="stable")[:k]
        top = top[s[top] > 0]
        fused = a * s[top] / (float(s.max()) or 1.0) + (1 - a) * dense.cos(q, w=w)[top]
        return [ids[i] for i in top[np.argsort(-fused, kind="stable")][:10]]

    return run


SYSTEMS = {"orig": (False, False), "lex": (True, False), "dense": (False, True), "both": (True, True)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--cache", default="/tmp/kb9-cache")
    ap.add_argument("--sets", default="beijing,taipei,callers")
    ap.add_argument("--mode", choices=("tune", "report"), default="tune")
    ap.add_argument("--splits", default="holdout,blind,fresh")
    ap.add_argument("--a", type=float, default=0.02, help="report: lexical weight of answers-only sets")
    ap.add_argument("--k", type=int, default=400)
    args = ap.parse_args()
    t0 = time.perf_counter()
    out: dict[str, object] = {"mode": args.mode}
    for name in args.sets.split(","):
        records, queries, params = sets(Path(args.shared))[name]
        titled = any(r.title.strip() for r in records)
        w = 0.3 if titled else 0.0
        conv_records = [replace(r, title=t2s(r.title), body=t2s(r.body)) for r in records]
        lex = {False: LexicalIndex.build(records, params=params), True: LexicalIndex.build(conv_records, params=params)}
        texts = [q[1] for q in queries]
        dense = {c: Dense(Path(args.cache), records, texts, convert=c) for c in (False, True)}
        splits = (
            ["tune"]
            if args.mode == "tune"
            else [s for s in args.splits.split(",") if any(in_split(q[3], s) for q in queries)]
        )
        res: dict[str, object] = {}
        for sp in splits:
            row: dict[str, object] = {"bm25s": evaluate(baseline(records), queries, sp)}
            for lab, (cl, _) in (("index_orig", SYSTEMS["orig"]), ("index_lex", SYSTEMS["lex"])):
                row[lab] = evaluate(system(lex[cl], None, convert=cl, a=0, k=0, w=0), queries, sp)
            for lab, (cl, cd) in SYSTEMS.items():
                row[f"e5only_{lab}"] = (
                    evaluate(system(lex[cl], dense[cd], convert=cl, a=0.0, k=len(records), w=w), queries, sp)
                    if lab in ("orig", "dense")
                    else None
                )
                if args.mode == "tune":
                    alphas = (0.15, 0.2, 0.3) if titled else (0.01, 0.02, 0.03, 0.05, 0.08)
                    grid = {
                        f"a{a}_k{k}": evaluate(system(lex[cl], dense[cd], convert=cl, a=a, k=k, w=w), queries, sp)[
                            "mrr10"
                        ]
                        for a in alphas
                        for k in (100, 400)
                    }
                    best = max(grid, key=grid.__getitem__)
                    row[lab] = {
                        "shipped": grid["a0.2_k400" if titled else "a0.02_k400"],
                        "best": [best, grid[best]],
                        "grid": grid,
                    }
                else:
                    a = 0.2 if titled else args.a
                    row[lab] = evaluate(system(lex[cl], dense[cd], convert=cl, a=a, k=args.k, w=w), queries, sp)
            res[sp] = {k: v for k, v in row.items() if v is not None}
        out[name] = res
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
