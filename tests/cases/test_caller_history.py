"""The caller's history at intake: earlier cases of the number appear with status, masked for roles that may not
see personal data; a repeat call becomes a follow-up, a merge or a reopen through the lifecycle; every look-up by
number is throttled and logged (the number's hash, never the number)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from gridloop.cases.tables import PersonalDataAccessRow
from tests.factories import case_body
from tests.web_helpers import csrf_of, login

PHONE = "13812345678"


def _lookup(api, **body):
    return api.client.post("/api/v1/intake/caller-history", json=body, headers=api._h())


def test_an_earlier_case_of_the_number_appears_with_its_status_and_what_the_call_can_become(as_user):
    op = as_user("operator")
    case = op.post("/api/v1/cases", json=case_body()).json()
    r = _lookup(op, phone="138-1234-5678")
    assert r.status_code == 200, r.text
    found = r.json()["by_phone"]
    assert [c["number"] for c in found] == [case["number"]]
    assert found[0]["status_label"]["zh"] == "已受理" and found[0]["offers"] == ["follow_up", "merge"]
    assert found[0]["reporter_phone"] == PHONE, "an operator sees the number"


def test_a_grid_worker_sees_the_history_with_personal_data_masked(as_user):
    as_user("operator").post("/api/v1/cases", json=case_body(title="张三反映13812345678楼道渗水")).json()
    data = _lookup(as_user("gridworker"), phone=PHONE).json()
    assert data["masked"] is True
    for c in data["by_phone"]:
        assert PHONE not in str(c), c


def test_open_cases_at_the_same_address_appear_beside_the_number(as_user):
    op = as_user("operator")
    case = op.post(
        "/api/v1/cases", json=case_body(address="长寿路100号", reporter={"name": "李", "phone": "13900000000"})
    )
    data = _lookup(op, phone="13700000000", address="长寿路100号").json()
    assert [c["number"] for c in data["near"]] == [case.json()["number"]]


def test_a_look_up_is_validated_logged_by_hash_and_throttled(container, as_user):
    op = as_user("operator")
    assert _lookup(op, phone="not-a-phone").status_code == 422
    assert _lookup(op).status_code == 422
    assert _lookup(op, phone=PHONE).status_code == 200
    with container.uow() as uow:
        rows = uow.session.execute(select(PersonalDataAccessRow.username, PersonalDataAccessRow.purpose,
                                          PersonalDataAccessRow.subject)).all()  # fmt: skip
    assert [(r.username, r.purpose) for r in rows] == [("operator", "caller_history")]
    assert rows[0].subject == hashlib.sha256(PHONE.encode()).hexdigest()
    codes = [_lookup(op, phone=PHONE).status_code for _ in range(35)]
    assert 429 in codes, "30 look-ups a minute at most"


def test_a_handler_may_not_look_callers_up(as_user):
    assert _lookup(as_user("putuo_housing"), phone=PHONE).status_code == 403


def _repeat(app_client, mode, case_id, text="又打来了，问题还没解决"):
    page = app_client.get("/intake")
    data = {
        "csrf": csrf_of(page.text),
        "repeat": f"{mode}:{case_id}",
        "text": text,
        "reporter_phone": PHONE,
        "channel": "phone",
        "request_type": "complaint",
        "category": "城乡建设",
        "area_code": "31010700100101",
    }
    return app_client.post("/intake/repeat", data=data, follow_redirects=True)


def test_a_repeat_call_becomes_a_follow_up_on_the_open_case(app_client, as_user):
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    login(app_client, "operator")
    r = _repeat(app_client, "follow_up", case["id"])
    assert "追加诉求记入工单" in r.text, r.text[:2000]
    events = as_user("operator").get(f"/api/v1/cases/{case['id']}/timeline").json()["items"]
    assert events[-1]["action"] == "follow_up" and "还没解决" in events[-1]["note"], events[-1]


def test_a_repeat_call_merged_into_the_open_case_is_a_new_merged_case(app_client, as_user):
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    login(app_client, "operator")
    r = _repeat(app_client, "merge", case["id"], text="长寿路小区楼道又渗水了，第二次来电")
    assert "并入原工单" in r.text, r.text[:2000]
    found = _lookup(as_user("operator"), phone=PHONE).json()["by_phone"]
    merged = [c for c in found if c["id"] != case["id"]]
    assert merged and merged[0]["status"] == "merged", found


def test_a_repeat_call_about_a_closed_case_is_a_new_case_naming_it(app_client, as_user):
    op = as_user("operator")
    case = op.post("/api/v1/cases", json=case_body()).json()
    op.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "answer_directly", "reply": "已答复"})
    assert _lookup(op, phone=PHONE).json()["by_phone"][0]["offers"] == ["reopen"]
    login(app_client, "operator")
    r = _repeat(app_client, "reopen", case["id"])
    assert "重办工单" in r.text, r.text[:2000]
    newest = _lookup(op, phone=PHONE).json()["by_phone"][0]
    detail = op.get(f"/api/v1/cases/{newest['id']}").json()
    assert f"重办:{case['number']}" in detail["tags"], detail["tags"]


def test_a_merge_into_a_closed_case_is_refused_and_explained(app_client, as_user):
    op = as_user("operator")
    case = op.post("/api/v1/cases", json=case_body()).json()
    op.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "answer_directly", "reply": "已答复"})
    login(app_client, "operator")
    r = _repeat(app_client, "merge", case["id"])
    assert "flash-error" in r.text and case["number"] in r.text
