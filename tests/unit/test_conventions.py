from gridloop.triage.domain.conventions import CategoryRule, Conventions, LabeledExample, parse_phrases

MODEL = {"城乡建设": 0.6, "交通运输": 0.3, "环境保护": 0.1}


def test_override_rule_decides_category_and_explains():
    conv = Conventions([CategoryRule("交通运输", ("地铁",), "override")])
    d = conv.decide("地铁站出口很乱", MODEL)
    assert d.category == "交通运输"
    assert "地铁" in d.explanation
    assert d.model_category == "城乡建设"


def test_conflicting_overrides_the_more_specific_phrase_wins_and_says_so():
    conv = Conventions(
        [
            CategoryRule("交通运输", ("地铁",), "override"),
            CategoryRule("环境保护", ("施工+噪音",), "override"),
        ]
    )
    d = conv.decide("地铁站旁边施工噪音太大，夜间不停", MODEL)
    assert d.category == "环境保护"
    assert "施工+噪音" in d.explanation and "more specific than “地铁” → 交通运输" in d.explanation


def test_equally_specific_conflicting_overrides_are_settled_by_the_model():
    conv = Conventions(
        [
            CategoryRule("环境保护", ("河浜",), "override"),
            CategoryRule("交通运输", ("高架",), "override"),
        ]
    )
    assert conv.decide("高架下面的河浜", MODEL).category == "交通运输"  # model: 0.3 vs 0.1
    assert conv.decide("高架下面的河浜", {"交通运输": 0.1, "环境保护": 0.5}).category == "环境保护"


def test_boost_rule_can_tip_the_balance():
    conv = Conventions([CategoryRule("环境保护", ("臭味",), "boost", 0.6)])
    assert conv.decide("河边有臭味", MODEL).category == "环境保护"


def test_plus_phrase_needs_every_part():
    conv = Conventions([CategoryRule("环境保护", ("河道+臭",), "override")])
    assert conv.decide("河道发黑发臭", MODEL).category == "环境保护"
    assert conv.decide("河道边的路坏了", MODEL).category == "城乡建设"


def test_similar_labelled_example_applies_at_once():
    conv = Conventions(examples=[LabeledExample("交通运输", "人行道上共享单车堆成山", 7)])
    d = conv.decide("人行道上共享单车堆成山了", MODEL)
    assert d.category == "交通运输"
    assert "#7" in d.explanation


def test_without_rules_the_model_decides():
    d = Conventions().decide("随便什么", MODEL)
    assert (d.category, d.explanation) == ("城乡建设", "model")


def test_parse_phrases_splits_on_chinese_and_ascii_commas():
    assert parse_phrases("地铁，公交, 红绿灯\n") == ("地铁", "公交", "红绿灯")
