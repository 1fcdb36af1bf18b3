"""Triage use case: clean and judge text, classify with city conventions, flag urgency, mask personal data."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gridloop.kernel.ports import Classifier, TriageResult
from gridloop.kernel.privacy import find_personal_data, mask_personal_data
from gridloop.kernel.text import MAX_CHARS, clean_text, is_mostly_foreign, judge_meaning
from gridloop.triage.domain.conventions import Conventions
from gridloop.triage.domain.duplicates import find_addresses
from gridloop.triage.domain.urgency import assess_urgency, incident_label
from gridloop.triage.domain.words import LocatorFactory, Segmenter, regex_locator

_MAYBE_PERSONAL = re.compile(r"@|\d{3}[- ]?\d{4}|(?:\d[ -]?){15}\d|[^\x00-\x7f][A-HJ-NP-Z][·\s]?[A-HJ-NP-Z0-9]{5}")
"""A necessary condition for any personal data `find_personal_data` detects (an e-mail's @; the 7 digits every
phone and ID number contains; a card's 16 digits with single separators; a plate's province, letter and five
characters): one scan instead of six. `_maybe_personal` checks the same, faster."""
_MAYBE_DIGITS = re.compile(r"@|\d{3}[- ]?\d{4}|(?:\d[ -]?){15}\d")
_MAYBE_PLATE = re.compile(r"[A-HJ-NP-Z][·\s]?[A-HJ-NP-Z0-9]{5}")


def _maybe_personal(text: str) -> bool:
    """Whether `_MAYBE_PERSONAL` matches, in two scans that each start with one character class (the regex
    engine then skips to candidate characters instead of trying four alternatives at every position)."""
    if _MAYBE_DIGITS.search(text):
        return True
    m = _MAYBE_PLATE.search(text)
    while m is not None:  # every start, overlaps included: the character before must be non-ASCII
        start = m.start()
        if start > 0 and text[start - 1] > "\x7f":
            return True
        m = _MAYBE_PLATE.search(text, start + 1)
    return False


def _without_addresses(text: str) -> str:
    """The text with its street addresses blanked (长寿路500弄3号楼 says where, not what)."""
    if "弄" not in text and "号" not in text:
        return text
    found = find_addresses(text)
    for start, end, *_ in reversed(found):
        text = f"{text[:start]} {text[end:]}"
    return text


KIND_CATEGORY: dict[str, str] = {
    "food_poisoning": "卫生计生",
    "medical": "卫生计生",
    "epidemic": "卫生计生",
    "traffic_injury": "交通运输",
    "chemical": "环境保护",
    "gas": "城乡建设",
    "flooding": "城乡建设",
    "collapse": "城乡建设",
    "electric": "城乡建设",
    "open_manhole": "城乡建设",
    "fire": "城乡建设",
    "child_trapped": "城乡建设",
    "drowning": "城乡建设",
}
"""The category an emergency's kind points to (a health event follows the illness, not the setting)."""

KIND_WEIGHT = 0.5

#: The change stamps (see services/conventions.py) that make a running service reload rules or the model.
CONVENTIONS_STAMP = "triage.conventions"
MODEL_STAMP = "triage.model"

REVIEW_THRESHOLD = 0.61
"""Below this confidence a person checks the category (issue on dispatch)."""


def _same(text: str) -> str:
    return text


@dataclass
class _Prepared:
    title: str
    text: str
    joined: str
    truncated: bool
    meaningless: bool
    reason: str
    foreign: bool


