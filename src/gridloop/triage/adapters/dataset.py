"""Labelled data and the evaluation protocol (docs/models.md): split, training set assembly, metrics."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridloop.triage.adapters.text import normalise

SPLIT_SEED = 2020
TEST_SHARE = 0.2
TOKENS_COL = "text_tokens"


@dataclass
class LabeledRow:
    """One labelled message: original text (may be empty) and optional jieba tokens."""

    label: str
    text: str
    tokens: str = ""


@dataclass
class Split:
    """Training and test rows of the protocol, plus what was dropped to avoid leakage."""

    train: list[tuple[str, str]]
    test: list[tuple[str, str]]
    info: dict[str, Any] = field(default_factory=dict)


def read_rows(path: Path, *, text_col: str, label_col: str, tokens_col: str | None = TOKENS_COL) -> list[LabeledRow]:
    """Rows of a labelled CSV; rows without a label are skipped."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        for col in (text_col, label_col):
            if col not in cols:
                raise ValueError(f"column {col!r} not in {path.name}; columns: {', '.join(cols)}")
        use_tokens = tokens_col if tokens_col and tokens_col in cols else None
        rows = []
        for rec in reader:
            label = (rec.get(label_col) or "").strip()
            if not label:
                continue
            rows.append(
                LabeledRow(
                    label,
                    (rec.get(text_col) or "").strip(),
                    (rec.get(use_tokens) or "") if use_tokens else "",
                )
            )
    return rows


def _tokens_text(tokens: str) -> str:
    return normalise(tokens.replace(" ", ""))


def training_pairs(rows: Sequence[LabeledRow], *, exclude: set[str] | None = None) -> list[tuple[str, str]]:
    """(normalised text, label) pairs: original texts, their token versions, and token-only rows.

    Any row whose normalised text or token text is in `exclude` (the test set's) is left out.
    """
    banned = exclude or set()
    pairs: list[tuple[str, str]] = []
    for row in rows:
        text = normalise(row.text) if row.text else ""
        tok = _tokens_text(row.tokens) if row.tokens else ""
        if (text and text in banned) or (tok and tok in banned):
            continue
        if text:
            pairs.append((text, row.label))
        if tok:
            pairs.append((tok, row.label))
    return pairs


def protocol_split(rows: Sequence[LabeledRow], *, seed: int = SPLIT_SEED, test_share: float = TEST_SHARE) -> Split:
    """Stratified 80/20 split of rows with original text; duplicates of test rows stay out of training."""
    from sklearn.model_selection import train_test_split

    with_text = [r for r in rows if r.text]
    token_only = [r for r in rows if not r.text]
    train_rows, test_rows = train_test_split(
        with_text, test_size=test_share, stratify=[r.label for r in with_text], random_state=seed
    )
    test = [(normalise(r.text), r.label) for r in test_rows]
    banned = {t for t, _ in test} | {_tokens_text(r.tokens) for r in test_rows if r.tokens}
    train = training_pairs(list(train_rows) + token_only, exclude=banned)
    kept_candidates = len(training_pairs(list(train_rows) + token_only))
    info = {
        "rows_with_text": len(with_text),
        "test_rows": len(test_rows),
        "train_rows_with_text": len(train_rows),
        "token_only_rows": len(token_only),
        "train_pairs": len(train),
        "dropped_as_test_duplicates": kept_candidates - len(train),
        "seed": seed,
    }
    return Split(train=train, test=test, info=info)


def cv_splits(rows: Sequence[LabeledRow], *, folds: int = 5, seed: int = SPLIT_SEED) -> list[Split]:
    """Stratified k-fold over rows with text, each fold assembled like `protocol_split`."""
    from sklearn.model_selection import StratifiedKFold

    with_text = [r for r in rows if r.text]
    token_only = [r for r in rows if not r.text]
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    out = []
    for tr_idx, te_idx in skf.split(with_text, [r.label for r in with_text]):
        test_rows = [with_text[i] for i in te_idx]
        test = [(normalise(r.text), r.label) for r in test_rows]
        banned = {t for t, _ in test} | {_tokens_text(r.tokens) for r in test_rows if r.tokens}
        train = training_pairs([with_text[i] for i in tr_idx] + token_only, exclude=banned)
        out.append(Split(train=train, test=test))
    return out


def metrics(gold: Sequence[str], pred: Sequence[str], *, labels: Sequence[str]) -> dict[str, Any]:
    """Per-class and macro precision/recall/F1, accuracy and the confusion matrix (rows = gold)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    labs = list(labels)
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labs, zero_division=0)
    mp, mr, mf, _ = precision_recall_fscore_support(gold, pred, labels=labs, average="macro", zero_division=0)
    return {
        "macro_precision": round(float(mp), 4),
        "macro_recall": round(float(mr), 4),
        "macro_f1": round(float(mf), 4),
        "accuracy": round(float(accuracy_score(gold, pred)), 4),
        "n": len(gold),
        "per_class": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labs)
        },
        "labels": labs,
        "confusion": confusion_matrix(gold, pred, labels=labs).tolist(),
    }
