"""The fast paths of batch triage decide exactly what the plain ones do: the compiled classifier gives the
pipeline's probabilities, the Aho-Corasick word locator finds what the standard-library one finds, and urgency
flags do not depend on which locator found the words."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from gridloop.triage.adapters.classifier import train
from gridloop.triage.adapters.fastlinear import compile_pipeline
from gridloop.triage.adapters.models import example_pairs, shipped_examples
from gridloop.triage.adapters.words import automaton_locator
from gridloop.triage.domain.urgency import URGENCY_RULES, WORD_LISTS, assess_urgency
from gridloop.triage.domain.words import regex_locator

EVAL = Path(__file__).resolve().parents[1] / "data" / "shanghai_eval.csv"
ODD = ["", " ", "。。。", "a", "ab", "no gas leak here; smell gas!", "煤气\n\n  漏气了", "着火了。\n 救命", "们们水"]


def _eval_texts() -> list[str]:
    with EVAL.open(encoding="utf-8") as fh:
        return [r["text"] for r in csv.DictReader(fh)] + ODD


def _pairs() -> list[tuple[str, str]]:
    return example_pairs(shipped_examples())


def test_compiled_calibrated_classifier_gives_the_pipelines_probabilities() -> None:
    pairs = _pairs()
    model = train([t for t, _ in pairs], [c for _, c in pairs], normalised=True, calibrate=True)
    scorer = compile_pipeline(model.pipeline)
    assert scorer is not None, "the shipped recipe's pipeline should compile"
    docs = [t.lower().replace(" ", "") for t in _eval_texts()]
    expected = model.pipeline.predict_proba(docs)
    got = scorer.proba(docs)
    assert np.abs(expected - got).max() < 1e-12, "compiled probabilities differ from predict_proba"


def test_compiled_uncalibrated_classifier_gives_the_softmax_of_the_pipelines_scores() -> None:
    pairs = _pairs()
    model = train([t for t, _ in pairs], [c for _, c in pairs], normalised=True, calibrate=False)
    scorer = compile_pipeline(model.pipeline)
    assert scorer is not None
    docs = [t.lower().replace(" ", "") for t in _eval_texts()]
    assert np.abs(model.pipeline.decision_function(docs) - scorer.decision(docs)).max() < 1e-12


def test_a_pipeline_of_another_shape_is_left_to_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    other = Pipeline([("features", TfidfVectorizer()), ("clf", LogisticRegression())])
    assert compile_pipeline(other) is None


def test_automaton_finds_every_occurrence_the_regex_locator_finds() -> None:
    words = sorted({w for ws in WORD_LISTS.values() for w in ws} | {"机动车道", "非机动车道", "no ", "gas leak"})
    fast, plain = automaton_locator(words), regex_locator(words)
    for text in _eval_texts():
        lowered = text.lower()
        assert fast(lowered) == plain(lowered), f"locators disagree on {text[:40]!r}"


def test_urgency_flags_do_not_depend_on_the_word_locator() -> None:
    for text in _eval_texts():
        a = assess_urgency(text, rules=URGENCY_RULES, locator=regex_locator)
        b = assess_urgency(text, rules=URGENCY_RULES, locator=automaton_locator)
        assert a == b, f"urgency differs by locator for {text[:40]!r}: {a} / {b}"


def test_the_personal_data_gate_in_two_scans_says_what_the_one_regex_says() -> None:
    from gridloop.triage.services.triage import _MAYBE_PERSONAL, _maybe_personal

    samples = [
        *_eval_texts(),
        *("aA·B12345", "x沪A12345", "中AB·1234", "中A 12345", "A12345", "京A·D12345", "电话13812345678"),
        *("卡号6222 0202 0000 1234 567", "写信到 a.b@example.cn", "A市A3区 2019-01-01 反映"),
    ]
    for text in samples:
        assert _maybe_personal(text) == bool(_MAYBE_PERSONAL.search(text)), f"gates disagree on {text[:40]!r}"


def test_traditional_characters_are_found_in_long_texts_as_in_short_ones() -> None:
    from gridloop.platform.script import has_traditional, traditional_chars

    simplified = "我们小区的垃圾房一直没有人清运，臭味很大" * 4
    assert not has_traditional(simplified)
    for trad in ("們", "區", "垃圾房無人清運", "\U00020000"):
        for text in (trad, simplified + trad, trad + simplified, simplified[:20] + trad + simplified):
            expected = not traditional_chars().isdisjoint(text)
            assert has_traditional(text) == expected, f"{trad!r} in a text of {len(text)} characters"


def test_the_wording_index_judges_a_batch_as_it_judges_reports_one_by_one() -> None:
    from datetime import UTC, datetime, timedelta

    from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer, documents

    texts = _eval_texts()
    items = [(t[:12], t) for t in texts] * 2  # every report twice: merges, and candidates after a merge
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    whens = [t0 + timedelta(minutes=7 * i) for i in range(len(items))]
    lngs = [121.4 + (i % 7) * 0.004 if i % 3 else None for i in range(len(texts))] * 2
    lats = [31.2 if lng is not None else None for lng in lngs]
    keys = [f"r{i}" for i in range(len(items))]
    vectorizer = SketchVectorizer(documents(items[:200]))
    one, many = DuplicateIndex(vectorizer), DuplicateIndex(vectorizer)
    expected = []
    for key, sketch, when, lng, lat in zip(keys, one.sketches(items), whens, lngs, lats, strict=True):
        expected.append(one.judge(sketch, when=when, lng=lng, lat=lat))
        one.add(key, sketch, when=when, lng=lng, lat=lat)
    got = many.judge_and_add_many(keys, many.sketches(items), whens=whens, lngs=lngs, lats=lats)
    assert got == expected
    assert sum(v.action == "merge" for v in got) >= len(texts) // 4


def test_an_event_report_read_with_its_place_given_is_the_one_read_from_scratch() -> None:
    from gridloop.triage.domain.duplicates import EVENT_CHARS, EventReport, extract_place

    texts = [*_eval_texts(), "长寿路500弄3号楼楼道漏水", "人民广场地铁站门口有人晕倒了"]
    for i, text in enumerate(texts):
        lng, lat = (121.47, 31.23) if i % 2 else (None, None)
        place = extract_place(text[:EVENT_CHARS])
        assert EventReport.of(text, lng=lng, lat=lat, place=place) == EventReport.of(text, lng=lng, lat=lat)
