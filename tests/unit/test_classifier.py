import csv

import pytest
from typer.testing import CliRunner

from gridloop.triage.adapters.classifier import TextClassifier, card_path, train
from gridloop.triage.adapters.models import resolve_model, train_seed

TOY = [
    ("地铁班次太少", "交通"),
    ("公交车晚点", "交通"),
    ("红绿灯坏了", "交通"),
    ("出租车拒载", "交通"),
    ("停车位不够", "交通"),
    ("道路拥堵", "交通"),
    ("学校收费", "教育"),
    ("老师体罚学生", "教育"),
    ("幼儿园入园难", "教育"),
    ("学生作业太多", "教育"),
    ("小学划片", "教育"),
    ("培训机构退费", "教育"),
]


def test_trained_model_predicts_and_round_trips(tmp_path):
    model = train([t for t, _ in TOY], [c for _, c in TOY])
    assert model.predict(["地铁太挤"])[0][0] == "交通"
    path = model.save(tmp_path / "m.joblib")
    assert card_path(path).is_file()
    again = TextClassifier.load(path)
    assert again.labels == model.labels
    assert abs(sum(again.scores(["学校"])[0].values()) - 1) < 1e-6


def test_seed_model_works_without_shared_data(tmp_path):
    model = resolve_model(
        explicit=None, active=None, shared_data_dir=tmp_path / "absent", default_path=tmp_path / "none.joblib"
    )
    assert model.card.data_file.startswith("builtin:")
    assert model.predict(["人行道上共享单车乱停"])[0][0] == "交通运输"


def test_seed_model_has_seven_categories():
    assert len(train_seed().labels) == 7


def _cli():
    import typer

    from gridloop.triage.cli import model as model_cli

    app = typer.Typer()
    model_cli.register(app)

    @app.callback()
    def _cb():  # keep `model` as a sub-command
        pass

    return app


def test_model_eval_cli_prints_json_metrics(tmp_path):
    data = tmp_path / "toy.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for _ in range(3):
            w.writerows(TOY)
    res = CliRunner().invoke(
        _cli(), ["model", "eval", "--data", str(data), "--text-col", "text", "--label-col", "label", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert '"macro_f1"' in res.output


def test_model_train_cli_rejects_missing_file(tmp_path):
    res = CliRunner().invoke(_cli(), ["model", "train", "--data", str(tmp_path / "nope.csv")])
    assert res.exit_code != 0


def test_model_train_and_use_cli_activate_artifact(tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("GRIDLOOP_DATABASE_URL", db_url)
    from gridloop.config import get_settings

    get_settings.cache_clear()
    data = tmp_path / "toy.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(TOY * 3)
    out = tmp_path / "m.joblib"
    app = _cli()
    res = CliRunner().invoke(
        app,
        [
            "model",
            "train",
            "--data",
            str(data),
            "--text-col",
            "text",
            "--label-col",
            "label",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["model", "use", str(out)])
    assert res.exit_code == 0, res.output
    from gridloop.platform.db.engine import build_engine, session_factory
    from gridloop.triage.services.conventions import active_model_path

    with session_factory(build_engine(get_settings().database_url))() as s:
        assert active_model_path(s) == out.resolve()
    get_settings.cache_clear()


@pytest.mark.parametrize("mode", ["override", "boost"])
def test_rule_cli_adds_and_lists(tmp_path, monkeypatch, mode, db_url):
    monkeypatch.setenv("GRIDLOOP_DATABASE_URL", db_url)
    from gridloop.config import get_settings

    get_settings.cache_clear()
    app = _cli()
    assert CliRunner().invoke(app, ["model", "rule-add", "交通运输", "地铁,公交", "--mode", mode]).exit_code == 0
    listed = CliRunner().invoke(app, ["model", "rules"]).output
    assert "地铁, 公交" in listed
    get_settings.cache_clear()


def test_fold_many_matches_normalise_one_by_one():
    from gridloop.triage.adapters.text import normalise, normalise_many

    texts = ["ＡＢＣ　１２３ Hello 市民", "", "　", "繁體中文測試 2019年", "投诉A市A1区 <b>噪音</b>\x00", "ΣΑΣ"]
    assert normalise_many(texts) == [normalise(t) for t in texts]


def test_scores_clean_equals_scores_on_clean_text():
    from gridloop.triage.adapters.models import train_seed

    model = train_seed()
    texts = ["地铁站 电梯 坏了", "小区 噪音 扰民 １２点"]
    assert model.scores_clean(texts) == model.scores(texts)


def test_char_gram_hasher_with_head_counts_only_the_first_characters():
    from gridloop.triage.adapters.fastgrams import CharGramHasher

    whole = CharGramHasher(ngram_range=(1, 2), n_bits=18)
    head = CharGramHasher(ngram_range=(1, 2), n_bits=18, head=2)
    assert (head.transform(["地铁站很吵"]) != whole.transform(["地铁"])).nnz == 0
    assert head.transform(["地铁站很吵"]).sum() == 3  # 地, 铁, 地铁
    assert head.get_params()["head"] == 2


def test_pipeline_has_a_separate_head_block_unless_turned_off():
    from gridloop.triage.adapters.classifier import build_pipeline

    blocks = dict(build_pipeline().named_steps["features"].transformer_list)
    assert set(blocks) == {"all", "head"}
    assert blocks["head"].named_steps["grams"].head == 50
    assert set(dict(build_pipeline(head=0).named_steps["features"].transformer_list)) == {"all"}


def test_model_card_records_the_recipe():
    from gridloop.triage.adapters.classifier import train

    texts = ["地铁站很吵", "公交车晚点", "医院排队太久", "医生态度差", "学校收费", "老师补课"] * 3
    labels = ["交通运输", "交通运输", "卫生计生", "卫生计生", "教育文体", "教育文体"] * 3
    card = train(texts, labels).card
    assert card.params["head"] == 50 and card.params["c"] == 1.0 and card.params["calibrated"] is True


def test_hasher_pickled_before_the_head_option_still_transforms():
    from gridloop.triage.adapters.fastgrams import CharGramHasher

    old = CharGramHasher(ngram_range=(1, 2), n_bits=18)
    del old.head  # what an artifact saved before the option existed unpickles to
    assert old.transform(["地铁站很吵"]).sum() == 9