class TriageService:
    """Implements the Triage port; the classifier and conventions are built on first use, not at import."""

    def __init__(
        self,
        *,
        classifier: Callable[[], Classifier],
        conventions: Callable[[], Conventions] = Conventions,
        simplify: Callable[[str], str] = _same,
        review_threshold: float = REVIEW_THRESHOLD,
        changes: Callable[[], set[str]] | None = None,
        segment: Segmenter | None = None,
        locator: LocatorFactory = regex_locator,
    ) -> None:
        self._changes = changes
        self._segment = segment
        self._locator = locator
        self._classifier_factory = classifier
        self._conventions_factory = conventions
        self._simplify = simplify
        self._classifier: Classifier | None = None
        self._conventions: Conventions | None = None
        self.review_threshold = review_threshold

    @property
    def classifier(self) -> Classifier:
        """The classifier, built on first use."""
        if self._classifier is None:
            self._classifier = self._classifier_factory()
        return self._classifier

    @property
    def conventions(self) -> Conventions:
        """The city's rules and examples, loaded on first use."""
        if self._conventions is None:
            self._conventions = self._conventions_factory()
        return self._conventions

    def _pick_up_changes(self) -> None:
        """Drop the cached rules or model when an administrator changed them (seen through `changes`)."""
        if self._changes is None:
            return
        changed = self._changes()
        if CONVENTIONS_STAMP in changed:
            self._conventions = None
        if MODEL_STAMP in changed:
            self._classifier = None

    def analyse(self, *, title: str, text: str) -> TriageResult:
        """Triage one report."""
        return self.analyse_many([(title, text)])[0]

    def analyse_many(self, items: Sequence[tuple[str, str]]) -> list[TriageResult]:
        """Triage many (title, text) pairs; the classifier runs once over the whole batch."""
        self._pick_up_changes()
        prepared = [self._prepare(t, x) for t, x in items]
        to_score = [i for i, p in enumerate(prepared) if not p.meaningless and not p.foreign]
        scores: dict[int, dict[str, float]] = {}
        if to_score:
            # the address (长寿路500弄3号楼) says where, not what: the model sees the text without it
            texts = [_without_addresses(prepared[i].joined) for i in to_score]
            # texts are cleaned and simplified already: a classifier that can skip that pass does
            clean_scorer = getattr(self.classifier, "scores_clean", None)
            if clean_scorer is not None and self._simplify is not _same:
                batch = clean_scorer(texts)
            else:
                batch = self.classifier.scores(texts)
            scores = dict(zip(to_score, batch, strict=True))
        conventions = self.conventions
        return [self._result(p, scores.get(i), conventions) for i, p in enumerate(prepared)]

    def _prepare(self, title: str, text: str) -> _Prepared:
        raw_len = len(title or "") + len(text or "")
        ctitle = self._simplify(clean_text(title or "", max_chars=200))
        ctext = self._simplify(clean_text(text or ""))
        joined = f"{ctitle} {ctext}".strip() if ctitle not in ctext[: len(ctitle) + 5] else ctext
        meaning = judge_meaning(joined)
        return _Prepared(
            ctitle,
            ctext,
            joined,
            raw_len > MAX_CHARS + 200,
            meaning.meaningless,
            meaning.reason,
            not meaning.meaningless and is_mostly_foreign(joined),
        )

    def _result(self, p: _Prepared, scores: dict[str, float] | None, conventions: Conventions) -> TriageResult:
        flag = assess_urgency(p.joined, segment=self._segment, locator=self._locator)
        found = find_personal_data(p.text) if _maybe_personal(p.text) else []
        found_title = find_personal_data(p.title) if _maybe_personal(p.title) else []
        masked = mask_personal_data(p.text, found=found)
        extra: dict[str, object] = {
            "masked_title": mask_personal_data(p.title, found=found_title) if found_title else p.title,
            "personal_data": sorted({d.kind for d in found + found_title}),
            "truncated": p.truncated,
            "clean_title": p.title,
            "clean_text": p.text,
            "incident_kind": flag.kind,
            "incident_label": incident_label(flag.kind),
            "urgency_set_aside": list(flag.set_aside),
        }
        incident = flag.incident_type.value if flag.incident_type else None
        if p.meaningless:
            extra["needs_review"] = flag.level != "normal"
            return TriageResult(None, 0.0, flag.level, flag.reason, incident, masked, True, p.reason, extra)
        probs: dict[str, float] = dict(scores or {})
        model_category = max(probs, key=lambda k: probs[k]) if probs else None
        if flag.kind in KIND_CATEGORY and probs:
            cat = KIND_CATEGORY[flag.kind]
            probs[cat] = probs.get(cat, 0.0) + KIND_WEIGHT
            total = sum(probs.values())
            probs = {k: v / total for k, v in probs.items()}
        decision = conventions.decide(p.joined, probs)
        if p.foreign and decision.category is None:
            extra["needs_review"] = True
            return TriageResult(
                None,
                0.0,
                flag.level,
                flag.reason,
                incident,
                masked,
                False,
                "mostly non-Chinese text: a person decides",
                extra,
            )
        explanation = decision.explanation
        if flag.kind in KIND_CATEGORY and decision.category == KIND_CATEGORY[flag.kind]:
            explanation += f" (+{KIND_WEIGHT:g} {KIND_CATEGORY[flag.kind]} for incident {flag.kind})"
        extra.update(
            explanation=explanation,
            model_category=model_category,
            needs_review=decision.confidence < self.review_threshold,
        )
        return TriageResult(
            decision.category,
            decision.confidence,
            flag.level,
            flag.reason,
            incident,
            masked,
            False,
            explanation,
            extra,
        )
