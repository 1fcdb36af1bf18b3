"""Knowledge-base search speed at 100k articles: queries/s and latency of `LexicalIndex.search` against the bare
bm25s query (character uni+bi-grams of title + body, `retrieve(k=10)`) on the same corpus, same run. Prints JSON.
Latency is given in wall-clock time and in CPU time of this process (the machine may be shared: see load_avg).

Articles are resampled (seed 2026) from the shared KB data: Beijing and Taipei FAQ rows and regulation articles
(split on 第…条); each copy gets a fresh id and one sentence of another article appended so that no two are equal.
Queries are the hand-written caller queries plus FAQ questions.
With semantic re-ranking (the product's default, `kb_semantic`) the search is timed again with the e5 query
encoder; the articles' stored vectors are random unit vectors (see `_semantic`), the cost of embedding a title and a
body is measured on 200 real articles, and the query-embedding latency is reported. Usage:
  python bench/kb.py [--n 100000] [--queries 500] [--shared ../shared/data] [--no-semantic]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from gridloop.knowledge.adapters.lexical import LexicalIndex, Record
from gridloop.knowledge.adapters.text import char_ngrams

REPO = Path(__file__).resolve().parents[1]
_ARTICLE = re.compile(r"(?m)^(第[一二三四五六七八九十百千零〇]+条)")


def _sources(shared: Path) -> list[tuple[str, str]]:
    csv.field_size_limit(sys.maxsize)
    out: list[tuple[str, str]] = []
    for name in ("faq_beijing_msgabench.csv", "faq_taipei.csv"):
        with (shared / "kb" / name).open(encoding="utf-8") as fh:
            out += [(r["question"], r["answer"]) for r in csv.DictReader(fh) if r["answer"].strip()]
    for name in ("regulations_shanghai.jsonl", "regulations_national_subset.jsonl"):
        with (shared / "kb" / name).open(encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                parts = _ARTICLE.split(doc["text"])
                out += [(f"{doc['title']}{parts[i]}", parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]
    return out


def _queries(shared: Path, n: int, rng: random.Random) -> list[str]:
    with (REPO / "tests" / "data" / "kb_caller_queries.jsonl").open(encoding="utf-8") as fh:
        qs = [json.loads(line)["query"] for line in fh if line.strip()]
    with (shared / "kb" / "faq_beijing_msgabench.csv").open(encoding="utf-8") as fh:
        qs += [r["question"] for r in csv.DictReader(fh)]
    return rng.sample(qs, min(n, len(qs)))


def _timed(fn, queries: list[str]) -> dict[str, float]:
    lat, cpu_lat = [], []
    t0 = time.perf_counter()
    c0 = time.process_time()
    for q in queries:
        t = time.perf_counter()
        c = time.process_time()
        fn(q)
        lat.append(time.perf_counter() - t)
        cpu_lat.append(time.process_time() - c)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    a = np.array(lat) * 1000
    return {
        "cpu_p50_ms": round(float(np.percentile(cpu_lat, 50)) * 1000, 2),
        "cpu_p95_ms": round(float(np.percentile(cpu_lat, 95)) * 1000, 2),
        "qps": round(len(queries) / wall, 1),
        "qps_per_cpu_s": round(len(queries) / max(cpu, 1e-9), 1),
        "p50_ms": round(float(np.percentile(a, 50)), 2),
        "p95_ms": round(float(np.percentile(a, 95)), 2),
        "max_ms": round(float(a.max()), 2),
    }


def _semantic(index: LexicalIndex, records: list[Record], queries: list[str]) -> dict[str, object]:
    """Attach article vectors and time the fused search with the real query encoder.

    Embedding 100k titles and bodies with e5 takes hours on two cores, and the latency of a search does not depend
    on what the stored vectors say, so the articles get random unit vectors; the per-text embedding cost is measured
    on 200 real titles and 200 real bodies and extrapolated to 100k.
    """
    from gridloop.knowledge.adapters.semantic import (
        CHUNK_CAP,
        CHUNK_STRIDE,
        PASSAGE_TOKENS,
        E5Encoder,
        SemanticRerank,
        chunk_text,
        embedding_texts,
    )

    enc = E5Encoder()
    enc.encode(["预热"])  # load the model outside the timing
    sample = [embedding_texts(r.title, r.body) for r in records[:200]]
    t = time.perf_counter()
    enc.encode_passages([x for x, _ in sample])
    per_title = (time.perf_counter() - t) / len(sample)
    t = time.perf_counter()
    enc.encode_passages([x for _, x in sample])
    per_body = (time.perf_counter() - t) / len(sample)
    t = time.perf_counter()
    sample_chunks = enc.encode_chunks([chunk_text(r.body) for r in records[:200]])
    per_chunks = (time.perf_counter() - t) / len(sample)
    rng = np.random.default_rng(2026)

    def unit(n: int) -> np.ndarray:
        v = rng.standard_normal((n, 384)).astype(np.float32)
        out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
        return out

    has = np.ones(len(records), dtype=bool)
    index.semantic = SemanticRerank.of(enc, unit(len(records)), has, unit(len(records)), has)
    q_lat = []
    for q in queries:
        t = time.perf_counter()
        enc.encode([q])
        q_lat.append((time.perf_counter() - t) * 1000)
    # Chunks of long bodies (sixth round): as many random chunks per article as its body would have (≈ 1.45
    # characters per token, as on the Beijing and Taipei answers); their count is reported.
    est = [max(0, -(-(int(len(chunk_text(r.body)) / 1.45) - PASSAGE_TOKENS) // CHUNK_STRIDE)) for r in records]
    chunks = [unit(min(n, CHUNK_CAP - 1)) for n in est]
    index.semantic = SemanticRerank.of(enc, index.semantic.title_vectors, has, index.semantic.body_vectors, has, chunks)
    fused = _timed(lambda q: index.search(q, top=10), queries)  # a fresh rerank: no query is remembered yet
    # the same with the fifth round's depth (100 candidates), a fresh instance (no query remembered), same run
    held = index.semantic
    index.semantic = SemanticRerank.of(enc, held.title_vectors, has, held.body_vectors, has, chunks)
    index.semantic.depth = 100
    fused_100 = _timed(lambda q: index.search(q, top=10), queries)
    # the seventh round's change, same run: the query embedded after the lexical scoring on the searching thread
    index.semantic = SemanticRerank.of(enc, held.title_vectors, has, held.body_vectors, has, chunks)
    index.semantic.overlap = False
    sequential = _timed(lambda q: index.search(q, top=10), queries)
    index.semantic = None
    return {
        "knowledge_index_semantic": fused,
        "knowledge_index_semantic_depth100": fused_100,
        "knowledge_index_semantic_no_overlap": sequential,
        "semantic_p95_ok": fused["p95_ms"] <= 50,
        "query_embedding_ms": {
            "p50": round(float(np.percentile(q_lat, 50)), 2),
            "p95": round(float(np.percentile(q_lat, 95)), 2),
        },
        "article_embedding": {
            "ms_per_title": round(per_title * 1000, 2),
            "ms_per_body": round(per_body * 1000, 2),
            "ms_per_body_chunks": round(per_chunks * 1000, 2),
            "sample_chunks_per_body": round(float(np.mean([len(c) for c in sample_chunks])), 2),
            "est_100k_articles_s": round((per_title + per_body) * 100_000, 0),
            "est_100k_articles_with_chunks_s": round((per_title + per_body + per_chunks) * 100_000, 0),
        },
        "chunks_per_article": round(float(np.mean([min(n, CHUNK_CAP - 1) for n in est])), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--no-semantic", action="store_true")
    args = ap.parse_args()
    rng = random.Random(2026)
    shared = Path(args.shared)
    src = _sources(shared)
    records = []
    for i in range(args.n):
        title, body = src[rng.randrange(len(src))]
        extra = src[rng.randrange(len(src))][1][:60]
        records.append(Record(f"a{i:06d}", title, f"{body}\n{extra}"))
    queries = _queries(shared, args.queries, rng)

    import bm25s

    t = time.perf_counter()
    base = bm25s.BM25(k1=1.2, b=0.75)
    base.index([char_ngrams(r.title + r.body) for r in records], show_progress=False)
    base_build = time.perf_counter() - t
    vocab = base.vocab_dict

    def bare(q: str) -> object:
        toks = [x for x in char_ngrams(q) if x in vocab]
        return base.retrieve([toks], k=10, show_progress=False, n_threads=1) if toks else None

    t = time.perf_counter()
    index = LexicalIndex.build(records)
    build = time.perf_counter() - t
    for q in queries[:5]:  # warm jieba and caches outside the timing
        index.search(q)
        bare(q)
    b = _timed(bare, queries)
    o = _timed(lambda q: index.search(q, top=10), queries)
    sem = {} if args.no_semantic else _semantic(index, records, queries)
    print(
        json.dumps(
            {
                **sem,
                "articles": args.n,
                "queries": len(queries),
                "baseline_bm25s": {**b, "build_s": round(base_build, 1)},
                "knowledge_index": {**o, "build_s": round(build, 1)},
                "ratio_qps_vs_baseline": round(o["qps"] / b["qps"], 3),
                "p95_goal_ms": 50,
                "p95_ok": o["p95_ms"] <= 50,
                "cpu_p95_ok": o["cpu_p95_ms"] <= 50,
                "load_avg": os.getloadavg()[0],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
