"""Learned add-ons measured against the knowledge index, trained on the tune split only. Prints JSON.

- rerank: logistic regression over the top 30 of the index (features: index score and rank, idf-weighted
  bigram coverage of query↔title and query↔body, jieba-word BM25 of title and body, lengths). Trained on the
  tune queries of a set, applied to its holdout (and, for callers, fresh) queries.
- translate: question-word → answer-word associations learned from tune question–answer pairs (jieba words,
  co-occurrence weighted by pointwise KL); each query adds its 10 strongest associated answer words at weight λ.
  λ is chosen by 2-fold cross-validation inside tune (the association table of a fold never holds the fold's
  own pairs); the table learned on all tune pairs is applied to the holdout queries.
Usage: python bench/kb_learned.py [--shared ../shared/data] [--set beijing|taipei|callers] [--method rerank|translate]
       [--model logreg|hgb]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from kb_eval import REPO, LexicalIndex, Query, Record, first_rank, metrics, sets

from gridloop.knowledge.adapters.text import expansions, normalize, strip_fillers, words

TOP = 30


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


class Features:
    """Candidate features of one corpus (built once)."""

    def __init__(self, records: list[Record], index: LexicalIndex) -> None:
        import bm25s

        self.index = index
        self.tb = [_bigrams(normalize(r.title)) for r in records]
        self.bb = [_bigrams(normalize(r.body)) for r in records]
        df: Counter[str] = Counter()
        for a, b in zip(self.tb, self.bb, strict=True):
            df.update(a | b)
        n = len(records)
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self.fields = []
        for part in ("title", "body"):
            r = bm25s.BM25(k1=1.2, b=0.75)
            r.index([words(getattr(x, part)) or ["∅"] for x in records], show_progress=False)
            self.fields.append(r)

    def of(self, q: str) -> tuple[np.ndarray, np.ndarray]:
        s = self.index.scores(q)
        cand = np.argsort(-s, kind="stable")[:TOP]
        qs = strip_fillers(q)
        qb = _bigrams(qs + "".join(t for t, _ in expansions(q)))
        qw = sum(self.idf.get(t, 8.0) for t in qb) or 1.0
        word_scores = []
        for r in self.fields:
            toks = [w for w in words(qs) if w in r.vocab_dict]
            v = r.get_scores(toks) if toks else np.zeros(len(s))
            word_scores.append(v / (v.max() or 1.0))
        top = s[cand[0]] or 1.0
        rows = []
        for rank, i in enumerate(cand):
            t, b = self.tb[i], self.bb[i]
            tw = sum(self.idf[x] for x in t) or 1.0
            rows.append(
                [
                    s[i] / top,
                    1 / (rank + 1),
                    sum(self.idf[x] for x in t & qb) / tw,
                    sum(self.idf.get(x, 8.0) for x in qb & t) / qw,
                    sum(self.idf.get(x, 8.0) for x in qb & b) / qw,
                    word_scores[0][i],
                    word_scores[1][i],
                    math.log1p(len(b)),
                    math.log1p(len(t)),
                ]
            )
        return cand, np.array(rows)


def rerank(
    records: list[Record], queries: list[Query], index: LexicalIndex, tests: list[str], *, model_name: str = "logreg"
) -> dict[str, object]:
    """Logistic regression (or gradient boosting) over the top 30, trained on tune, measured on the test splits."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    feats = Features(records, index)
    ids = [r.source_id for r in records]
    data = []
    for _qid, q, rel, sp in queries:
        cand, x = feats.of(q)
        data.append((x, np.array([ids[i] in rel for i in cand]), sp))
    xs = np.vstack([x for x, _, sp in data if sp == "tune"])
    ys = np.concatenate([y for _, y, sp in data if sp == "tune"])
    model = (
        HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0)
        if model_name == "hgb"
        else LogisticRegression(C=1.0, max_iter=2000)
    ).fit(xs, ys)
    out: dict[str, object] = {"model": model_name}
    if model_name != "hgb":
        out["coef"] = [round(float(c), 2) for c in model.coef_[0]]

    def first(y: np.ndarray) -> int:
        return next((k + 1 for k in range(min(10, len(y))) if y[k]), 0)

    for split in tests:
        before = [first(y) for x, y, sp in data if sp == split]
        after = [first(y[np.argsort(-model.decision_function(x), kind="stable")]) for x, y, sp in data if sp == split]
        out[split] = {"index": metrics(before), "index+rerank": metrics(after)}
    return out


