"""The case closed loop through the HTTP API."""

from __future__ import annotations

from tests.factories import YANGPU_GRID, case_body


def _create(api, **overrides):
    r = api.post("/api/v1/cases", json=case_body(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


def _act(api, case_id, action, **inputs):
    return api.post(f"/api/v1/cases/{case_id}/actions", json={"action": action, **inputs})


def test_case_driven_from_receive_to_close_has_every_event_in_its_timeline(as_user, clock):
    operator, dispatcher, handler = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case = _create(operator)
    assert case["number"].startswith("SH20261126") and case["status"] == "received"
    steps = [
        (dispatcher, "dispatch", {"unit": "310107-FG"}),
        (handler, "sign", {}),
        (handler, "first_contact", {"note": "已电话联系"}),
        (handler, "reply", {"reply": "已修复"}),
        (operator, "approve_reply", {}),
        (operator, "callback", {"satisfaction": "satisfied", "solved": True}),
        (operator, "close", {}),
    ]
    for api, action, inputs in steps:
        clock.advance(hours=2)
        r = _act(api, case["id"], action, **inputs)
        assert r.status_code == 200, f"{action}: {r.text}"
    final = operator.get(f"/api/v1/cases/{case['id']}").json()
    assert final["status"] == "closed" and final["satisfaction"] == "satisfied"
    events = operator.get(f"/api/v1/cases/{case['id']}/timeline").json()["items"]
    assert [e["action"] for e in events] == ["receive"] + [s[1] for s in steps]
    assert events[1]["payload"]["lead_unit"] == "310107-FG" and events[1]["role"] == "dispatcher"
    assert all(e["to"] for e in events)


def test_illegal_action_gets_409_naming_state_and_allowed_actions(as_user):
    operator = as_user("operator")
    case = _create(operator)
    r = _act(operator, case["id"], "close")
    assert r.status_code == 409
    body = r.json()
    assert "'received'" in body["detail"] and "dispatch" in body["detail"], body
    assert r.headers["content-type"].startswith("application/problem+json")


def test_handler_of_another_district_gets_403_and_lists_never_leak(as_user):
    operator, dispatcher = as_user("operator"), as_user("dispatcher")
    case = _create(operator)
    assert _act(dispatcher, case["id"], "dispatch", unit="310107-FG").status_code == 200
    yangpu = as_user("yangpu_housing")
    assert yangpu.get(f"/api/v1/cases/{case['id']}").status_code == 403
    assert _act(yangpu, case["id"], "sign").status_code == 403
    assert yangpu.get("/api/v1/cases").json()["total"] == 0
    putuo = as_user("putuo_housing")
    assert [c["id"] for c in putuo.get("/api/v1/cases").json()["items"]] == [case["id"]]


def test_supervisor_sees_cases_of_their_district_subtree_only(as_user):
    operator = as_user("operator")
    mine = _create(operator)
    other = _create(operator, area_code=YANGPU_GRID)
    ids = [c["id"] for c in as_user("supervisor").get("/api/v1/cases").json()["items"]]
    assert mine["id"] in ids and other["id"] not in ids


def test_idempotency_key_returns_the_same_case_on_retry(as_user):
    operator = as_user("operator")
    headers = {"Idempotency-Key": "call-42"}
    first = operator.post("/api/v1/cases", json=case_body(), headers=headers)
    again = operator.post("/api/v1/cases", json=case_body(), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"]
    assert operator.get("/api/v1/cases").json()["total"] == 1


def test_idempotency_key_reused_for_a_different_body_is_a_conflict(as_user):
    operator = as_user("operator")
    headers = {"Idempotency-Key": "k1"}
    assert operator.post("/api/v1/cases", json=case_body(), headers=headers).status_code == 201
    r = operator.post("/api/v1/cases", json=case_body(text="完全不同的另一件事情"), headers=headers)
    assert r.status_code == 409


def test_case_numbers_are_sequential_per_day(as_user, clock):
    operator = as_user("operator")
    a, b = _create(operator), _create(operator)
    assert int(b["number"][-5:]) == int(a["number"][-5:]) + 1
    clock.advance(days=1)
    c = _create(operator)
    assert c["number"].endswith("00001") and c["number"][2:10] == "20261127"


def test_phone_is_masked_for_roles_without_privacy_permission(as_user):
    case = _create(as_user("operator"))
    assert as_user("operator").get(f"/api/v1/cases/{case['id']}").json()["reporter"]["phone"] == "13812345678"
    seen = as_user("supervisor").get(f"/api/v1/cases/{case['id']}").json()["reporter"]
    assert seen["phone"] == "138****5678" and seen["name"] == "张*"


def test_return_requires_a_reason_and_review_upholds_by_redispatch(as_user):
    operator, dispatcher, handler = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case = _create(operator)
    _act(dispatcher, case["id"], "dispatch", unit="310107-FG")
    r = _act(handler, case["id"], "return")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    assert _act(handler, case["id"], "return", reason="属于街道职责").json()["status"] == "return_review"
    upheld = _act(dispatcher, case["id"], "uphold_return", unit="310107001").json()
    assert upheld["status"] == "dispatched" and upheld["lead_unit"] == "310107001"
    assert as_user("putuo_housing").get(f"/api/v1/cases/{case['id']}").status_code == 403


def test_rejected_return_goes_back_to_the_same_unit(as_user):
    operator, dispatcher, handler = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case = _create(operator)
    _act(dispatcher, case["id"], "dispatch", unit="310107-FG")
    _act(handler, case["id"], "return", reason="不是我们的")
    back = _act(dispatcher, case["id"], "reject_return", reason="属于房管职责").json()
    assert back["status"] == "dispatched" and back["lead_unit"] == "310107-FG" and back["return_count"] == 1


def test_unsolved_callback_reopens_and_solved_one_cannot(as_user):
    operator, dispatcher, handler = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case = _create(operator)
    for api, action, inputs in [
        (dispatcher, "dispatch", {"unit": "310107-FG"}),
        (handler, "sign", {}),
        (handler, "first_contact", {"note": "联系"}),
        (handler, "reply", {"reply": "处理"}),
        (operator, "approve_reply", {}),
        (operator, "callback", {"satisfaction": "dissatisfied", "solved": False}),
    ]:
        assert _act(api, case["id"], action, **inputs).status_code == 200
    reopened = _act(operator, case["id"], "reopen", reason="市民反映未解决").json()
    assert reopened["status"] == "in_progress" and reopened["reopen_count"] == 1


def test_extension_request_after_deadline_is_refused(as_user, clock):
    operator, dispatcher, handler = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case = _create(operator)
    _act(dispatcher, case["id"], "dispatch", unit="310107-FG")
    _act(handler, case["id"], "sign")
    clock.advance(days=30)
    r = _act(handler, case["id"], "request_extension", reason="需要协调", days=5)
    assert r.status_code == 409 and "before the deadline" in r.json()["detail"]


def test_approved_extension_moves_the_reply_deadline(as_user):
    operator, dispatcher, handler = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case = _create(operator)
    before = _act(dispatcher, case["id"], "dispatch", unit="310107-FG").json()["deadlines"]["reply"]
    _act(handler, case["id"], "sign")
    assert _act(handler, case["id"], "request_extension", reason="需要协调", days=5).status_code == 200
    after = _act(dispatcher, case["id"], "approve_extension").json()["deadlines"]["reply"]
    assert after > before


def test_merge_links_child_to_parent_and_supervise_leaves_a_record(as_user):
    operator, dispatcher = as_user("operator"), as_user("dispatcher")
    parent, child = _create(operator), _create(operator)
    merged = _act(operator, child["id"], "merge", parent=parent["number"]).json()
    assert merged["status"] == "merged" and merged["parent_case_id"] == parent["id"]
    _act(dispatcher, parent["id"], "dispatch", unit="310107-FG")
    sup = _act(dispatcher, parent["id"], "supervise", note="请加快办理").json()
    assert sup["supervised"] is True and sup["status"] == "dispatched"


def test_answer_directly_closes_an_inquiry_on_the_spot(as_user):
    operator = as_user("operator")
    case = _create(operator, request_type="inquiry")
    closed = _act(operator, case["id"], "answer_directly", reply="办理时间为工作日9点至17点").json()
    assert closed["status"] == "closed" and closed["allowed_actions"] == []


def test_role_without_the_action_gets_403(as_user):
    case = _create(as_user("operator"))
    r = _act(as_user("analyst"), case["id"], "dispatch", unit="310107-FG")
    assert r.status_code == 403 and "dispatcher" in r.json()["detail"]


def test_missing_token_is_401_and_unknown_case_404(as_user, app_client):
    assert app_client.get("/api/v1/cases").status_code == 401
    assert as_user("operator").get("/api/v1/cases/999999").status_code == 404


def test_list_filters_by_status_district_text_and_overdue(as_user, clock):
    operator, dispatcher = as_user("operator"), as_user("dispatcher")
    a = _create(operator, text="长寿路井盖缺失很危险")
    _create(operator, area_code=YANGPU_GRID)
    _act(dispatcher, a["id"], "dispatch", unit="310107-FG")
    assert operator.get("/api/v1/cases", params={"status": "dispatched"}).json()["total"] == 1
    assert operator.get("/api/v1/cases", params={"district": "310110"}).json()["total"] == 1
    assert operator.get("/api/v1/cases", params={"text": "井盖"}).json()["total"] == 1
    assert operator.get("/api/v1/cases", params={"overdue": "true"}).json()["total"] == 0
    clock.advance(days=10)
    assert operator.get("/api/v1/cases", params={"overdue": "true"}).json()["total"] == 1
    r = operator.get("/api/v1/cases", params={"status": "nonsense"})
    assert r.status_code == 422


def test_lifecycle_endpoint_returns_the_table(app_client):
    body = app_client.get("/api/v1/lifecycle").json()
    assert {"from": "received", "action": "dispatch", "to": "dispatched"} in body["transitions"]
    assert any(a["value"] == "return" and "reason" in a["requires"] for a in body["actions"])


def test_revoked_token_stops_working_within_the_cache_ttl(as_user, container, clock):
    from sqlalchemy import update

    from gridloop.org.tables import TokenRow

    operator = as_user("operator")
    assert operator.get("/api/v1/me").status_code == 200
    with container.uow() as uow:
        uow.session.execute(update(TokenRow).values(revoked=True))
        uow.commit()
    clock.advance(seconds=31)
    assert operator.get("/api/v1/me").status_code == 401
