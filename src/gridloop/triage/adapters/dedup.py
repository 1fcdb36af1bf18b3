"""Near-duplicate search: hashed char 2–3-gram TF-IDF sketches, inverted index on each report's rarest grams.

Candidate search never scans every case: each report is indexed under its `top_k` highest-weight grams;
a query reads only those posting lists, newest first, and stops at the time window. The score is the
cosine of the two sketches (the `sketch` highest-weight grams of each report, renormalised). All sketches live in
one numpy store; `judge_and_add_many` judges a batch with the verdicts of `judge` + `add` one by one, the counting,
ranking and scoring vectorised. Measured in docs/models.md §5.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np

from gridloop.triage.adapters.text import fold_many, normalise_many
from gridloop.triage.domain.duplicates import (
    MERGE,
    NONE,
    SUGGEST,
    DuplicatePolicy,
    DuplicateVerdict,
    haversine_m,
    judge_pair,
)

N_BITS = 20
N_FEATURES = 1 << N_BITS
TITLE_WEIGHT = 2
SKETCH_CHARS = 1000  # a sketch reads the document's first characters only (p90 is ~850; see docs/models.md §5)
_ROW_SHIFT = 51  # sketch sort keys: 13 bits of row, 31 bits of weight, N_BITS bits of column
_SKETCH_ROWS = 256
"""Documents sketched together (< 2**(64 - _ROW_SHIFT)): small enough for their gram arrays to stay in the CPU
cache and below the size at which numpy asks the kernel for huge pages (see fastlinear.SLICE)."""
_JUDGED = 3  # candidates a verdict looks at
_RANK = {MERGE: 2, SUGGEST: 1, NONE: 0}
_BATCH = 2048  # reports judged together (bounds the bits of the packed sort keys; < 4,096)


def documents(items: Sequence[tuple[str, str]], *, clean: bool = False) -> list[str]:
    """The texts (title, text) pairs are sketched from: normalised in one batch, the title weighted.
    `clean=True` for titles and texts already cleaned and simplified (as triage leaves them): only folded."""
    prepare = fold_many if clean else normalise_many
    folded = prepare([t for t, _ in items] + [b for _, b in items])
    titles, texts = folded[: len(items)], folded[len(items) :]
    return [" ".join([t] * TITLE_WEIGHT + [b]) for t, b in zip(titles, texts, strict=True)]


class SketchVectorizer:
    """Hashed char 2–3-gram TF-IDF (sublinear tf, l2), IDF fitted on a reference corpus when one is given."""

    def __init__(self, reference: Iterable[str] = ()) -> None:
        from gridloop.triage.adapters.fastgrams import CharGramHasher

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

        return normalize(self.weights(docs), copy=False)

    def weights(self, docs: Sequence[str]) -> Any:
        """Sparse CSR matrix of TF-IDF weights, rows not normalised (canonical: columns sorted)."""
        x = self._hv.transform(docs)
        np.log(x.data, out=x.data)
        x.data += 1
        if self.idf is not None:
            x.data *= self.idf[x.indices]
        return x


@dataclass(frozen=True)
class Candidate:
    """An earlier report similar to the query."""

    key: str
    similarity: float
    hours_apart: float | None
    distance_m: float | None


class Sketch(NamedTuple):
    """A report's heaviest grams (hashed columns) and their renormalised weights, heaviest first."""

    cols: np.ndarray
    weights: np.ndarray


class _Column:
    """A growable 1-D numpy array (amortised appends)."""

    def __init__(self, dtype: Any) -> None:
        self._a = np.empty(1024, dtype=dtype)
        self.n = 0

    def extend(self, values: Any) -> None:
        k = len(values)
        if self.n + k > len(self._a):
            grown = np.empty(max(2 * len(self._a), self.n + k), dtype=self._a.dtype)
            grown[: self.n] = self._a[: self.n]
            self._a = grown
        self._a[self.n : self.n + k] = values
        self.n += k

    def append(self, value: Any) -> None:
        if self.n == len(self._a):
            self._a = np.concatenate([self._a, np.empty_like(self._a)])
        self._a[self.n] = value
        self.n += 1

    def view(self) -> np.ndarray:
        return self._a[: self.n]


def _offsets(lens: np.ndarray) -> Any:
    """Each element's place within its run, for consecutive runs of the given lengths: 0, 1, …, 0, 1, …"""
    return np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)


