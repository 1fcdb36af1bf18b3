"""The fitted classifier pipeline, compiled for prediction: the same numbers as `pipeline.predict_proba`, several
times cheaper per message.

scikit-learn predicts through a FeatureUnion (each block's TF-IDF matrix built, then stacked side by side into one
1.3-million-column matrix) and a sparse × dense product against `coef_.T`, a column-major view whose 7 weights
per feature lie megabytes apart (7 cache misses per n-gram). Here each block's hashed counts are weighted in place
(sublinear tf × idf, l2 per row) and multiplied with that block's weights copied once into row-major order
(feature × class: one cache line per n-gram); the blocks' scores are summed, then the sigmoid calibration is
applied exactly as `CalibratedClassifierCV` does. Built once per loaded model; any pipeline of another shape is
left to scikit-learn (`compile_pipeline` returns None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SLICE = 256
"""Documents featurised together: their n-gram arrays (≈1,100 grams per message) stay in the CPU cache and below
the size at which numpy asks the kernel for huge pages (whose compaction showed up as system time: a third of
the classifier's cost with slices of 2,000)."""


@dataclass(frozen=True)
class _Block:
    hasher: Any
    idf: np.ndarray | None
    sublinear: bool
    weights: np.ndarray
    """(features of the block, classes), C order."""


@dataclass(frozen=True)
class LinearScorer:
    """Hashed n-gram blocks → linear scores → (optionally) sigmoid-calibrated, normalised probabilities."""

    blocks: tuple[_Block, ...]
    intercept: np.ndarray
    sigmoid: tuple[np.ndarray, np.ndarray] | None
    """Per class (a, b) of the calibration, in column order; None for an uncalibrated model."""

    def decision(self, docs: Sequence[str]) -> np.ndarray:
        """Raw linear scores (rows = docs, columns = classes), in slices of SLICE documents."""
        out = np.empty((len(docs), len(self.intercept)), dtype=np.float64)
        for i in range(0, len(docs), SLICE):
            out[i : i + SLICE] = self._decision(docs[i : i + SLICE])
        return out

    def _decision(self, docs: Sequence[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        out = np.tile(self.intercept, (len(docs), 1))
        for b in self.blocks:
            x = b.hasher.transform(docs)
            data = x.data
            if b.sublinear:
                np.log(data, out=data)
                data += 1.0
            if b.idf is not None:
                data *= b.idf[x.indices]
            # l2 per row, as sklearn's normalize (rows without grams stay zero)
            if len(data):
                lens = np.diff(x.indptr)
                has = lens > 0
                sq = np.add.reduceat(np.square(data), x.indptr[:-1][has], dtype=np.float64)
                norms = np.ones(x.shape[0], dtype=np.float64)
                norms[has] = np.sqrt(sq)
                norms[norms == 0.0] = 1.0
                data /= np.repeat(norms, lens)
            xs = csr_matrix((data, x.indices, x.indptr), shape=x.shape)
            out += xs @ b.weights
        return out

    def proba(self, docs: Sequence[str]) -> np.ndarray:
        """Probabilities per class, as the pipeline's predict_proba (or a softmax of the scores, uncalibrated)."""
        scores = self.decision(docs)
        if self.sigmoid is None:
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            return np.asarray(scores / scores.sum(axis=1, keepdims=True))
        a, b = self.sigmoid
        proba = 1.0 / (1.0 + np.exp(a * scores + b))
        denominator = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / proba.shape[1])
        proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return np.asarray(proba)


def compile_pipeline(pipeline: Any) -> LinearScorer | None:
    """A LinearScorer equal to the fitted pipeline, or None when its shape is not the one `build_pipeline` makes."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    from gridloop.triage.adapters.fastgrams import CharGramHasher

    try:
        features, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
    except (AttributeError, KeyError):
        return None
    if not isinstance(features, FeatureUnion) or features.transformer_weights:
        return None
    sigmoid = None
    if isinstance(clf, CalibratedClassifierCV):
        if len(clf.calibrated_classifiers_) != 1 or clf.method != "sigmoid":
            return None
        cc = clf.calibrated_classifiers_[0]
        svm = cc.estimator
        n = len(clf.classes_)
        if n < 3 or list(svm.classes_) != list(clf.classes_) or len(cc.calibrators) != n:
            return None
        sigmoid = (
            np.array([float(c.a_) for c in cc.calibrators]),
            np.array([float(c.b_) for c in cc.calibrators]),
        )
    else:
        svm = clf
        if len(getattr(svm, "classes_", ())) < 3:
            return None
    if not isinstance(svm, LinearSVC):
        return None
    coef = np.asarray(svm.coef_, dtype=np.float64)
    blocks = []
    start = 0
    for _name, block in features.transformer_list:
        if not isinstance(block, Pipeline) or len(block.steps) != 2:
            return None
        hasher, tfidf = block.steps[0][1], block.steps[1][1]
        if not isinstance(hasher, CharGramHasher) or not isinstance(tfidf, TfidfTransformer) or tfidf.norm != "l2":
            return None
        width = 1 << hasher.n_bits
        idf = np.asarray(tfidf.idf_, dtype=np.float64) if getattr(tfidf, "use_idf", False) else None
        weights = np.ascontiguousarray(coef[:, start : start + width].T)
        blocks.append(_Block(hasher, idf, bool(tfidf.sublinear_tf), weights))
        start += width
    if start != coef.shape[1]:
        return None
    return LinearScorer(tuple(blocks), np.asarray(svm.intercept_, dtype=np.float64), sigmoid)
