"""`gridloop model eval` scores the Shanghai evaluation set (issue 18's table) and the goals that do not depend
on the classifier hold on its held-out part."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gridloop.triage.adapters.models import train_seed
from gridloop.triage.cli.model import model_app
from gridloop.triage.services.quality import read_eval

EVAL = Path(__file__).parents[1] / "data" / "shanghai_eval.csv"


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(model_app, name="model")

    @app.callback()
    def _cb():  # keep `model` as a sub-command
        pass

    return app


def test_the_evaluation_set_is_big_and_varied_enough():
    rows = read_eval(EVAL)
    assert len(rows) >= 400
    assert len({r.category for r in rows}) == 7
    assert sum(r.urgency == "emergency" for r in rows) >= 60
    assert sum(r.kind.startswith("near_miss") for r in rows) >= 60
    groups = {r.group_id for r in rows if r.group_id.startswith("G") and "-" not in r.group_id}
    assert len(groups) >= 40
    assert {r.kind for r in rows if r.negative_of} == {"hard_negative:same_place", "hard_negative:same_problem"}
    holdout = sum(r.split == "holdout" for r in rows) / len(rows)
    assert 0.35 <= holdout <= 0.45


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> dict:
    model = tmp_path_factory.mktemp("m") / "seed.joblib"
    train_seed().save(model)
    res = CliRunner().invoke(_cli(), ["model", "eval", "--data", str(EVAL), "--model", str(model), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_model_eval_prints_the_issue_table_for_the_holdout(scored):
    assert scored["split"] == "holdout"
    for key in ("emergency_recall", "duplicate_pair_f1", "category_macro_f1_model_and_rules", "auto_dispatch_share"):
        assert key in scored["table"]


def test_emergency_goals_hold_on_the_holdout(scored):
    assert scored["table"]["emergency_recall"] >= 0.95
    assert scored["table"]["emergency_precision"] >= 0.80


def test_duplicate_goal_holds_on_the_holdout(scored):
    assert scored["table"]["duplicate_pair_f1"] >= 0.80
    assert scored["table"]["duplicate_hard_negatives_merged"] == 0


def test_the_shipped_auto_dispatch_default_is_the_calibrated_one():
    from gridloop.config import Settings
    from gridloop.triage.services.triage import REVIEW_THRESHOLD

    # the value `python bench/triage_quality.py --split tune` calibrates with the full model (docs/models.md §9)
    assert Settings().auto_dispatch_threshold == REVIEW_THRESHOLD == 0.61