def _spans(starts: np.ndarray, lens: np.ndarray) -> Any:
    """Concatenated ranges start..start+len (vectorised)."""
    return np.repeat(starts, lens) + _offsets(lens)


def _by_column(cols: np.ndarray, weights: np.ndarray, ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's (column, weight) pairs sorted by column (rows given by `ptr`, fewer than 4,096 of them)."""
    u = np.uint64
    row = np.repeat(np.arange(len(ptr) - 1, dtype=u), np.diff(ptr))
    key = (row << u(52)) | (cols.astype(u) << u(32)) | np.asarray(weights, dtype=np.float32).view(np.uint32)
    key.sort()
    return (key >> u(32) & u(N_FEATURES - 1)).astype(np.int32), (key & u(0xFFFFFFFF)).astype(np.uint32).view(np.float32)


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
        self._keys: list[str] = []
        self._places: list[tuple[float, float] | None] = []
        self._postings: dict[int, array[int]] = {}  # gram → positions (machine ints: compact, memcpy reads)
        # per entry: POSIX seconds (NaN when unknown), where its sketch starts in the gram store, its length
        self._ts, self._start, self._len = _Column(np.float64), _Column(np.int64), _Column(np.int64)
        self._cols, self._weights = _Column(np.int32), _Column(np.float32)  # the gram store: every sketch

    def __len__(self) -> int:
        return len(self._keys)

    def sketches(self, items: Sequence[tuple[str, str]], *, clean: bool = False) -> list[Sketch]:
        """Sketches (top grams and weights) of (title, text) pairs, vectorised in one batch (`clean`: see
        `documents`)."""
        return self._sketch_docs(documents(items, clean=clean))

    def _sketch_docs(self, docs: list[str]) -> list[Sketch]:
        out: list[Sketch] = []
        for i in range(0, len(docs), _SKETCH_ROWS):
            part = [d[:SKETCH_CHARS] for d in docs[i : i + _SKETCH_ROWS]]
            out += self._sketch_rows(self.vectorizer.weights(part))
        return out

    def _sketch_rows(self, x: Any) -> list[Sketch]:
        """Each row's `sketch` heaviest grams, heaviest first (ties by column), l2-normalised; one sort per batch."""
        n = x.shape[0]
        lens = np.diff(x.indptr)
        # key = row | inverted weight bits | column: sorting it orders every row by weight, descending
        # (weights are positive float32, so their bit patterns sort like the values)
        row = np.repeat(np.arange(n, dtype=np.uint64), lens)
        bits = np.uint64(0x7FFFFFFF) - np.asarray(x.data, dtype=np.float32).view(np.uint32).astype(np.uint64)
        key = (row << np.uint64(_ROW_SHIFT)) | (bits << np.uint64(N_BITS)) | x.indices.astype(np.uint64)
        key.sort()
        key = key[_offsets(lens) < self.sketch]
        kept = np.minimum(lens, self.sketch)
        cols = (key & np.uint64(N_FEATURES - 1)).astype(np.int32)
        vals = (np.uint64(0x7FFFFFFF) - ((key >> np.uint64(N_BITS)) & np.uint64(0x7FFFFFFF))).astype(np.uint32)
        weights = vals.view(np.float32)
        kept_row = np.repeat(np.arange(n), kept)
        norm = np.sqrt(np.bincount(kept_row, weights=np.square(weights, dtype=np.float64), minlength=n))
        scale = (1 / np.maximum(norm, 1e-9)).astype(np.float32)  # l2 over the kept grams (row scale cannot reorder)
        weights = weights * scale[kept_row]
        ends = np.cumsum(kept).tolist()
        return [Sketch(cols[lo:hi], weights[lo:hi]) for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]

    def add(
        self,
        key: str,
        sketch: Sketch,
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
    ) -> None:
        """Index a report (reports are expected roughly in time order)."""
        pos = len(self._keys)
        self._keys.append(key)
        self._places.append((lng, lat) if lng is not None and lat is not None else None)
        self._ts.append(when.timestamp() if when is not None else np.nan)
        self._start.append(self._cols.n)
        self._len.append(len(sketch.cols))
        order = sketch.cols.argsort()  # the store keeps rows sorted by column (see `_store`)
        self._cols.extend(sketch.cols[order])
        self._weights.extend(sketch.weights[order])
        postings = self._postings
        for f in sketch.cols[: self.top_k].tolist():
            posting = postings.get(f)
            if posting is None:
                postings[f] = posting = array("q")
            posting.append(pos)

    def _store(
        self,
        keys: Sequence[str],
        sketches: tuple[np.ndarray, np.ndarray, np.ndarray],
        whens: Sequence[datetime | None],
        lngs: Sequence[float | None],
        lats: Sequence[float | None],
    ) -> None:
        """Append entries (everything but their postings); `sketches` = (columns, weights, row pointers),
        each row sorted by column (canonical rows make the sparse products of `_similarities` cheap)."""
        cols, weights, ptr = sketches
        self._keys.extend(keys)
        self._places.extend(
            (lng, lat) if lng is not None and lat is not None else None for lng, lat in zip(lngs, lats, strict=True)
        )
        self._ts.extend([w.timestamp() if w is not None else np.nan for w in whens])
        self._start.extend(self._cols.n + ptr[:-1])
        self._len.extend(np.diff(ptr))
        self._cols.extend(cols)
        self._weights.extend(weights)

    def _hits(self, grams: list[int], out: array[int]) -> None:
        postings, cap = self._postings, -self.max_postings
        for f in grams:
            posting = postings.get(f)
            if posting:
                out.extend(posting[cap:])

    def _similarities(self, q_cols: np.ndarray, q_weights: np.ndarray, q_ptr: np.ndarray, pairs: Any) -> Any:
        """Cosine of each (query row, indexed entry) pair: the dot product of the two sketches."""
        from scipy.sparse import csr_matrix

        q_of, pos = pairs
        if len(pos) == 0:
            return np.zeros(0)
        q_weights = q_weights.astype(np.float64)
        queries = csr_matrix((q_weights, q_cols, q_ptr), shape=(len(q_ptr) - 1, N_FEATURES))[q_of]
        lens = self._len.view()[pos]
        at = _spans(self._start.view()[pos], lens)
        ptr = np.concatenate([[0], np.cumsum(lens)])
        weights = self._weights.view()[at].astype(np.float64)
        others = csr_matrix((weights, self._cols.view()[at], ptr), shape=(len(pos), N_FEATURES))
        queries.has_canonical_format = others.has_canonical_format = True  # rows sorted by column (`_store`)
        return np.asarray(queries.multiply(others).sum(axis=1)).ravel()

    def _similarities_one(self, sketch: Sketch, pos: np.ndarray) -> Any:
        """Cosine of one sketch with each indexed entry at `pos` (small numpy ops, no sparse matrices)."""
        if len(sketch.cols) == 0 or len(pos) == 0:
            return np.zeros(len(pos))
        order = np.argsort(sketch.cols)
        q_cols, q_weights = sketch.cols[order], sketch.weights[order].astype(np.float64)
        lens = self._len.view()[pos]
        at = _spans(self._start.view()[pos], lens)
        cols = self._cols.view()[at]
        found = np.minimum(np.searchsorted(q_cols, cols), len(q_cols) - 1)
        products = np.where(q_cols[found] == cols, q_weights[found] * self._weights.view()[at], 0.0)
        return np.bincount(np.repeat(np.arange(len(pos)), lens), weights=products, minlength=len(pos))

    def _candidates(self, picked: list[int], sims: list[float], t: float, place: Any, limit: int) -> list[Candidate]:
        out = []
        ts, places, keys = self._ts.view(), self._places, self._keys
        for pos, sim in zip(picked, sims, strict=True):
            other_t = float(ts[pos])
            hours = abs(t - other_t) / 3600 if t == t and other_t == other_t else None
            other = places[pos]
            dist = haversine_m(place[0], place[1], other[0], other[1]) if place and other else None
            out.append(Candidate(keys[pos], round(sim, 4), hours, dist))
        out.sort(key=lambda c: -c.similarity)
        return out[:limit]

    def search(
        self,
        sketch: Sketch,
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
        limit: int = 5,
        earlier_only: bool = False,
    ) -> list[Candidate]:
        """Earlier reports most similar to the sketch, within the time window, best first (`earlier_only`: only
        reports received strictly before `when`, for an index that also holds reports not judged yet)."""
        hits: array[int] = array("q")
        self._hits(sketch.cols[: self.top_k].tolist(), hits)  # the query's heaviest grams
        if not hits:
            return []
        # counted and ranked in C (ties keep first-seen order); the window is checked lazily, best first
        ranked = Counter(hits).most_common()
        wanted = limit * 2
        ts = self._ts.view()
        t = when.timestamp() if when is not None else math.nan
        if t != t:
            picked = [pos for pos, _n in ranked[:wanted]]
        else:
            horizon = self.policy.window_hours * 3600
            picked = []
            for pos, _n in ranked:
                other_t = ts[pos]
                if earlier_only and other_t >= t:
                    continue
                if not abs(t - other_t) > horizon:  # NaN (unknown time) passes
                    picked.append(pos)
                    if len(picked) >= wanted:
                        break
        sims = self._similarities_one(sketch, np.array(picked, dtype=np.int64)).tolist()
        place = (lng, lat) if lng is not None and lat is not None else None
        return self._candidates(picked, sims, t, place, limit)

    def judge(
        self,
        sketch: Sketch,
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
        earlier_only: bool = False,
    ) -> DuplicateVerdict:
        """Merge, suggest or nothing, against the best earlier match."""
        found = self.search(sketch, when=when, lng=lng, lat=lat, limit=_JUDGED, earlier_only=earlier_only)
        return self._verdict(found)

    def _verdict(self, candidates: list[Candidate]) -> DuplicateVerdict:
        best = DuplicateVerdict(NONE)
        rank = _RANK
        for c in candidates:
            action, reason = judge_pair(
                c.similarity, hours_apart=c.hours_apart, distance_m=c.distance_m, policy=self.policy
            )
            if rank[action] > rank[best.action]:
                best = DuplicateVerdict(action, c.key, c.similarity, reason)
        return best

    def judge_and_add_many(
        self,
        keys: Sequence[str],
        sketches: Sequence[Sketch],
        *,
        whens: Sequence[datetime | None],
        lngs: Sequence[float | None],
        lats: Sequence[float | None],
    ) -> list[DuplicateVerdict]:
        """`judge` then `add` for each report in order (earlier reports of the batch included), with the
        counting, ranking and scoring of candidates vectorised over the batch; the same verdicts."""
        out: list[DuplicateVerdict] = []
        for i in range(0, len(keys), _BATCH):
            part = slice(i, i + _BATCH)
            out += self._judge_batch(keys[part], sketches[part], whens[part], lngs[part], lats[part])
        return out

    def _judge_batch(
        self,
        keys: Sequence[str],
        sketches: Sequence[Sketch],
        whens: Sequence[datetime | None],
        lngs: Sequence[float | None],
        lats: Sequence[float | None],
    ) -> list[DuplicateVerdict]:
        n, base = len(keys), len(self._keys)
        if n == 0:
            return []
        lens = np.array([len(s.cols) for s in sketches], dtype=np.int64)
        q_ptr = np.concatenate([[0], np.cumsum(lens)])
        q_cols = np.concatenate([s.cols for s in sketches])
        q_weights = np.concatenate([s.weights for s in sketches])
        tops = np.minimum(lens, self.top_k)
        grams = q_cols[_spans(q_ptr[:-1], tops)].tolist()
        # sequential part: each report reads the posting lists as they are when it arrives, then joins them
        hits: array[int] = array("q")
        ends: list[int] = []
        postings, cap, room = self._postings, -self.max_postings, self.max_postings
        lo = 0
        for i, k in enumerate(tops.tolist()):
            pos = base + i
            # one lookup per gram: read its posting list, then join it (a sketch's grams are distinct columns, so
            # joining one list never changes another this report still reads; lists are never empty)
            for f in grams[lo : lo + k]:
                posting = postings.get(f)
                if posting is None:
                    postings[f] = array("q", (pos,))
                else:
                    hits.extend(posting if len(posting) <= room else posting[cap:])
                    posting.append(pos)
            lo += k
            ends.append(len(hits))
        q_cols, q_weights = _by_column(q_cols, q_weights, q_ptr)
        self._store(keys, (q_cols, q_weights, q_ptr), whens, lngs, lats)
        q_ts = np.array([w.timestamp() if w is not None else np.nan for w in whens])
        hit_pos = np.frombuffer(hits, dtype=np.int64) if hits else np.zeros(0, dtype=np.int64)
        picked_q, picked_pos = self._rank(hit_pos, np.array(ends, dtype=np.int64), q_ts)
        scores = self._similarities(q_cols, q_weights, q_ptr, (picked_q, picked_pos)).tolist()
        sims = np.array([round(x, 4) for x in scores])
        # a verdict reads the `_JUDGED` most similar picks; those below the suggest threshold cannot change it
        order = np.lexsort((np.arange(len(sims)), -sims, picked_q))
        by_query = picked_q[order]
        rank = np.arange(len(order)) - np.searchsorted(by_query, by_query)
        order = order[(rank < _JUDGED) & (sims[order] >= self.policy.suggest_similarity)]
        chosen_q, chosen_pos = picked_q[order], picked_pos[order]
        hours = (np.abs(q_ts[chosen_q] - self._ts.view()[chosen_pos]) / 3600).tolist()  # NaN: a time unknown
        chosen_sim, positions = sims[order].tolist(), chosen_pos.tolist()
        cuts = np.searchsorted(chosen_q, np.arange(n + 1)).tolist()
        nothing = DuplicateVerdict(NONE)
        policy, places, keys = self.policy, self._places, self._keys
        out = []
        for i in range(n):
            best, best_rank = nothing, 0
            lng, lat = lngs[i], lats[i]
            for j in range(cuts[i], cuts[i + 1]):  # most similar first, as `judge` reads them
                pos, h = positions[j], hours[j]
                other = places[pos]
                dist = (
                    haversine_m(lng, lat, other[0], other[1]) if other and lng is not None and lat is not None else None
                )
                action, reason = judge_pair(
                    chosen_sim[j], hours_apart=h if h == h else None, distance_m=dist, policy=policy
                )
                if _RANK[action] > best_rank:
                    best, best_rank = DuplicateVerdict(action, keys[pos], chosen_sim[j], reason), _RANK[action]
            out.append(best)
        return out

    def _rank(self, hits: np.ndarray, ends: np.ndarray, q_ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per query, the `2 × _JUDGED` entries sharing most of its grams within the time window (ties: first
        seen), as (query, position) pairs grouped by query, best first: what `search` picks, for many queries."""
        empty = np.zeros(0, dtype=np.int64)
        if len(hits) == 0:
            return empty, empty
        n = len(ends)
        counts = np.diff(ends, prepend=0)
        query = np.repeat(np.arange(n, dtype=np.int64), counts)
        seen = _offsets(counts)  # order of each hit within its query
        qb, pb = n.bit_length(), max(len(self._keys).bit_length(), 1)
        sb = max(int(counts.max()).bit_length(), 1)
        u = np.uint64
        key = (query.astype(u) << u(pb + sb)) | (hits.astype(u) << u(sb)) | seen.astype(u)
        key.sort()
        pair = key >> u(sb)
        change = np.empty(len(pair), dtype=bool)
        change[0] = True
        np.not_equal(pair[1:], pair[:-1], out=change[1:])
        first = np.flatnonzero(change)
        shared = np.diff(first, append=len(key))  # grams shared with that entry
        first_seen = key[first] & u((1 << sb) - 1)
        pair = pair[first]
        query, pos = (pair >> u(pb)).astype(np.int64), (pair & u((1 << pb) - 1)).astype(np.int64)
        other_t = self._ts.view()[pos]
        ok = ~(np.abs(q_ts[query] - other_t) > self.policy.window_hours * 3600)  # unknown times pass
        query, pos, shared, first_seen = query[ok], pos[ok], shared[ok], first_seen[ok]
        if len(query) == 0:
            return empty, empty
        cb = max(int(shared.max()).bit_length(), 1)
        if qb + cb + sb + pb > 64:  # absurd parameters: rank by (query, -shared, first seen) without packing
            order = np.lexsort((first_seen, -shared, query))
            query, pos = query[order], pos[order]
        else:
            top = u((1 << cb) - 1) - shared.astype(u)
            key = (query.astype(u) << u(cb + sb + pb)) | (top << u(sb + pb)) | (first_seen << u(pb)) | pos.astype(u)
            key.sort()
            query = (key >> u(cb + sb + pb)).astype(np.int64)
            pos = (key & u((1 << pb) - 1)).astype(np.int64)
        starts = np.searchsorted(query, np.arange(n))
        rank = np.arange(len(query)) - starts[query]
        keep = rank < 2 * _JUDGED
        return query[keep], pos[keep]
