"""Where classifier artifacts come from: an explicit path, the trained default in var/, or a seed model.

Resolution order (docs/models.md): settings.model_path → the model activated with `gridloop model use` →
`var/models/classifier.joblib` → train it from the shared data when present (≈30 s, saved there) →
a small seed model trained in memory from the built-in Shanghai examples (no shared data needed).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from gridloop.triage.adapters.classifier import TextClassifier, train
from gridloop.triage.adapters.dataset import read_rows, training_pairs
from gridloop.triage.adapters.text import normalise
from gridloop.triage.domain.conventions import CategoryRule, LabeledExample, merge_examples

log = logging.getLogger(__name__)

DEFAULT_MODEL_PATH = Path("var/models/classifier.joblib")
LABELED_FILE = Path("messages/messages_labeled.csv")
EXAMPLE_REPEAT = 3
"""How many times an administrator's example counts in retraining (they are few and deliberate)."""


@lru_cache(maxsize=1)
def shipped_conventions() -> dict[str, Any]:
    """The shipped Shanghai rules and examples (adapters/nlp/data/shanghai_conventions.json)."""
    raw = resources.files("gridloop.triage.adapters").joinpath("data/shanghai_conventions.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def shipped_rules() -> list[CategoryRule]:
    """Shanghai default rules as values."""
    return [
        CategoryRule(
            r["category"],
            tuple(r["phrases"]),
            r.get("mode", "boost"),
            float(r.get("weight", 0.35)),
            r.get("note", ""),
            key=r.get("key", ""),
        )
        for r in shipped_conventions()["rules"]
    ]


def shipped_examples() -> list[LabeledExample]:
    """Shanghai default labelled examples as values."""
    return [LabeledExample(e["category"], e["text"]) for e in shipped_conventions()["examples"]]


def example_pairs(examples: Sequence[LabeledExample]) -> list[tuple[str, str]]:
    """(normalised text, label) pairs for examples, repeated EXAMPLE_REPEAT times."""
    return [(normalise(e.text), e.category) for e in examples for _ in range(EXAMPLE_REPEAT)]


def train_full(
    data: Path,
    *,
    text_col: str = "text_original",
    label_col: str = "一级分类",
    examples: Sequence[LabeledExample] = (),
    now: datetime | None = None,
    shipped: bool = True,
) -> TextClassifier:
    """Train on every row of a labelled CSV (text and token rows) plus the shipped Shanghai examples (unless
    `shipped=False`) merged with the city's own (`examples`; a city example with the same text wins)."""
    rows = read_rows(data, text_col=text_col, label_col=label_col)
    examples = merge_examples(shipped_examples(), examples) if shipped else list(examples)
    pairs = training_pairs(rows) + example_pairs(examples)
    if not pairs:
        raise ValueError(f"no labelled text in {data}")
    model = train([t for t, _ in pairs], [c for _, c in pairs], normalised=True, data_file=data, now=now)
    model.card.params["examples"] = len(examples)
    return model


def train_seed(*, examples: Sequence[LabeledExample] = (), now: datetime | None = None) -> TextClassifier:
    """A small model from the shipped Shanghai examples (+ given ones), for running without shared data."""
    every = list(shipped_examples()) + list(examples)
    pairs = example_pairs(every)
    model = train([t for t, _ in pairs], [c for _, c in pairs], normalised=True, now=now, calibrate=False)
    model.card.data_file = "builtin:shanghai_conventions.json"
    return model


def resolve_model(
    *,
    explicit: Path | None,
    active: Path | None,
    shared_data_dir: Path | None,
    default_path: Path = DEFAULT_MODEL_PATH,
    examples: Sequence[LabeledExample] = (),
    now: datetime | None = None,
) -> TextClassifier:
    """Load or build the classifier following the documented resolution order."""
    for candidate in (explicit, active, default_path):
        if candidate is not None and candidate.is_file():
            return TextClassifier.load(candidate)
        if candidate is not None and candidate in (explicit, active):
            log.warning("model artifact %s not found; falling back", candidate)
    data = shared_data_dir / LABELED_FILE if shared_data_dir else None
    if data is not None and data.is_file():
        log.info("training the default classifier from %s into %s", data, default_path)
        model = train_full(data, examples=examples, now=now)
        try:
            model.save(default_path)
        except OSError as exc:  # read-only deployments still get a model in memory
            log.warning("could not save the default model: %s", exc)
        return model
    log.info("no shared data: using the seed model trained from built-in Shanghai examples")
    return train_seed(examples=examples, now=now)
