"""Learned re-ranker over the top 30 of answers-only search, trained jointly on the Beijing and Taipei tune
splits (25 features: index score and rank, idf-weighted bigram/unigram coverage of body and lead, longest common
substring with body and lead, length, question-type cues × answer-opening cues). 2-fold cross-validation inside
tune; prints (index, index+rerank) MRR@10 per set. Result (docs/knowledge.md): +0.005–0.008, not shipped.
Usage: python bench/kb_rerank_joint.py
"""

# ruff: noqa
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kb_eval import *  # noqa: F403

SH = REPO.parent / "shared" / "data"
S = sets(SH)
import math, re, hashlib, csv, sys, collections, numpy as np
from gridloop.knowledge.adapters.text import normalize, strip_fillers, expansions, words

csv.field_size_limit(sys.maxsize)
TOP = 30


def bg(s):
    return {s[i : i + 2] for i in range(len(s) - 1)}


def lcs(a, b):
    # longest common substring length (a short)
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


Q_DEF = re.compile(r"什么是|是什么|何为|指什么|什么叫|啥是|啥叫|定义|含义")
Q_NUM = re.compile(r"多少|标准|费用|几|比例|金额|额度|多久|多长|期限|时间")
Q_LIST = re.compile(r"哪些|材料|条件|范围|包括|情形|种类")
Q_HOW = re.compile(r"如何|怎么|怎样|流程|程序|步骤|办理|咋")
Q_YN = re.compile(r"是否|能否|可否|能不能|可不可以|吗|需不需要|要不要|有没有")
A_DEF = re.compile(r"^.{0,20}(是指|指的是|是|称为|又称)")
A_NUM = re.compile(r"\d")
A_LIST = re.compile(r"(（[一二三四五六七八九十]）|[一二三四五六七八九十]、|\d[、.．]|\(\d\)|（\d）)")
A_HOW = re.compile(r"(第一步|步骤|登录|点击|进入|携带|前往|办理)")
A_YN = re.compile(r"^(您好[，,！!]?)?(可以|不可以|不能|能|不需要|需要|是的|不是|否|没有|有|不得|应当|不用)")


class F:
    def __init__(self, recs, idx):
        self.idx = idx
        self.recs = recs
        self.nb = [normalize(r.body)[:3000] for r in recs]
        self.nt = [normalize(r.title) for r in recs]
        df = collections.Counter()
        for b, t in zip(self.nb, self.nt):
            df.update(bg(b) | bg(t) | set(b) | set(t))
        n = len(recs)
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self.lens = np.array([len(x) for x in self.nb])
        self.ml = self.lens.mean()

    def of(self, q):
        s = self.idx.scores(q)
        cand = np.argsort(-s, kind="stable")[:TOP]
        qs = strip_fillers(q)
        qb = bg(qs)
        qu = set(qs)
        exp = "".join(t for t, _ in expansions(q))
        qbx = qb | bg(exp)
        I = lambda x: self.idf.get(x, 8.0)
        qw = sum(I(t) for t in qb) or 1
        qwu = sum(I(t) for t in qu) or 1
        qwx = sum(I(t) for t in qbx) or 1
        top = s[cand[0]] or 1
        second = s[cand[1]] if len(cand) > 1 else 0
        qd, qn, ql, qh, qy = [bool(r.search(q)) for r in (Q_DEF, Q_NUM, Q_LIST, Q_HOW, Q_YN)]
        rows = []
        for rank, i in enumerate(cand):
            b = self.nb[i]
            t = self.nt[i]
            bb = bg(b)
            lead = b[:40]
            lb = bg(lead)
            tb = bg(t)
            l = lcs(qs, b) if qs else 0
            ld = lcs(qs, lead) if qs else 0
            rows.append(
                [
                    s[i] / top,
                    s[i],
                    1 / (rank + 1),
                    (s[i] - top) / (top or 1),
                    sum(I(x) for x in qb & bb) / qw,
                    sum(I(x) for x in qu & set(b)) / qwu,
                    sum(I(x) for x in qbx & bb) / qwx,
                    sum(I(x) for x in qb & lb) / qw,
                    l / max(len(qs), 1),
                    ld / max(len(qs), 1),
                    min(l, 8),
                    math.log1p(len(b)),
                    len(b) / self.ml,
                    sum(I(x) for x in qb & tb) / qw,
                    sum(I(x) for x in qb & tb) / (sum(I(x) for x in tb) or 1),
                    qd * bool(A_DEF.search(b[:30])),
                    qn * bool(A_NUM.search(b[:200])),
                    ql * bool(A_LIST.search(b)),
                    qh * bool(A_HOW.search(b[:200])),
                    qy * bool(A_YN.search(b)),
                    qd,
                    qn,
                    ql,
                    qh,
                    qy,
                ]
            )
        return cand, np.array(rows, dtype=float)