def _words(text: str) -> list[str]:
    return [w for w in set(words(text)) if len(w) >= 2]


def associations(
    pairs: list[tuple[str, str]], *, top: int = 5, min_count: int = 2
) -> dict[str, list[tuple[str, float]]]:
    """Question word → its strongest answer words (co-occurrence in pairs, pointwise KL), scores scaled to [0, 1]."""
    qc: Counter[str] = Counter()
    ac: Counter[str] = Counter()
    co: dict[str, Counter[str]] = defaultdict(Counter)
    for q, a in pairs:
        qw, aw = _words(q), _words(a)
        qc.update(qw)
        ac.update(aw)
        for x in qw:
            co[x].update(aw)
    table = {}
    for x, c in co.items():
        if qc[x] < min_count:
            continue
        scored = []
        for e, k in c.items():
            if k >= min_count and e != x:
                p = k / qc[x]
                scored.append((p * math.log(p / (ac[e] / len(pairs))), e))
        scored.sort(reverse=True)
        if scored and scored[0][0] > 0:
            table[x] = [(e, v / scored[0][0]) for v, e in scored[:top] if v > 0]
    return table


def translate(records: list[Record], queries: list[Query], index: LexicalIndex) -> dict[str, object]:
    """Association expansion: λ by 2-fold CV inside tune, then tune-trained table on holdout."""
    ids = [r.source_id for r in records]
    body = {r.source_id: r.body for r in records}
    memo: dict[str, np.ndarray] = {}

    def term_scores(term: str) -> np.ndarray:
        if term not in memo:
            memo[term] = index.scores(term)
        return memo[term]

    def ranked(q: str, table: dict[str, list[tuple[str, float]]], lam: float) -> list[str]:
        s = index.scores(q).astype(np.float64)
        extra: Counter[str] = Counter()
        for x in _words(q) if lam else []:
            for e, w in table.get(x, []):
                extra[e] += w
        for e, w in extra.most_common(10):
            s = s + lam * w * term_scores(e)
        order = np.argsort(-s, kind="stable")[:10]
        return [ids[i] for i in order if s[i] > 0]

    tune = [x for x in queries if x[3] == "tune"]
    fold = {qid: int(hashlib.sha1(("f" + qid).encode()).hexdigest(), 16) % 2 for qid, *_ in tune}
    cv = {}
    for lam in (0.0, 0.05, 0.1, 0.2, 0.4):
        ranks = []
        for f in (0, 1):
            table = associations([(q, body[qid]) for qid, q, _, _ in tune if fold[qid] != f])
            ranks += [first_rank(ranked(q, table, lam), rel) for qid, q, rel, _ in tune if fold[qid] == f]
        cv[str(lam)] = metrics(ranks)["mrr10"]
    best = float(max(cv, key=lambda k: cv[k]))
    table = associations([(q, body[qid]) for qid, q, _, _ in tune])
    hold = [x for x in queries if x[3] == "holdout"]
    out: dict[str, object] = {"tune_2fold_mrr10_by_lambda": cv, "lambda": best}
    for lam in sorted({0.0, best, 0.1}):
        out[f"holdout_lambda_{lam}"] = metrics([first_rank(ranked(q, table, lam), rel) for _, q, rel, _ in hold])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--set", default="")
    ap.add_argument("--method", default="", help="rerank or translate (default: both)")
    ap.add_argument("--model", default="logreg", help="logreg or hgb (gradient boosting)")
    args = ap.parse_args()
    out: dict[str, object] = {}
    for name, (records, queries, params) in sets(Path(args.shared)).items():
        if args.set and name != args.set:
            continue
        index = LexicalIndex.build(records, params=params)
        res: dict[str, object] = {}
        if args.method in ("", "rerank"):
            tests = ["holdout", "fresh"] if name == "callers" else ["holdout"]
            res["rerank"] = rerank(records, queries, index, tests, model_name=args.model)
        if args.method in ("", "translate") and name != "callers":
            res["translate"] = translate(records, queries, index)
        out[name] = res
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
