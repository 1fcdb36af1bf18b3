"""Retrieval with the product's e5 re-ranking on the shared data: the figures of docs/knowledge.md (fifth to eighth
rounds), asserted with a margin on splits never used for tuning the tables (the eighth round chose its fusion
weights on the blind and fresh callers crosswise: docs/knowledge.md). Embeds the 2,314 Beijing FAQ titles and
answers and the further chunks of the long answers once (about six minutes on two cores), exactly as `kb embed`
does: `embedding_texts` + `encode_titles` / `encode_passages`, `chunk_text` + `encode_chunks`; the Taipei test
embeds the 1,877 Taipei answers the same way (about five minutes more; the encoder reads them in Simplified)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gridloop.knowledge.adapters.lexical import LexicalIndex, Record
from gridloop.knowledge.adapters.semantic import E5Encoder, SemanticRerank, chunk_text, embedding_texts

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kb_eval() -> Any:
    sys.path.insert(0, str(REPO / "bench"))
    import kb_eval

    return kb_eval


@pytest.fixture(scope="module")
def vectors(shared_kb: Path, kb_eval: Any) -> tuple[E5Encoder, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every distinct title (as `encode_titles`) and answer of the Beijing FAQ, and each answer's further chunks,
    embedded once; a text is keyed by its side (0 title, 1 body), as the product keys them by model."""
    records, _ = kb_eval.caller_set(shared_kb.parent)
    enc = E5Encoder()
    out: dict[tuple[int, str], np.ndarray] = {}
    for side, encode in ((0, enc.encode_titles), (1, enc.encode_passages)):
        texts = list(dict.fromkeys(t for r in records if (t := embedding_texts(r.title, r.body)[side])))
        rows = np.concatenate([encode(texts[i : i + 256]) for i in range(0, len(texts), 256)])
        out |= {(side, t): v for t, v in zip(texts, rows, strict=True)}
    bodies = list(dict.fromkeys(b for r in records if (b := chunk_text(r.body))))
    chunks = [c for i in range(0, len(bodies), 256) for c in enc.encode_chunks(bodies[i : i + 256])]
    return enc, out, dict(zip(bodies, chunks, strict=True))


def _index(
    records: list[Record], enc: E5Encoder, vecs: dict[tuple[int, str], np.ndarray], chunks: dict[str, np.ndarray]
) -> LexicalIndex:
    index = LexicalIndex.build(records)
    pairs = [embedding_texts(r.title, r.body) for r in records]

    def side(k: int) -> tuple[np.ndarray, np.ndarray]:
        present = np.array([bool(p[k]) and (k, p[k]) in vecs for p in pairs])
        rows = np.stack(
            [vecs[k, p[k]] if ok else np.zeros(384, np.float32) for p, ok in zip(pairs, present, strict=True)]
        )
        return rows, present

    body_chunks: list[np.ndarray | None] = [chunks.get(chunk_text(r.body)) for r in records]
    index.semantic = SemanticRerank.of(enc, *side(0), *side(1), body_chunks)
    return index


def _mrr(index: LexicalIndex, queries: list[Any], split: str, kb_eval: Any) -> float:
    if index.semantic is not None:  # as `kb search --input` does: the split's queries embedded in batches
        index.semantic.prime([q for _, q, _, sp in queries if kb_eval.in_split(sp, split)])
    run = lambda q: [h.source_id for h in index.search(q, top=10)]  # noqa: E731
    return float(kb_eval.evaluate(run, queries, split)["mrr10"])


def test_callers_outside_the_synonym_tables_loop_reach_the_eighth_rounds_figures_and_gain_over_bm25_only(
    vectors: Any, shared_kb: Path, kb_eval: Any
) -> None:
    enc, vecs, chunks = vectors
    records, queries = kb_eval.caller_set(shared_kb.parent)
    fused = _index(records, enc, vecs, chunks)
    index = fused.semantic
    fused.semantic = None
    lexical = {sp: _mrr(fused, queries, sp, kb_eval) for sp in ("blind", "fresh", "fresh2")}
    fused.semantic = index
    semantic = {sp: _mrr(fused, queries, sp, kb_eval) for sp in ("blind", "fresh", "fresh2")}
    # eighth round (titles as e5 queries, lexical weight 0.02): 0.877 / 0.786 in the bench, 0.875 / 0.786 via the CLI;
    # fresh2 (43 queries written after the choice, used for nothing else): 0.839 in the bench
    assert semantic["blind"] >= 0.86 and semantic["fresh"] >= 0.77, (semantic, lexical)
    assert semantic["fresh2"] >= 0.80, (semantic, lexical)
    assert all(semantic[sp] >= lexical[sp] + 0.05 for sp in semantic), (semantic, lexical)


def test_beijing_answers_only_holdout_is_at_075_with_chunked_answers(
    vectors: Any, shared_kb: Path, kb_eval: Any
) -> None:
    enc, vecs, chunks = vectors
    records, queries, _ = kb_eval.sets(shared_kb.parent)["beijing"]
    index = _index(records, enc, vecs, chunks)
    base = float(kb_eval.evaluate(kb_eval.baseline(records), queries, "holdout")["mrr10"])
    ours = _mrr(index, queries, "holdout", kb_eval)
    assert index.semantic is not None and index.semantic.chunk_vectors is not None
    assert ours >= 0.745 and ours >= base + 0.09, (ours, base)  # 0.753 in the bench, 0.750 through the CLI


def test_taipei_answers_only_holdout_gains_from_reading_traditional_text_as_simplified(
    shared_kb: Path, kb_eval: Any
) -> None:
    records, queries, _ = kb_eval.sets(shared_kb.parent)["taipei"]
    enc = E5Encoder()
    texts = list(dict.fromkeys(b for r in records if (b := embedding_texts(r.title, r.body)[1])))
    rows = np.concatenate([enc.encode_passages(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    bodies = list(dict.fromkeys(b for r in records if (b := chunk_text(r.body))))
    chunks = [c for i in range(0, len(bodies), 256) for c in enc.encode_chunks(bodies[i : i + 256])]
    vecs = {(1, t): v for t, v in zip(texts, rows, strict=True)}
    index = _index(records, enc, vecs, dict(zip(bodies, chunks, strict=True)))
    base = float(kb_eval.evaluate(kb_eval.baseline(records), queries, "holdout")["mrr10"])
    ours = _mrr(index, queries, "holdout", kb_eval)
    assert index.semantic is not None and index.semantic.chunk_vectors is not None
    # 0.639 in the bench and through the CLI (0.628 before the seventh round read Traditional text as written)
    assert ours >= 0.634 and ours >= base + 0.05, (ours, base)
