"""A city's own category conventions: phrase rules and labelled examples combined with model scores.

Rules are data (rows an administrator edits). A phrase "A+B" matches when every part occurs in the text.
`override` rules decide the category; `boost` rules add weight to it before renormalising.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from gridloop.triage.domain.words import Segmenter, occurs, trie_regex

OVERRIDE = "override"
BOOST = "boost"
MODES = (OVERRIDE, BOOST)
OVERRIDE_CONFIDENCE = 0.9
EXAMPLE_SIMILARITY = 0.5


@dataclass(frozen=True)
class CategoryRule:
    """Phrases that point at a category, and how strongly."""

    category: str
    phrases: tuple[str, ...]
    mode: str = BOOST
    weight: float = 0.35
    note: str = ""
    rule_id: int | None = None
    key: str = ""
    """A shipped rule's stable id; a city rule whose note says `overrides:KEY` replaces it."""


@dataclass(frozen=True)
class LabeledExample:
    """A message an administrator filed under a category."""

    category: str
    text: str
    example_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """The category chosen for a text, its confidence, and why."""

    category: str | None
    confidence: float
    explanation: str
    model_category: str | None = None
    scores: dict[str, float] = field(default_factory=dict)


def _bigrams(text: str) -> set[str]:
    compact = re.sub(r"\s+", "", text)
    return {compact[i : i + 2] for i in range(len(compact) - 1)} or ({compact} if compact else set())


class Conventions:
    """Compiled rules and examples: match a text and combine with model probabilities."""

    def __init__(
        self,
        rules: Iterable[CategoryRule] = (),
        examples: Iterable[LabeledExample] = (),
        *,
        segment: Segmenter | None = None,
    ) -> None:
        self.rules = list(rules)
        self.segment = segment
        self.examples = list(examples)
        self._parts: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
        heads: set[str] = set()
        for idx, rule in enumerate(self.rules):
            for phrase in rule.phrases:
                parts = tuple(p for p in phrase.split("+") if p)
                if not parts:
                    continue
                head = max(parts, key=len)
                heads.add(head)
                self._parts.setdefault(head, []).append((idx, parts, phrase))
        ordered = sorted(heads, key=len, reverse=True)
        self._pattern = re.compile(trie_regex(ordered)) if ordered else None
        self._example_grams = [_bigrams(e.text) for e in self.examples]
        self._max_example = max((len(g) for g in self._example_grams), default=0)
        self._index: dict[str, list[int]] = {}
        for i, grams in enumerate(self._example_grams):
            for g in grams:
                self._index.setdefault(g, []).append(i)

    def match(self, text: str) -> list[tuple[CategoryRule, str]]:
        """Rules whose phrase occurs in the text as words (机动车道 not inside 非机动车道), each with the phrase
        that matched (once per rule)."""
        if self._pattern is None or not text:
            return []
        found: dict[int, str] = {}
        seen: dict[str, bool] = {}

        def has(part: str) -> bool:
            got = seen.get(part)
            if got is None:
                got = seen[part] = part in text and occurs(text, part, segment=self.segment)
            return got

        for head in dict.fromkeys(self._pattern.findall(text)):
            for idx, parts, phrase in self._parts.get(head, []):
                if idx not in found and all(has(p) for p in parts):
                    found[idx] = phrase
        return [(self.rules[i], phrase) for i, phrase in sorted(found.items())]

    def nearest_example(self, text: str) -> tuple[LabeledExample, float] | None:
        """The most similar labelled example (bigram Jaccard ≥ EXAMPLE_SIMILARITY), if any."""
        if not self.examples or not text:
            return None
        # Jaccard ≥ s needs the smaller set to hold ≥ s of the larger: long texts cannot match short examples
        if len(text) * EXAMPLE_SIMILARITY > self._max_example + 2:
            return None
        grams = _bigrams(text)
        shared: Counter[int] = Counter()
        for g in grams:
            for i in self._index.get(g, ()):
                shared[i] += 1
        best: tuple[LabeledExample, float] | None = None
        for i, n in shared.most_common(5):
            sim = n / (len(grams) + len(self._example_grams[i]) - n)
            if sim >= EXAMPLE_SIMILARITY and (best is None or sim > best[1]):
                best = (self.examples[i], sim)
        return best

    def decide(self, text: str, scores: Mapping[str, float]) -> Decision:
        """Combine model scores (probabilities per category) with rules and examples."""
        probs = {k: float(v) for k, v in scores.items()}
        model_cat = max(probs, key=lambda k: probs[k]) if probs else None
        reasons: list[str] = []
        example = self.nearest_example(text)
        if example is not None:
            ex, sim = example
            conf = max(probs.get(ex.category, 0.0), min(0.99, sim))
            ref = f"#{ex.example_id}" if ex.example_id is not None else f"“{ex.text[:20]}”"
            return Decision(
                ex.category,
                round(conf, 4),
                f"labelled example {ref} (similarity {sim:.2f})",
                model_cat,
                probs,
            )
        hits = self.match(text)
        for rule, phrase in hits:
            if rule.mode == BOOST:
                probs[rule.category] = probs.get(rule.category, 0.0) + rule.weight
                reasons.append(f"+{rule.weight:g} {rule.category} for “{phrase}”")
        total = sum(probs.values())
        if total > 0:
            probs = {k: v / total for k, v in probs.items()}
        if any(rule.mode == OVERRIDE for rule, _ in hits):
            cat, others = _arbitrate(hits, probs)
            phrases = [p for r, p in hits if r.mode == OVERRIDE and r.category == cat]
            conf = max(probs.get(cat, 0.0), OVERRIDE_CONFIDENCE)
            why = f"rule: “{'”, “'.join(phrases[:3])}” → {cat}"
            if others:
                why += f" (more specific than {'; '.join(others[:2])})"
            return Decision(cat, round(conf, 4), why, model_cat, probs)
        if not probs:
            return Decision(None, 0.0, "no model and no rule matched", None, probs)
        cat = max(probs, key=lambda k: probs[k])
        why = "model" + (f" + rules ({'; '.join(reasons[:3])})" if reasons else "")
        return Decision(cat, round(probs[cat], 4), why, model_cat, probs)


