"""Search over records: colloquial words find official articles, titles weigh more, the index round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridloop.knowledge.adapters.lexical import LexicalIndex, Record, SearchParams
from gridloop.knowledge.adapters.text import caller_intents, expansions, strip_fillers, title_intents

RECORDS = [
    Record("r1", "北京市居住证如何办？", "您可以通过北京市居住证微信公众号申领居住证。"),
    Record("r2", "如何申请无犯罪记录证明？", "通过北京警务小程序申请无犯罪记录证明。"),
    Record("r3", "申请网络预约出租汽车驾驶员证需具备哪些条件？", "具有本市户籍，驾龄三年以上。"),
    Record("r4", "怎么办理养犬登记？", "携带犬只到区畜牧兽医部门办理养犬登记证。"),
]


def _top(index: LexicalIndex, q: str) -> str:
    return index.search(q, top=1)[0].source_id


def test_old_name_of_the_residence_permit_finds_it() -> None:
    assert _top(LexicalIndex.build(RECORDS), "暂住证在哪办") == "r1"


def test_slang_for_the_criminal_record_certificate_finds_it() -> None:
    assert _top(LexicalIndex.build(RECORDS), "我要开个良民证") == "r2"


def test_ride_hailing_slang_finds_the_driver_licence_conditions() -> None:
    assert _top(LexicalIndex.build(RECORDS), "想去跑滴滴要啥条件") == "r3"


def test_a_one_character_typo_inside_a_word_still_matches() -> None:
    assert _top(LexicalIndex.build(RECORDS), "养犬登计") == "r4"


def test_a_query_with_no_known_token_returns_nothing() -> None:
    assert LexicalIndex.build(RECORDS).search("！！！") == []


def test_the_old_name_expands_to_the_official_one() -> None:
    assert ("居住证", 1.0) in expansions("暂住证在哪办")


def test_expansion_is_not_added_when_the_official_term_is_already_there() -> None:
    assert "居住证" not in dict(expansions("暂住证就是居住证吗"))


def test_fillers_are_stripped_but_never_to_nothing() -> None:
    assert (strip_fillers("喂你好请问居住证怎么办"), strip_fillers("怎么办")) == ("居住证", "怎么办")


def test_a_saved_index_loads_and_answers_the_same(tmp_path: Path) -> None:
    index = LexicalIndex.build(RECORDS)
    index.save(tmp_path / "idx")
    again = LexicalIndex.load(tmp_path / "idx")
    assert [h.source_id for h in again.search("良民证")] == [h.source_id for h in index.search("良民证")]


def test_an_empty_index_answers_nothing_and_round_trips(tmp_path: Path) -> None:
    LexicalIndex.build([]).save(tmp_path / "empty")
    assert LexicalIndex.load(tmp_path / "empty").search("居住证") == []


def test_a_callers_question_form_adds_the_faq_wording() -> None:
    added = dict(expansions("公积金最多能贷多少，要带啥"))
    assert {"最高", "贷款额度", "材料"} <= set(added)


def test_question_form_rows_pick_the_faq_that_asks_the_same_thing() -> None:
    records = [
        Record("limit", "住房公积金个人住房贷款的最高可贷款额度是多少？", "最高可贷款额度为120万元。"),
        Record("term", "住房公积金个人住房贷款期限是多少？", "贷款期限最长不超过30年。"),
    ]
    assert _top(LexicalIndex.build(records), "公积金贷款最多能贷多少") == "limit"


def test_a_cached_index_saved_with_other_weights_is_rebuilt_not_reused(tmp_path: Path) -> None:
    from gridloop.knowledge.adapters.lexical import SearchParams
    from gridloop.knowledge.adapters.store import IndexCache

    cache = IndexCache(tmp_path)
    cache.save(LexicalIndex.build(RECORDS, params=SearchParams(skip_weight=0.3, title_weight=5.0)), "s1")
    assert cache.load("s1") is None
    cache.save(LexicalIndex.build(RECORDS), "s1")
    assert cache.load("s1") is not None


INTENT_RECORDS = [
    Record(
        "proc",
        "网约车驾驶员证的办理流程",
        "网约车驾驶员证在网上申请，审核后领取网约车驾驶员证。",
    ),
    Record("cond", "网约车驾驶员证的申请条件", "申请驾驶员证须本市户籍，驾龄三年。"),
    Record("fee", "养犬登记收费标准", "每年五百元。"),
    *RECORDS,  # enough records that the shared words are not cut as too common (max_df)
]


def test_the_title_that_asks_what_the_caller_asks_is_raised() -> None:
    q = "网约车驾驶员证要什么条件"
    plain = LexicalIndex.build(INTENT_RECORDS, params=SearchParams(intent_boost=0.0))
    assert _top(plain, q) == "proc"  # the body full of the query's words wins on BM25 alone
    assert _top(LexicalIndex.build(INTENT_RECORDS, params=SearchParams(intent_boost=0.5)), q) == "cond"
    before = {h.source_id: h.score for h in plain.search(q)}
    after = {h.source_id: h.score for h in LexicalIndex.build(INTENT_RECORDS).search(q)}
    assert after["cond"] == pytest.approx(before["cond"] * 1.2)  # default boost; 条件 in the title
    assert after["proc"] == pytest.approx(before["proc"])  # 流程 is not what the caller asked


def test_the_intent_boost_never_brings_in_a_record_with_no_matching_token() -> None:
    hits = LexicalIndex.build(INTENT_RECORDS).search("网约车驾驶员证要什么条件", top=10)
    assert "fee" not in {h.source_id for h in hits}


def test_intents_are_read_from_the_packaged_table() -> None:
    assert "fee" in caller_intents("办这个要多少钱") and "fee" in title_intents("收费标准")
    assert not caller_intents("你好")


def test_every_intent_row_has_distinct_name_and_words_on_both_sides() -> None:
    import csv
    from importlib import resources

    text = resources.files("gridloop.knowledge").joinpath("data/intents.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    names = [r["intent"] for r in rows]
    assert len(names) == len(set(names)) >= 10
    for r in rows:
        for side in ("caller_asks", "title_asks"):
            assert all(w.strip() for w in r[side].split("|")), (r["intent"], side)


def test_traditional_text_is_converted_to_simplified_and_simplified_text_is_left_as_it_is() -> None:
    from gridloop.platform.script import has_traditional, to_simplified

    assert to_simplified("暫住證在哪裡辦") == "暂住证在哪里办"
    long = "違規停車經舉發後，可於繳費期限內至監理站繳納罰款。" * 4  # the numpy look-up path (64+ characters)
    assert has_traditional(long) and to_simplified(long) == "违规停车经举发后，可于缴费期限内至监理站缴纳罚款。" * 4
    text = "北京市居住证如何办？" * 8
    assert not has_traditional(text) and to_simplified(text) is text
