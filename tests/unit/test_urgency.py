import pytest

from gridloop.triage.domain.urgency import IncidentType, assess_urgency

LIFE_SAFETY = [
    ("楼道里有很浓的煤气味，大家都很害怕", IncidentType.ACCIDENT),
    ("厨房闻到燃气味，阀门关不上", IncidentType.ACCIDENT),
    ("隔壁楼着火了，浓烟很大", IncidentType.ACCIDENT),
    ("有人被困在电梯里半小时了", IncidentType.ACCIDENT),
    ("电梯困人，物业电话打不通", IncidentType.ACCIDENT),
    ("暴雨后水漫进家里，一楼都被淹了", IncidentType.NATURAL),
    ("围墙开裂，随时可能倒塌，下面有很多行人", IncidentType.ACCIDENT),
    ("台风过后大树倒在马路中间，车辆无法通行", IncidentType.NATURAL),
    ("中山北路主干道上井盖丢失，车流量很大", IncidentType.ACCIDENT),
    ("没有井盖的窨井就在人行道中间", IncidentType.ACCIDENT),
    ("学校食堂多名学生食物中毒送医", IncidentType.PUBLIC_HEALTH),
    ("小区门口有人持刀伤人", IncidentType.SOCIAL_SAFETY),
]


@pytest.mark.parametrize(("text", "incident"), LIFE_SAFETY)
def test_life_safety_reports_are_emergencies_with_incident_type(text, incident):
    flag = assess_urgency(text)
    assert flag.level == "emergency", f"{text} → {flag}"
    assert flag.incident_type is incident
    assert flag.reason, "every flag is explained"


def test_ordinary_complaint_is_normal():
    assert assess_urgency("小区路灯不亮，希望尽早维修").level == "normal"


def test_negated_gas_smell_is_not_an_emergency():
    assert assess_urgency("我家没有闻到煤气味，只是想咨询燃气费怎么交").level != "emergency"


def test_negation_elsewhere_does_not_hide_a_real_report():
    flag = assess_urgency("物业没有人管。楼道里有煤气味")
    assert flag.level == "emergency"


def test_possible_hazard_is_urgent_not_emergency():
    flag = assess_urgency("小区电动车在楼道充电，存在火灾隐患")
    assert flag.level == "urgent"
    assert "火灾" in flag.reason


def test_reason_names_the_matched_words():
    assert "困在电梯" in assess_urgency("我被困在电梯里了").reason


def test_english_gas_leak_is_flagged():
    assert assess_urgency("There is a gas leak in the corridor").level == "emergency"
