"""The evaluation protocol of docs/models.md on the real labelled data reaches the issue's goal."""

from pathlib import Path

import pytest

from gridloop.triage.adapters import dataset as ds
from gridloop.triage.adapters.classifier import train
from gridloop.triage.adapters.models import LABELED_FILE
from tests.shared_data import shared_path


def _labeled() -> Path:
    return shared_path(LABELED_FILE)


@pytest.mark.slow
def test_protocol_holdout_macro_f1_reaches_the_goal():
    split = ds.protocol_split(ds.read_rows(_labeled(), text_col="text_original", label_col="一级分类"))
    test_texts = {t for t, _ in split.test}
    assert not test_texts & {t for t, _ in split.train}, "a test text leaked into training"
    clf = train([t for t, _ in split.train], [c for _, c in split.train], normalised=True)
    pred = [lab for lab, _ in clf.predict([t for t, _ in split.test], normalised=True)]
    m = ds.metrics([g for _, g in split.test], pred, labels=clf.labels)
    assert m["n"] == 643
    assert m["macro_f1"] >= 0.93, m["per_class"]
