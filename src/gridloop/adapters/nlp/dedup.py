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
from operator import mul
from typing import Any

import numpy as np

from gridloop.adapters.nlp.text import fold_many, normalise
from gridloop.domain.duplicates import NONE, DuplicatePolicy, DuplicateVerdict, haversine_m, judge_pair

N_BITS = 20
N_FEATURES = 1 << N_BITS
TITLE_WEIGHT = 2
_ROW_SHIFT = 51  # sketch sort keys: 13 bits of row, 31 bits of weight, N_BITS bits of column
_SKETCH_ROWS = 1 << (64 - _ROW_SHIFT)


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
        self._ts: list[float | None] = []  # POSIX seconds of each entry (cheaper to compare than datetimes)

    def __len__(self) -> int:
        return len(self._entries)

    def sketches(self, items: Sequence[tuple[str, str]]) -> list[dict[int, float]]:
        """Sketches (top grams → weight) of (title, text) pairs, vectorised in one batch."""
        return self._sketch_docs([_doc(t, b) for t, b in items])

    def sketches_clean(self, items: Sequence[tuple[str, str]]) -> list[dict[int, float]]:
        """Like `sketches`, for titles and texts already cleaned and simplified (as triage leaves them)."""
        titles = fold_many([t for t, _ in items])
        texts = fold_many([b for _, b in items])
        return self._sketch_docs([" ".join([t] * TITLE_WEIGHT + [b]) for t, b in zip(titles, texts, strict=True)])

    def _sketch_docs(self, docs: list[str]) -> list[dict[int, float]]:
        out: list[dict[int, float]] = []
        for i in range(0, len(docs), _SKETCH_ROWS):
            out += self._sketch_rows(self.vectorizer.transform(docs[i : i + _SKETCH_ROWS]))
        return out

    def _sketch_rows(self, x: Any) -> list[dict[int, float]]:
        """Each row's `sketch` heaviest grams, heaviest first (ties by column), renormalised; one sort per batch."""
        n = x.shape[0]
        lens = np.diff(x.indptr)
        # key = row | inverted weight bits | column: sorting it orders every row by weight, descending
        # (weights are positive float32, so their bit patterns sort like the values)
        row = np.repeat(np.arange(n, dtype=np.uint64), lens)
        bits = np.uint64(0x7FFFFFFF) - np.asarray(x.data, dtype=np.float32).view(np.uint32).astype(np.uint64)
        key = (row << np.uint64(_ROW_SHIFT)) | (bits << np.uint64(N_BITS)) | x.indices.astype(np.uint64)
        key.sort()
        rank = np.arange(len(key)) - np.repeat(x.indptr[:-1], lens)
        key = key[rank < self.sketch]
        kept = np.minimum(lens, self.sketch)
        cols = (key & np.uint64(N_FEATURES - 1)).astype(np.int64)
        vals = (np.uint64(0x7FFFFFFF) - ((key >> np.uint64(N_BITS)) & np.uint64(0x7FFFFFFF))).astype(np.uint32)
        weights = vals.view(np.float32)
        kept_row = np.repeat(np.arange(n), kept)
        norm = np.sqrt(np.bincount(kept_row, weights=np.square(weights, dtype=np.float64), minlength=n))
        scale = np.where(lens > self.sketch, 1 / np.maximum(norm, 1e-9), 1.0).astype(np.float32)
        weights = weights * scale[kept_row]
        ends = np.cumsum(kept).tolist()
        col_list, weight_list = cols.tolist(), weights.tolist()
        return [
            dict(zip(col_list[lo:hi], weight_list[lo:hi], strict=True))
            for lo, hi in zip([0, *ends[:-1]], ends, strict=True)
        ]

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
        self._ts.append(when.timestamp() if when is not None else None)
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
        postings, cap = self._postings, -self.max_postings
        hits: list[int] = []
        for f in islice(sketch, self.top_k):  # the query's heaviest grams (sketches are built heaviest first)
            posting = postings.get(f)
            if posting:
                hits.extend(posting[cap:])
        if not hits:
            return []
        # counted and ranked in C (ties keep first-seen order); the window is checked lazily, best first
        ranked = Counter(hits).most_common()
        wanted = limit * 2
        ts = self._ts
        t = when.timestamp() if when is not None else None
        if t is None:
            picked = [pos for pos, _n in ranked[:wanted]]
        else:
            horizon = self.policy.window_hours * 3600
            picked = []
            for pos, _n in ranked:
                other_t = ts[pos]
                if other_t is None or abs(t - other_t) <= horizon:
                    picked.append(pos)
                    if len(picked) >= wanted:
                        break
        out = []
        located = lng is not None and lat is not None
        for pos in picked:
            e = self._entries[pos]
            other = e.sketch
            common = sketch.keys() & other.keys()
            sim = sum(map(mul, map(sketch.__getitem__, common), map(other.__getitem__, common)))
            other_t = ts[pos]
            hours = abs(t - other_t) / 3600 if t is not None and other_t is not None else None
            dist = None
            if located and e.lng is not None and e.lat is not None:
                dist = haversine_m(lng, lat, e.lng, e.lat)  # type: ignore[arg-type]
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
