"""Cluster suggestions into themes: jieba words → TF-IDF → SVD → MiniBatchKMeans; labels from each theme's
top terms, representatives nearest its centre, near-duplicates by cosine inside a theme."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: Words that say nothing about a theme (suggestion boilerplate).
STOPWORDS = frozenset(
    {
        "建议",
        "希望",
        "可以",
        "能够",
        "应该",
        "需要",
        "进一步",
        "加强",
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "一些",
        "没有",
        "目前",
        "现在",
        "问题",
        "有关",
        "相关",
        "部门",
        "政府",
        "市民",
        "提出",
        "增加",
        "进行",
        "通过",
        "以及",
        "还是",
        "就是",
        "因为",
        "所以",
        "如果",
        "但是",
        "而且",
        "或者",
        "非常",
        "比较",
        "更加",
        "已经",
        "自己",
        "大家",
        "一下",
        "方面",
    }
)
NEAR_DUPLICATE = 0.9


@dataclass(frozen=True)
class ThemeDraft:
    """One theme as the clusterer proposes it: key terms, member indexes, representatives (best first)."""

    key_terms: tuple[str, ...]
    members: tuple[int, ...]
    representatives: tuple[int, ...]

    @property
    def label(self) -> str:
        """The proposed label: the first three key terms."""
        return "·".join(self.key_terms[:3])


@dataclass
class Clustering:
    """The result: one theme index per text, the themes, and near-duplicates (index → earlier index)."""

    assignment: list[int]
    themes: list[ThemeDraft]
    duplicates: dict[int, int] = field(default_factory=dict)


def tokenize(text: str) -> list[str]:
    """jieba words of length ≥ 2 (and Latin/digit runs), minus stopwords."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.lcut(text) if len(w.strip()) >= 2 and w not in STOPWORDS and not w.isdigit()]


def default_k(n: int) -> int:
    """Number of themes when staff do not choose: about √n / 2.5, between 2 and 40."""
    return max(2, min(40, round(math.sqrt(max(n, 1)) / 2.5)))


def cluster_texts(
    texts: Sequence[str], *, k: int | None = None, seed: int = 0, terms: int = 6, reps: int = 3
) -> Clustering:
    """Cluster `texts` into k themes (default_k when None)."""
    import numpy as np
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    n = len(texts)
    if n == 0:
        return Clustering([], [])
    if n < 3:
        return Clustering([0] * n, [ThemeDraft(tuple(tokenize(texts[0])[:terms]), tuple(range(n)), tuple(range(n)))])
    k = min(k or default_k(n), n)
    tokens = [tokenize(t) for t in texts]
    vectorizer = TfidfVectorizer(
        tokenizer=_identity, preprocessor=_identity, token_pattern=None, lowercase=False,
        min_df=2 if n >= 50 else 1, max_df=0.5, sublinear_tf=True,
    )  # fmt: skip
    x = vectorizer.fit_transform(tokens)
    dims = min(100, x.shape[1] - 1, n - 1)
    reduced: Any = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(x)) if dims >= 2 else x.toarray()
    model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048)
    labels = model.fit_predict(reduced)
    vocab = np.array(vectorizer.get_feature_names_out())
    themes: list[ThemeDraft] = []
    remap: dict[int, int] = {}
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if members.size == 0:
            continue
        remap[c] = len(themes)
        weights = np.asarray(x[members].mean(axis=0)).ravel()
        top = tuple(str(vocab[i]) for i in np.argsort(-weights)[:terms] if weights[i] > 0)
        centre = normalize(reduced[members].mean(axis=0, keepdims=True))
        closeness = (reduced[members] @ centre.T).ravel()
        best = tuple(int(members[i]) for i in np.argsort(-closeness)[:reps])
        themes.append(ThemeDraft(top, tuple(int(m) for m in members), best))
    duplicates = _near_duplicates(x, labels, k)
    return Clustering([remap[int(c)] for c in labels], themes, duplicates)


def _identity(value: Any) -> Any:
    return value


def _near_duplicates(x: Any, labels: Any, k: int, threshold: float = NEAR_DUPLICATE) -> dict[int, int]:
    """Within each theme, a text whose TF-IDF cosine to an earlier one reaches `threshold` duplicates it (sparse)."""
    import numpy as np

    found: dict[int, int] = {}
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if members.size < 2:
            continue
        part = x[members]
        sims = (part @ part.T).tocoo()
        keep = (sims.data >= threshold) & (sims.col < sims.row)
        first: dict[int, int] = {}
        for row, col in zip(sims.row[keep], sims.col[keep], strict=True):
            if row not in first or col < first[row]:
                first[int(row)] = int(col)
        for row in sorted(first):
            earlier = int(members[first[row]])
            found[int(members[row])] = found.get(earlier, earlier)
    return found
