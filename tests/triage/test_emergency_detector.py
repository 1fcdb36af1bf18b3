"""The emergency detector on wordings outside its phrase list, and on keywords out of context (issue 18).
These sentences are written for this test; none is in tests/data/shanghai_eval.csv."""

import pytest

from gridloop.triage.adapters.words import segment
from gridloop.triage.domain.urgency import EMERGENCY, IncidentType, assess_urgency

EMERGENCIES = [
    ("小区后门那家化工仓库漏出来一种液体，味道刺鼻，门卫已经头晕了", "chemical", IncidentType.ACCIDENT),
    ("灶台那边一股臭鸡蛋的气味，我妈说不对劲", "gas", IncidentType.ACCIDENT),
    ("液化气钢瓶的阀门坏了，呼呼在往外冒气", "gas", IncidentType.ACCIDENT),
    ("单位聚餐以后同事们一个个都拉肚子，还有两个在发烧", "food_poisoning", IncidentType.PUBLIC_HEALTH),
    ("雨水从门口灌进来，客厅里全是水", "flooding", IncidentType.NATURAL),
    ("路口一辆出租车把骑自行车的老伯撞了，老伯倒地流血", "traffic_injury", IncidentType.ACCIDENT),
    ("邻居家的宝宝被反锁在车里，车窗关着", "child_trapped", IncidentType.ACCIDENT),
    ("我实在撑不下去了，今晚就从阳台跳下去", "self_harm", IncidentType.SOCIAL_SAFETY),
    ("搅拌机把工人的袖子卷进去了，手被压住拔不出来", "machinery_trapped", IncidentType.ACCIDENT),
    ("老厂房的屋顶塌下来了，可能还有人在里面", "collapse", IncidentType.ACCIDENT),
]


@pytest.mark.parametrize(("text", "kind", "itype"), EMERGENCIES)
def test_reworded_emergencies_are_flagged_with_kind_and_type(text, kind, itype):
    flag = assess_urgency(text, segment=segment)
    assert flag.level == EMERGENCY, f"{text} → {flag}"
    assert flag.kind == kind
    assert flag.incident_type is itype
    assert kind in flag.reason, "the rule and the words are named"


NOT_EMERGENCIES = [
    "这家鞋店天天喊跳楼价清仓，实际比别家还贵",  # a keyword inside a longer word
    "雨水管也就是落水管断了，墙面湿了一大块",
    "前年我们楼道着火以后，烧坏的电表箱到现在还没换",  # past
    "电视上报道别的区燃气爆炸，我们小区的老管道是不是也该查一查",  # in passing
    "请问燃气泄漏报警器要到哪里去装",  # an inquiry about a service
    "两辆车碰了一下，没有人受伤，就是堵路",  # negated
    "房子裂缝鉴定过了，不会倒塌",
]


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_keywords_out_of_context_are_not_emergencies(text):
    flag = assess_urgency(text, segment=segment)
    assert flag.level != EMERGENCY, f"{text} → {flag}"


def test_hedging_elsewhere_never_demotes_an_emergency():
    flag = assess_urgency("阳台已经塌下来一块砸到人了，存在很大隐患，可能还会继续掉", segment=segment)
    assert flag.level == EMERGENCY
    assert flag.kind == "collapse"


def test_a_pure_risk_stays_urgent():
    flag = assess_urgency("这面墙歪了，万一哪天塌下来要出事", segment=segment)
    assert flag.level == "urgent"
    assert "可能/隐患" in flag.reason


def test_set_aside_readings_are_explained():
    flag = assess_urgency("去年台风的时候家里进水，地板到现在还翘着", segment=segment)
    assert flag.level == "normal"
    assert any("past" in s for s in flag.set_aside)