def _specificity(phrase: str) -> tuple[int, int]:
    """How specific a phrase is: its number of parts (`A+B` needs both), then its length in characters."""
    parts = [p for p in phrase.split("+") if p]
    return len(parts), sum(len(p) for p in parts)


def _arbitrate(hits: Sequence[tuple[CategoryRule, str]], probs: Mapping[str, float]) -> tuple[str, list[str]]:
    """The category of the override rules that win when several categories' overrides match: the most specific
    phrase wins (more parts, then more characters), then the model's probability, then the rules' order.
    Returns it with the losing matches, for the explanation."""
    best: dict[str, tuple[tuple[int, int], str]] = {}
    for rule, phrase in hits:
        if rule.mode != OVERRIDE:
            continue
        spec = _specificity(phrase)
        if rule.category not in best or spec > best[rule.category][0]:
            best[rule.category] = (spec, phrase)
    order = list(best)
    winner = max(order, key=lambda c: (best[c][0], probs.get(c, 0.0), -order.index(c)))
    others = [f"“{best[c][1]}” → {c}" for c in order if c != winner]
    return winner, others


def parse_phrases(raw: str | Sequence[str]) -> tuple[str, ...]:
    """Phrases from a comma/newline separated string or a list, stripped, empty ones dropped."""
    items = re.split(r"[,，\n;；]", raw) if isinstance(raw, str) else list(raw)
    return tuple(p.strip() for p in items if p and p.strip())


_OVERRIDES = re.compile(r"overrides:([\w.-]+)")


def merge_rules(shipped: Sequence[CategoryRule], city: Sequence[CategoryRule]) -> list[CategoryRule]:
    """Shipped rules and a city's own, merged: a city rule replaces the shipped rule it names
    (`overrides:KEY` in its note) or repeats (same category, mode and phrases, e.g. seeded); the other shipped
    rules stay. Adding one city rule never switches the shipped set off."""
    replaced: set[str] = set()
    for rule in city:
        replaced.update(_OVERRIDES.findall(rule.note))
        for s in shipped:
            if (s.category, s.mode, s.phrases) == (rule.category, rule.mode, rule.phrases):
                replaced.add(s.key or f"{s.category}/{s.mode}/{'|'.join(s.phrases)}")
    kept = [s for s in shipped if (s.key or f"{s.category}/{s.mode}/{'|'.join(s.phrases)}") not in replaced]
    return kept + list(city)


def merge_examples(shipped: Sequence[LabeledExample], city: Sequence[LabeledExample]) -> list[LabeledExample]:
    """Shipped examples and a city's own (a city example with the same text replaces the shipped one)."""
    texts = {e.text for e in city}
    return [e for e in shipped if e.text not in texts] + list(city)


def with_key(rule: CategoryRule, key: str) -> CategoryRule:
    """The rule with a stable key."""
    return replace(rule, key=key)
