"""Chunk vectors of long passages for bench/kb_semantic.py (issue 15, sixth round). Cached, resumable.

A body is tokenized once as the product does (`passage: ` + text); chunk 0 is the first `window` tokens (the vector
the product stores today); chunk i > 0 is the prefix tokens + the body tokens from i·stride, `window` tokens in all,
up to `cap` chunks. Only chunks i > 0 are embedded here (chunk 0 comes from bench/kb_embed_cache.py).
Files: <cache>/chunks-<sha1>.npz with `vec` (m, 384) and `owner` (m,) = index of the text each extra chunk belongs to.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np


def chunk_token_ids(model: object, text: str, *, window: int, stride: int, cap: int) -> list[list[int]]:
    """Token id lists (with <s> and </s>) of the extra chunks (i ≥ 1) of one passage: the product's own cut."""
    out: list[list[int]] = model.chunk_token_ids(text, window=window, stride=stride, cap=cap)  # type: ignore[attr-defined]
    return out


def chunk_vectors(
    cache: Path, texts: list[str], *, window: int = 128, stride: int = 96, cap: int = 32, log: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, owner) of the extra chunks of `texts`, from the cache or embedded now (resumes a partial file)."""
    key = hashlib.sha1("\x1f".join([f"v2/{window}/{stride}/{cap}", *texts]).encode()).hexdigest()[:16]
    path = cache / f"chunks-{key}.npz"
    if path.exists():
        z = np.load(path)
        return z["vec"], z["owner"]
    from gridloop.knowledge.adapters.e5 import E5Model, model_path

    model = E5Model(model_path())
    jobs: list[tuple[int, list[int]]] = []
    for i, t in enumerate(texts):
        jobs += [(i, ids) for ids in chunk_token_ids(model, t, window=window, stride=stride, cap=cap)]
    owner = np.array([j[0] for j in jobs], np.int32)
    cache.mkdir(parents=True, exist_ok=True)
    part = cache / f"chunks-{key}.partial.npy"
    done = np.load(part) if part.exists() else np.zeros((0, 384), np.float32)
    rows = [done]
    t0 = time.perf_counter()
    threads = int(os.environ.get("KB_CHUNK_THREADS", "1"))
    from threadpoolctl import threadpool_limits

    n = len(done)
    with threadpool_limits(limits=threads, user_api="blas"):
        while n < len(jobs):
            while os.path.exists("/tmp/bench-quiet"):
                time.sleep(5)
            batch = [j[1] for j in jobs[n : n + 16]]
            rows.append(model.forward(batch))
            n += len(batch)
            np.save(part, np.concatenate(rows))
            if log:
                print(f"chunks {n}/{len(jobs)} {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    vec = np.concatenate(rows).astype(np.float32)
    np.savez(path, vec=vec, owner=owner)
    part.unlink(missing_ok=True)
    return vec, owner


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from kb_eval import sets

    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    all_sets = sets(shared)
    for name in ("beijing", "taipei"):
        records = all_sets[name][0]
        v, o = chunk_vectors(Path("/tmp/kb8-cache"), [r.body for r in records])
        print(name, v.shape, file=sys.stderr)
