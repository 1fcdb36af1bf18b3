"""The combined system on Shanghai-style messages written for gridloop (tests/data/shanghai_messages.csv)."""

import csv
from collections import Counter
from pathlib import Path

import pytest

from gridloop.platform.script import to_simplified
from gridloop.triage.adapters.models import LABELED_FILE, train_full
from gridloop.triage.plug import shipped_conventions_value
from gridloop.triage.services.triage import TriageService
from tests.shared_data import shared_path

DATA = Path(__file__).parents[1] / "data" / "shanghai_messages.csv"


@pytest.fixture(scope="module")
def model():
    labeled = shared_path(LABELED_FILE)
    return train_full(labeled)


@pytest.mark.slow
def test_combined_system_generalises_to_shanghai_messages(model):
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    combined = TriageService(classifier=lambda: model, conventions=shipped_conventions_value, simplify=to_simplified)
    results = combined.analyse_many([("", r["text"]) for r in rows])
    correct = sum(r["category"] == x.category for r, x in zip(rows, results, strict=True))
    share_construction = Counter(x.category for x in results)["城乡建设"] / len(rows)
    assert correct / len(rows) >= 0.75, f"accuracy {correct}/{len(rows)}"
    assert share_construction <= 0.3, f"城乡建设 share {share_construction:.2f}"
