"""Near-duplicate search: hashed char 2–3-gram TF-IDF sketches, inverted index on each report's rarest grams.

Candidate search never scans every case: each report is indexed under its `top_k` highest-weight grams;
a query reads only those posting lists, newest first, and stops at the time window. The score is the
cosine of the two sketches (the `sketch` highest-weight grams of each report, renormalised).
Measured in docs/models.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

import numpy as np

from gridloop.adapters.nlp.text import normalise
from gridloop.domain.duplicates import NONE, DuplicatePolicy, DuplicateVerdict, haversine_m, judge_pair

N_BITS = 20
N_FEATURES = 1 << N_BITS
TITLE_WEIGHT = 2


def document(title: str, text: str) -> str:
    """The text a report is sketched from (the title weighted)."""
    t = normalise(title)
    return " ".join([t] * TITLE_WEIGHT + [normalise(text)])


_doc = document


class SketchVectorizer:
    """Hashed char 2–3-gram TF-IDF (sublinear tf, l2), IDF fitted on a reference corpus when one is given."""

    def __init__(self, reference: Iterable[str] = ()) -> None:
        from gridloop.adapters.nlp.fastgrams import CharGramHasher

        self._hv = CharGramHasher(ngram_range=(2, 3), n_bits=N_BITS)
        docs = list(reference)
        self.idf: np.ndarray | None = None
        if docs:
            x = self._hv.transform(docs)
            df = np.bincount(x.indices, minlength=N_FEATURES).astype(np.float32)
            self.idf = (np.log((1 + len(docs)) / (1 + df)) + 1).astype(np.float32)

    def transform(self, docs: Sequence[str]) -> Any:
        """Sparse CSR matrix of l2-normalised rows."""
        from sklearn.preprocessing import normalize

        x = self._hv.transform(docs)
        x.data = 1 + np.log(x.data)
        if self.idf is not None:
            x.data *= self.idf[x.indices]
        return normalize(x, copy=False)


@dataclass(frozen=True)
class Candidate:
    """An earlier report similar to the query."""

    key: str
    similarity: float
    hours_apart: float | None
    distance_m: float | None


@dataclass
class _Entry:
    key: str
    sketch: dict[int, float]
    when: datetime | None
    lng: float | None
    lat: float | None


class DuplicateIndex:
    """In-memory index of open reports for duplicate search (rebuilt from the open cases at start)."""

    def __init__(
        self,
        vectorizer: SketchVectorizer,
        *,
        policy: DuplicatePolicy | None = None,
        top_k: int = 20,
        sketch: int = 64,
        max_postings: int = 64,
    ) -> None:
        self.vectorizer = vectorizer
        self.policy = policy or DuplicatePolicy()
        self.top_k, self.sketch, self.max_postings = top_k, sketch, max_postings
        self._entries: list[_Entry] = []
        self._postings: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def sketches(self, items: Sequence[tuple[str, str]]) -> list[dict[int, float]]:
        """Sketches (top grams → weight) of (title, text) pairs, vectorised in one batch."""
        x = self.vectorizer.transform([_doc(t, b) for t, b in items])
        out = []
        for i in range(x.shape[0]):
            lo, hi = x.indptr[i], x.indptr[i + 1]
            idx, val = x.indices[lo:hi], x.data[lo:hi]
            if len(val) > self.sketch:
                keep = np.argpartition(-val, self.sketch)[: self.sketch]
                idx, val = idx[keep], val[keep]
                val = val / max(float(np.linalg.norm(val)), 1e-9)
            order = np.argsort(-val, kind="stable")  # insertion order = weight order (see _keys)
            idx, val = idx[order], val[order]
            out.append(dict(zip(idx.tolist(), val.tolist(), strict=True)))
        return out

    def _keys(self, sketch: dict[int, float]) -> list[int]:
        return list(islice(sketch, self.top_k))  # sketches are built heaviest gram first

    def add(
        self,
        key: str,
        sketch: dict[int, float],
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
    ) -> None:
        """Index a report (reports are expected roughly in time order)."""
        pos = len(self._entries)
        self._entries.append(_Entry(key, sketch, when, lng, lat))
        for f in self._keys(sketch):
            self._postings.setdefault(f, []).append(pos)

    def search(
        self,
        sketch: dict[int, float],
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
        limit: int = 5,
    ) -> list[Candidate]:
        """Earlier reports most similar to the sketch, within the time window, best first."""
        hits: list[int] = []
        for f in self._keys(sketch):
            posting = self._postings.get(f)
            if posting:
                hits.extend(posting[-self.max_postings :])
        shared: Counter[int] = Counter(hits)  # counted in C; the window is checked per distinct report below
        if when is not None:
            horizon = self.policy.window_hours * 3600
            for pos in list(shared):
                other = self._entries[pos].when
                if other is not None and abs((when - other).total_seconds()) > horizon:
                    del shared[pos]
        out = []
        for pos, _n in shared.most_common(limit * 2):
            e = self._entries[pos]
            theirs = e.sketch
            sim = sum(sketch[f] * theirs[f] for f in sketch.keys() & theirs.keys())
            hours = abs((when - e.when).total_seconds()) / 3600 if when and e.when else None
            dist = (
                haversine_m(lng, lat, e.lng, e.lat)
                if lng is not None and lat is not None and e.lng is not None and e.lat is not None
                else None
            )
            out.append(Candidate(e.key, round(sim, 4), hours, dist))
        out.sort(key=lambda c: -c.similarity)
        return out[:limit]

    def judge(
        self,
        sketch: dict[int, float],
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
    ) -> DuplicateVerdict:
        """Merge, suggest or nothing, against the best earlier match."""
        best = DuplicateVerdict(NONE)
        rank = {"merge": 2, "suggest": 1, "none": 0}
        for c in self.search(sketch, when=when, lng=lng, lat=lat, limit=3):
            action, reason = judge_pair(
                c.similarity, hours_apart=c.hours_apart, distance_m=c.distance_m, policy=self.policy
            )
            if rank[action] > rank[best.action]:
                best = DuplicateVerdict(action, c.key, c.similarity, reason)
        return best