def build(name, limit_splits=None):
    recs, qs, p = S[name]
    idx = LexicalIndex.build(recs, params=p)
    f = F(recs, idx)
    ids = [r.source_id for r in recs]
    data = []
    for qid, q, rel, sp in qs:
        c, x = f.of(q)
        data.append((qid, x, np.array([ids[i] in rel for i in c]), sp))
    return data


def first(y):
    return next((k + 1 for k in range(min(10, len(y))) if y[k]), 0)


def mrr(r):
    a = np.array(r)
    return round(float(np.mean(np.where(a > 0, 1 / np.maximum(a, 1), 0))), 4)


from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import StandardScaler

fold = lambda qid: int(hashlib.sha1(("f" + qid).encode()).hexdigest(), 16) % 2


def cv(model_fn, sets_train, cols=None):
    res = {}
    for target in ("beijing", "taipei"):
        before = []
        after = []
        for f in (0, 1):
            tr = [
                (x, y) for n in sets_train for qid, x, y, sp in D[n] if sp == "tune" and (n != target or fold(qid) != f)
            ]
            X = np.vstack([x for x, y in tr])
            Y = np.concatenate([y for x, y in tr])
            if cols is not None:
                X = X[:, cols]
            sc = StandardScaler().fit(X)
            m = model_fn().fit(sc.transform(X), Y)
            for qid, x, y, sp in D[target]:
                if sp == "tune" and fold(qid) == f:
                    xx = x if cols is None else x[:, cols]
                    before.append(first(y))
                    after.append(first(y[np.argsort(-m.decision_function(sc.transform(xx)), kind="stable")]))
        res[target] = (mrr(before), mrr(after))
    return res


LR = lambda: LogisticRegression(C=1.0, max_iter=3000)
HGB = lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0)


def report():
    for nm, fn in (("lr", LR), ("hgb", HGB)):
        print(nm, "own", {t: cv(fn, [t])[t] for t in ("beijing", "taipei")})
        print(nm, "both", cv(fn, ["beijing", "taipei"]))


def holdout(model_fn, sets_train):
    """Trained on the tune halves of sets_train, measured once on each set's holdout half."""
    tr = [(x, y) for n in sets_train for qid, x, y, sp in D[n] if sp == "tune"]
    X = np.vstack([x for x, y in tr])
    Y = np.concatenate([y for x, y in tr])
    sc = StandardScaler().fit(X)
    m = model_fn().fit(sc.transform(X), Y)
    res = {}
    for target in ("beijing", "taipei"):
        before, after = [], []
        for qid, x, y, sp in D[target]:
            if sp == "holdout":
                before.append(first(y))
                after.append(first(y[np.argsort(-m.decision_function(sc.transform(x)), kind="stable")]))
        res[target] = (mrr(before), mrr(after))
    return res


if __name__ == "__main__":
    D = {n: build(n) for n in ("beijing", "taipei")}
    globals()["D"] = D
    report()
    for nm, fn in (("lr", LR), ("hgb", HGB)):
        print(nm, "holdout (trained on both tune halves)", holdout(fn, ["beijing", "taipei"]))
