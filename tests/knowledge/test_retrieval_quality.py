"""Retrieval quality on the shared data (figures of docs/knowledge.md, asserted with a margin on held-out splits)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kb_eval() -> Any:
    sys.path.insert(0, str(REPO / "bench"))
    import kb_eval

    return kb_eval


def test_caller_holdout_mrr_is_at_least_075_and_beats_plain_bm25(shared_kb: Path, kb_eval: Any) -> None:
    records, queries = kb_eval.caller_set(shared_kb.parent)
    ours = kb_eval.evaluate(kb_eval.ours(records, kb_eval.SearchParams()), queries, "holdout")["mrr10"]
    base = kb_eval.evaluate(kb_eval.baseline(records), queries, "holdout")["mrr10"]
    assert ours >= 0.75 and ours >= base + 0.1, (ours, base)


def test_fresh_caller_queries_written_after_tuning_beat_plain_bm25(shared_kb: Path, kb_eval: Any) -> None:
    records, queries = kb_eval.caller_set(shared_kb.parent)
    fresh = [q for q in queries if q[3] == "fresh"]
    assert len(fresh) >= 50
    ours = kb_eval.evaluate(kb_eval.ours(records, kb_eval.SearchParams()), queries, "fresh")
    base = kb_eval.evaluate(kb_eval.baseline(records), queries, "fresh")
    assert ours["mrr10"] >= 0.58 and ours["mrr10"] >= base["mrr10"] + 0.05, (ours, base)
    assert ours["r10"] >= 0.85, ours


@pytest.mark.parametrize(("name", "floor"), [("beijing", 0.645), ("taipei", 0.56)])
def test_answers_only_holdout_stays_at_the_bm25_level(shared_kb: Path, kb_eval: Any, name: str, floor: float) -> None:
    records, queries, params = kb_eval.sets(shared_kb.parent)[name]
    ours = kb_eval.evaluate(kb_eval.ours(records, params), queries, "holdout")["mrr10"]
    base = kb_eval.evaluate(kb_eval.baseline(records), queries, "holdout")["mrr10"]
    assert ours >= floor and ours >= base - 0.02, (ours, base)


def test_caller_queries_never_repeat_an_faq_question(shared_kb: Path, kb_eval: Any) -> None:
    from gridloop.knowledge.adapters.text import normalize

    records, queries = kb_eval.caller_set(shared_kb.parent)
    asked = {normalize(r.title) for r in records}
    assert not [q for _, q, _, _ in queries if normalize(q) in asked]


def test_no_fresh_target_is_also_a_target_of_a_tuning_query(shared_kb: Path, kb_eval: Any) -> None:
    _, queries = kb_eval.caller_set(shared_kb.parent)
    fresh = {t for _, _, rel, sp in queries if sp == "fresh" for t in rel}
    tuned = {t for _, _, rel, sp in queries if sp in ("tune", "holdout") for t in rel}
    assert fresh and not fresh & tuned


def test_blind_caller_queries_beat_plain_bm25_and_the_intent_boost_helps(shared_kb: Path, kb_eval: Any) -> None:
    records, queries = kb_eval.caller_set(shared_kb.parent)
    assert len([q for q in queries if q[3] == "blind"]) >= 60
    ours = kb_eval.evaluate(kb_eval.ours(records, kb_eval.SearchParams()), queries, "blind")
    flat = kb_eval.evaluate(kb_eval.ours(records, kb_eval.SearchParams(intent_boost=0.0)), queries, "blind")
    base = kb_eval.evaluate(kb_eval.baseline(records), queries, "blind")
    assert ours["mrr10"] >= 0.68 and ours["mrr10"] >= base["mrr10"] + 0.06, (ours, base)
    assert ours["mrr10"] > flat["mrr10"], (ours, flat)


def test_no_blind_target_is_also_a_target_of_another_split(shared_kb: Path, kb_eval: Any) -> None:
    _, queries = kb_eval.caller_set(shared_kb.parent)
    blind = {t for _, _, rel, sp in queries if sp == "blind" for t in rel}
    other = {t for _, _, rel, sp in queries if sp != "blind" for t in rel}
    assert blind and not blind & other


def test_fresh2_caller_queries_written_after_the_eighth_round_target_entries_no_other_query_does(
    shared_kb: Path, kb_eval: Any
) -> None:
    _, queries = kb_eval.caller_set(shared_kb.parent)
    third = {t for _, _, rel, sp in queries if sp == "fresh2" for t in rel}
    other = {t for _, _, rel, sp in queries if sp != "fresh2" for t in rel}
    assert len([q for q in queries if q[3] == "fresh2"]) >= 40
    assert third and not third & other
