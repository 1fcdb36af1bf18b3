"""City rules match words, not substrings, and a city's own rules are merged with the shipped ones."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import sessionmaker

from gridloop.platform.db.engine import build_engine
from gridloop.triage.adapters.models import shipped_rules
from gridloop.triage.adapters.words import segment
from gridloop.triage.domain.conventions import OVERRIDE, CategoryRule, Conventions, merge_rules
from gridloop.triage.plug import db_conventions
from gridloop.triage.services import conventions as svc

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def test_a_rule_for_a_word_does_not_fire_inside_a_longer_word():
    conv = Conventions([CategoryRule("交通运输", ("机动车道",), OVERRIDE)], segment=segment)
    assert conv.match("占用非机动车道停车，电瓶车没法骑") == []
    assert [p for _, p in conv.match("货车开上了机动车道旁边的人行道")] == ["机动车道"]


def test_false_friends_are_not_matched_even_without_a_segmenter():
    conv = Conventions([CategoryRule("卫生计生", ("落水",), OVERRIDE)])
    assert conv.match("阳台落水管漏了") == []


def test_a_city_rule_overrides_a_shipped_rule_by_key_and_keeps_the_rest():
    shipped = shipped_rules()
    mine = CategoryRule("城乡建设", ("电梯",), "boost", 0.5, note="overrides:sh-construction-words")
    merged = merge_rules(shipped, [mine])
    keys = [r.key for r in merged]
    assert "sh-construction-words" not in keys
    assert "sh-transport" in keys and len(merged) == len(shipped)


def test_seeded_copies_of_shipped_rules_are_not_counted_twice():
    shipped = shipped_rules()
    assert len(merge_rules(shipped, shipped)) == len(shipped)


@pytest.fixture
def sf(db_url):
    engine = build_engine(db_url)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def test_adding_one_city_rule_keeps_the_shipped_rules_working(sf):
    with sf() as s:
        svc.add_rule(s, category="交通运输", phrases="渡口", mode="override", now=NOW)
    conv = db_conventions(sf)()
    assert conv.decide("渡口排队太长", {"城乡建设": 1.0}).category == "交通运输"
    assert conv.decide("地铁站里太挤了", {"城乡建设": 1.0}).category == "交通运输", "shipped rule still applies"
