"""Category classifier: char n-gram TF-IDF (whole text + its head) + linear SVM, calibrated, saved as an artifact.

The artifact is a joblib file holding the fitted pipeline, plus a JSON sidecar (`<path>.json`) with its
metadata:
data file and sha256, date, labels, metrics, scikit-learn version. See docs/models.md.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from gridloop.triage.adapters.text import fold_many, normalise_many

ARTIFACT_FORMAT = 1


@dataclass
class ModelCard:
    """Metadata of a trained model (what it was trained on, when, how good)."""

    labels: list[str]
    data_file: str = ""
    data_sha256: str = ""
    trained_at: str = ""
    train_rows: int = 0
    train_seconds: float = 0.0
    sklearn_version: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    format: int = ARTIFACT_FORMAT

    def as_dict(self) -> dict[str, Any]:
        """The card as a JSON-ready dict."""
        return dict(self.__dict__)


HEAD_CHARS = 50
"""The first characters of a message (its title and opening) get a feature block of their own (docs/models.md)."""


def build_pipeline(
    *,
    n_bits: int = 20,
    c: float = 1.0,
    tol: float = 1e-3,
    calibrate: bool = True,
    head: int = HEAD_CHARS,
    head_bits: int = 18,
) -> Any:
    """An unfitted pipeline: hashed char 1–3-grams of the whole text and of its first `head` characters →
    TF-IDF each → class-balanced LinearSVC, sigmoid-calibrated. `head=0` leaves the head block out."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    from gridloop.triage.adapters.fastgrams import CharGramHasher

    def block(**kw: Any) -> Pipeline:
        return Pipeline(
            [("grams", CharGramHasher(ngram_range=(1, 3), **kw)), ("tfidf", TfidfTransformer(sublinear_tf=True))]
        )

    blocks = [("all", block(n_bits=n_bits))]
    if head:
        blocks.append(("head", block(n_bits=head_bits, head=head)))
    svm = LinearSVC(C=c, tol=tol, class_weight="balanced")
    clf: Any = CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False) if calibrate else svm
    return Pipeline([("features", FeatureUnion(blocks)), ("clf", clf)])


def _recipe_defaults() -> dict[str, Any]:
    """The pipeline's default hyper-parameters (recorded on the model card)."""
    import inspect

    sig = inspect.signature(build_pipeline).parameters
    return {k: p.default for k, p in sig.items() if k != "calibrate"}


class TextClassifier:
    """A fitted category classifier: texts in, per-label probabilities out."""

    def __init__(self, pipeline: Any, card: ModelCard) -> None:
        self.pipeline = pipeline
        self.card = card
        self._scorer: Any = None  # the pipeline compiled for prediction (fastlinear), built on first use
        self._compiled = False

    def _fast(self) -> Any:
        """The compiled scorer (same probabilities as the pipeline), or None for a pipeline of another shape."""
        if not self._compiled:
            from gridloop.triage.adapters.fastlinear import compile_pipeline

            self._scorer = compile_pipeline(self.pipeline)
            self._compiled = True
        return self._scorer

    @property
    def labels(self) -> list[str]:
        """Category labels, in the column order of `proba`."""
        return list(self.card.labels)

    def proba(self, texts: Sequence[str], *, normalised: bool = False) -> np.ndarray:
        """Probability matrix (rows = texts, columns = `labels`)."""
        docs = list(texts) if normalised else normalise_many(texts)
        if not docs:
            return np.zeros((0, len(self.card.labels)), dtype=np.float64)
        fast = self._fast()
        if fast is not None:
            return np.asarray(fast.proba(docs), dtype=np.float64)
        est = self.pipeline
        if hasattr(est, "predict_proba"):
            return np.asarray(est.predict_proba(docs), dtype=np.float64)
        scores = np.asarray(est.decision_function(docs), dtype=np.float64)
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return np.asarray(scores / scores.sum(axis=1, keepdims=True))

    def predict(self, texts: Sequence[str], *, normalised: bool = False) -> list[tuple[str, float]]:
        """Best label and its probability per text."""
        p = self.proba(texts, normalised=normalised)
        idx = p.argmax(axis=1)
        labels = self.card.labels
        return [(labels[i], float(p[row, i])) for row, i in enumerate(idx)]

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Probability per category for each raw text (the Classifier port)."""
        p = self.proba(texts)
        labels = self.card.labels
        return [dict(zip(labels, row, strict=True)) for row in p.tolist()]

    def scores_clean(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Like `scores`, for texts already cleaned and simplified (skips the second cleaning pass)."""
        p = self.proba(fold_many(texts), normalised=True)
        labels = self.card.labels
        return [dict(zip(labels, row, strict=True)) for row in p.tolist()]

    def save(self, path: Path) -> Path:
        """Write the artifact and its JSON card next to it; returns the artifact path."""
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": ARTIFACT_FORMAT, "pipeline": self.pipeline, "card": self.card.as_dict()}, path)
        card_path(path).write_text(json.dumps(self.card.as_dict(), ensure_ascii=False, indent=2), "utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        """Read an artifact written by `save`."""
        import joblib

        blob = joblib.load(path)
        if not isinstance(blob, dict) or blob.get("format") != ARTIFACT_FORMAT:
            raise ValueError(f"{path} is not a gridloop classifier artifact (format {ARTIFACT_FORMAT})")
        return cls(blob["pipeline"], ModelCard(**blob["card"]))


def card_path(path: Path) -> Path:
    """Where the JSON metadata of an artifact lives."""
    return path.with_name(path.name + ".json")


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    now: datetime | None = None,
    data_file: Path | None = None,
    calibrate: bool = True,
    normalised: bool = False,
    params: dict[str, Any] | None = None,
) -> TextClassifier:
    """Fit a classifier on (text, label) pairs and describe it in a card."""
    import sklearn

    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    if len(set(labels)) < 2:
        raise ValueError("need at least two categories to train")
    docs = list(texts) if normalised else normalise_many(texts)
    counts: dict[str, int] = {}
    for lab in labels:
        counts[lab] = counts.get(lab, 0) + 1
    # calibration needs ≥ 3 examples per class; tiny seed sets fall back to softmax of SVM scores
    can_calibrate = calibrate and min(counts.values()) >= 3
    opts = dict(params or {})
    pipeline = build_pipeline(calibrate=can_calibrate, **opts)
    started = time.perf_counter()
    pipeline.fit(docs, list(labels))
    seconds = time.perf_counter() - started
    classes = [str(c) for c in pipeline.classes_]
    card = ModelCard(
        labels=classes,
        data_file=str(data_file) if data_file else "",
        data_sha256=file_sha256(data_file) if data_file and data_file.is_file() else "",
        trained_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        train_rows=len(docs),
        train_seconds=round(seconds, 2),
        sklearn_version=sklearn.__version__,
        params={**_recipe_defaults(), **opts, "calibrated": can_calibrate},
    )
    return TextClassifier(pipeline, card)
