"""Bad input gets a clear 422 and leaves nothing half-written; legitimate odd text is stored verbatim."""

from __future__ import annotations

import pytest

from tests.factories import case_body

REFUSED = [
    ({"text": ""}, "text"),
    ({"text": "   \n\t "}, "text"),
    ({"text": "投诉" * 10_001}, "text"),
    ({"text": "路灯坏了\x00\x07"}, "text"),
    ({"text": "😡😡😡🔥"}, "text"),
    ({"text": "13812345678"}, "text"),
    ({"lng": 2.35, "lat": 48.85, "crs": "wgs84"}, "lng"),
    ({"lng": 31.23, "lat": 121.47, "crs": "wgs84"}, "lng"),
    ({"lng": 121.47, "lat": 31.23, "crs": "utm"}, "crs"),
    ({"lng": 121.47, "lat": 31.23}, "crs"),
    ({"category": "不存在的分类"}, "category"),
    ({"area_code": "999999"}, "area_code"),
    ({"request_type": "rant"}, "request_type"),
    ({"attachments": ["ftp://x/y.jpg"]}, "attachments[0]"),
    ({"reporter": {"phone": "call me maybe"}}, "reporter.phone"),
]


@pytest.mark.parametrize(("overrides", "field"), REFUSED, ids=[f for _, f in REFUSED])
def test_bad_report_is_refused_with_422_naming_the_field(as_user, overrides, field):
    operator = as_user("operator")
    r = operator.post("/api/v1/cases", json=case_body(**overrides))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["title"] and body["detail"] and any(e["field"] == field for e in body["errors"]), body
    assert operator.get("/api/v1/cases").json()["total"] == 0


def test_swapped_coordinates_are_named_as_swapped(as_user):
    r = as_user("operator").post("/api/v1/cases", json=case_body(lng=31.23, lat=121.47, crs="wgs84"))
    assert "swapped" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>小区门口垃圾没人清理",
        "'; DROP TABLE cases; -- 路灯不亮",
        "社區門口的路燈壞了很久",
        "The street light outside No. 12 has been broken for a week",
    ],
)
def test_legitimate_odd_text_is_stored_verbatim(as_user, text):
    operator = as_user("operator")
    r = operator.post("/api/v1/cases", json=case_body(text=text))
    assert r.status_code == 201, r.text
    assert operator.get(f"/api/v1/cases/{r.json()['id']}").json()["text"] == text


def test_malformed_json_is_a_problem_document_not_a_trace(as_user):
    r = as_user("operator").post("/api/v1/cases", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "Traceback" not in r.text and r.json()["type"].endswith("invalid-input")


def test_unknown_action_is_422_listing_the_actions(as_user):
    operator = as_user("operator")
    case = operator.post("/api/v1/cases", json=case_body()).json()
    r = operator.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "teleport"})
    assert r.status_code == 422 and "dispatch" in r.json()["errors"][0]["message"]
