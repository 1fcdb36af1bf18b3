"""Retrieval quality on the shared data, held-out caller queries: the index beats plain BM25 by a wide margin."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_caller_holdout_mrr_is_at_least_075_and_beats_plain_bm25(shared_kb: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import kb_eval

    records, queries = kb_eval.caller_set(shared_kb.parent)
    ours = kb_eval.evaluate(kb_eval.ours(records, kb_eval.SearchParams()), queries, "holdout")["mrr10"]
    base = kb_eval.evaluate(kb_eval.baseline(records), queries, "holdout")["mrr10"]
    assert ours >= 0.75 and ours >= base + 0.1, (ours, base)
