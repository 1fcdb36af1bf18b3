"""CAP 1.2 messages: valid against the OASIS schema and the section-3 rules, chained Alert → Update → Cancel."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from gridloop.emergency.adapters.cap_checks import NS, CapSchema, conformance_problems
from gridloop.emergency.adapters.readings_csv import read_readings
from gridloop.emergency.domain.cap import Area, CapComposer, CapProfile, cap_time
from gridloop.emergency.domain.rule_table import default_rules
from gridloop.emergency.domain.rules import Kind, Reading, Rule, Step, evaluate
from gridloop.emergency.services.replay import warnings_from
from gridloop.kernel.errors import InvalidInput

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SERIES = {
    "shanghai": "sensors/shanghai_pm25_precip_hourly_2013-06_2013-10.csv",
    "beijing": "sensors/beijing_12sites_pm25_rain_hourly_2016-07.csv",
}


@pytest.fixture(scope="module")
def schema(emergency_data):
    return CapSchema.load(emergency_data / "cap/CAP-v1.2.xsd")


def text(xml, path):
    return etree.fromstring(xml).findtext(path, namespaces=NS)


def test_shared_examples_pass_the_schema_and_the_section_3_rules(emergency_data, schema):
    for path in sorted((emergency_data / "cap/examples").glob("*.xml")):
        xml = path.read_bytes()
        assert schema.problems(xml) == [], path.name
        assert conformance_problems(xml) == [], path.name


def test_shared_synthetic_chinese_examples_follow_gbt_35965_identifiers(emergency_data):
    for path in sorted((emergency_data / "cap/examples").glob("synthetic-zh-rainstorm-*.xml")):
        assert conformance_problems(path.read_bytes(), gbt35965=True, offset="+08:00") == [], path.name


def test_shared_invalid_messages_fail_the_schema_or_the_section_3_rules(emergency_data, schema):
    for path in sorted((emergency_data / "cap/invalid").glob("*.xml")):
        xml = path.read_bytes()
        if path.stem.endswith("xsd-valid"):
            assert schema.problems(xml) == [], path.name
            assert conformance_problems(xml), f"{path.name}: the section-3 checks must catch it"
        else:
            assert schema.problems(xml), f"{path.name}: the schema must reject it"


@pytest.mark.parametrize("series", sorted(SERIES))
def test_every_replayed_message_is_valid_and_chained(emergency_data, schema, series):
    readings = sorted(read_readings(emergency_data / SERIES[series]), key=lambda r: r.ts)
    admin = "310000" if series == "shanghai" else "110000"
    composer = CapComposer(profile=CapProfile(admin_code=admin))
    messages = list(warnings_from(readings, rules=default_rules(), composer=composer))
    assert messages, "the series holds rainstorms"
    seen: dict[str, str] = {}
    for m in messages:
        assert schema.problems(m.xml) == [], m.identifier
        assert conformance_problems(m.xml, gbt35965=True, offset="+08:00") == [], m.identifier
        assert m.identifier not in seen, "identifiers are unique"
        assert m.identifier.startswith(admin)
        seen[m.identifier] = m.msg_type
        refs = [triple.split(",")[1] for triple in m.references.split()]
        assert all(r in seen for r in refs), "references point only to earlier messages"
        if m.msg_type == "Alert":
            assert refs == []
        else:
            assert refs and seen[refs[0]] == "Alert", "an Update or Cancel references its chain's Alert first"
        expected = {"issue": "Alert", "upgrade": "Update", "downgrade": "Update", "cancel": "Cancel"}
        assert m.msg_type == expected[m.transition.kind.value]


def test_level_gives_severity_and_urgency_of_the_shared_mapping(emergency_data):
    with (emergency_data / "mappings/warning_level_to_cap.csv").open(encoding="utf-8") as f:
        mapping = {int(r["level"]): r for r in csv.DictReader(f)}
    rule = Rule(
        id="t",
        event="测试",
        metric="x",
        unit="u",
        kind=Kind.THRESHOLD,
        steps=tuple(Step(lv, 10.0 * (5 - lv)) for lv in (1, 2, 3, 4)),
    )
    readings = [Reading(T0 + timedelta(hours=i), "S", "x", v, "u") for i, v in enumerate([10, 20, 30, 40])]
    composer = CapComposer()
    for t in evaluate(readings, rules=[rule]):
        xml = composer.compose(t, rule=rule).xml
        row = mapping[t.level]
        assert text(xml, "cap:info/cap:severity") == row["cap_severity_suggested"]
        assert text(xml, "cap:info/cap:urgency") == row["cap_urgency_default"]
        assert row["text_label_zh"] in text(xml, "cap:info/cap:headline")


def one_rule():
    return Rule(id="rain", event="暴雨", metric="p", unit="mm", kind=Kind.THRESHOLD, steps=(Step(3, 10.0),))


def transitions(values, station="S"):
    readings = [Reading(T0 + timedelta(hours=i), station, "p", v, "mm") for i, v in enumerate(values)]
    return list(evaluate(readings, rules=[one_rule()]))


def test_times_are_beijing_time_with_offset_and_whole_seconds():
    assert cap_time(datetime(2026, 7, 1, 0, 0, 0, 123456, tzinfo=ZoneInfo("UTC"))) == "2026-07-01T08:00:00+08:00"
    with pytest.raises(InvalidInput):
        cap_time(datetime(2026, 7, 1))


def test_identifier_is_sender_code_beijing_time_and_sequence():
    composer = CapComposer(profile=CapProfile(admin_code="310101", org_code="123"))
    issue = composer.compose(transitions([12])[0], rule=one_rule())
    assert issue.identifier == "31010112300100_20260701080000_0"
    other = composer.compose(transitions([12], station="S2")[0], rule=one_rule())
    assert other.identifier == "31010112300200_20260701080000_0", "another subject gets its own internal code"


def test_a_cancel_references_the_alert_and_every_update_and_says_all_clear():
    composer = CapComposer()
    messages = [composer.compose(t, rule=one_rule()) for t in transitions([12, 0])]
    alert, cancel = messages
    assert cancel.msg_type == "Cancel"
    assert cancel.references == f"{alert.sender},{alert.identifier},{alert.sent}"
    assert text(cancel.xml, "cap:info/cap:responseType") == "AllClear"
    assert text(cancel.xml, "cap:info/cap:urgency") == "Past"


def test_an_open_polygon_is_closed_and_a_circle_is_written_in_km(schema):
    area = Area(
        "南京东路街道",
        polygon=((31.245, 121.47), (31.245, 121.495), (31.23, 121.495)),
        circle=(31.24, 121.48, 1.5),
        geocode="310101",
    )
    composer = CapComposer(areas={"S": area})
    xml = composer.compose(transitions([12])[0], rule=one_rule()).xml
    polygon = text(xml, "cap:info/cap:area/cap:polygon").split()
    assert len(polygon) == 4 and polygon[0] == polygon[-1]
    assert text(xml, "cap:info/cap:area/cap:circle") == "31.240000,121.480000 1.5"
    assert schema.problems(xml) == [] and conformance_problems(xml, gbt35965=True) == []


def test_exercise_messages_say_so():
    composer = CapComposer(profile=CapProfile(status="Exercise"))
    xml = composer.compose(transitions([12])[0], rule=one_rule()).xml
    assert text(xml, "cap:status") == "Exercise"
    assert text(xml, "cap:info/cap:headline").startswith("【演练】")


@pytest.mark.parametrize(
    ("old", "new", "found"),
    [
        (b"<identifier>", b"<identifier>a b", "identifier"),
        (b"<sent>2026-07-01T08:00:00+08:00</sent>", b"<sent>2026-07-01T08:00:00Z</sent>", "sent"),
        (b"<msgType>Alert</msgType>", b"<msgType>Update</msgType>", "needs references"),
        (b"</scope>", b"</scope><references>a,b</references>", "sender,identifier,sent"),
        (b"<areaDesc>S</areaDesc>", b"<areaDesc>S</areaDesc><circle>31.2,121.4 -1</circle>", "circle"),
        (
            b"<areaDesc>S</areaDesc>",
            b"<areaDesc>S</areaDesc><polygon>31,121 31,122 32,122 31,121.5</polygon>",
            "closed",
        ),
    ],
)
def test_section_3_checks_catch_what_the_schema_misses(old, new, found):
    xml = CapComposer().compose(transitions([12])[0], rule=one_rule()).xml
    assert old in xml
    assert conformance_problems(xml, gbt35965=True) == []
    problems = conformance_problems(xml.replace(old, new, 1), gbt35965=True)
    assert any(found in p for p in problems), problems


def test_a_profile_with_a_comma_in_the_sender_is_refused():
    with pytest.raises(InvalidInput, match="sender"):
        CapProfile(sender="a,b")
