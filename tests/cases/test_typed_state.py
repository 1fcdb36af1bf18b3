"""The loop's state in typed columns and tables: every callback and extension request kept, suspension
timed, coordination with its co-unit replies, as the case JSON shows them."""

from __future__ import annotations

from gridloop.kernel.org import Role
from gridloop.platform.org.services import org
from tests.factories import case_body
from tests.web_helpers import login


def _act(api, case_id, action, **inputs):
    r = api.post(f"/api/v1/cases/{case_id}/actions", json={"action": action, **inputs})
    assert r.status_code == 200, r.text
    return r.json()


def _signed_case(as_user):
    operator, dispatcher, handler = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case = operator.post("/api/v1/cases", json=case_body()).json()
    _act(dispatcher, case["id"], "dispatch", unit="310107-FG")
    _act(handler, case["id"], "sign")
    return case["id"], operator, dispatcher, handler


def test_every_callback_is_kept_not_only_the_last(as_user):
    case_id, operator, _dispatcher, handler = _signed_case(as_user)
    _act(handler, case_id, "first_contact", note="联系")
    for _round in range(2):
        _act(handler, case_id, "reply", reply="处理")
        _act(operator, case_id, "approve_reply")
        if _round == 0:
            _act(operator, case_id, "callback", satisfaction="dissatisfied", solved=False)
            _act(operator, case_id, "reopen", reason="市民反映未解决")
    case = _act(operator, case_id, "callback", satisfaction="satisfied", solved=True)
    calls = [(c["satisfaction"], c["solved"], c["by"]) for c in case["callbacks"]]
    assert calls == [("dissatisfied", False, "operator"), ("satisfied", True, "operator")], case["callbacks"]
    assert (case["satisfaction"], case["solved"]) == ("satisfied", True), "the case holds the newest result"


def test_case_page_lists_every_callback(as_user, app_client):
    case_id, operator, _dispatcher, handler = _signed_case(as_user)
    _act(handler, case_id, "first_contact", note="联系")
    _act(handler, case_id, "reply", reply="处理")
    _act(operator, case_id, "approve_reply")
    _act(operator, case_id, "callback", satisfaction="dissatisfied", solved=False)
    _act(operator, case_id, "reopen", reason="市民反映未解决")
    _act(handler, case_id, "reply", reply="再次处理")
    _act(operator, case_id, "approve_reply")
    _act(operator, case_id, "callback", satisfaction="basically_satisfied", solved=True)
    login(app_client, "operator")
    page = app_client.get(f"/cases/{case_id}").text
    # both callbacks, in the fields and in the timeline
    assert "不满意" in page and "基本满意" in page and page.count("是否解决") == 4, "both callbacks are shown"


def test_extension_requests_keep_days_and_decision(as_user):
    case_id, _operator, dispatcher, handler = _signed_case(as_user)
    asked = _act(handler, case_id, "request_extension", reason="需要协调", days=5)
    assert asked["extension_pending_days"] == 5
    approved = _act(dispatcher, case_id, "approve_extension")
    _act(handler, case_id, "request_extension", reason="再延", days=3)
    case = _act(dispatcher, case_id, "reject_extension", reason="不予延期")
    first, second = case["extensions"]
    assert (first["days"], first["reason"], first["decision"], first["decided_by"]) == (
        5,
        "需要协调",
        "approved",
        "dispatcher",
    )
    assert first["new_due"] == approved["deadlines"]["reply"] and first["old_due"] < first["new_due"]
    assert (second["days"], second["decision"], second["new_due"]) == (3, "rejected", None)
    assert case["extension_pending_days"] is None


def test_suspension_is_timed_and_pushes_the_reply_deadline_on_resume(as_user, clock):
    case_id, _operator, dispatcher, handler = _signed_case(as_user)
    before = _act(dispatcher, case_id, "suspend", reason="等待产权方")
    assert before["suspended_at"] == clock.now().isoformat()
    clock.advance(hours=5)
    after = _act(handler, case_id, "resume")
    assert after["suspended_at"] is None
    assert after["deadlines"]["reply"] > before["deadlines"]["reply"], "five paused hours are added to the deadline"


def test_coordination_and_co_replies_show_in_the_case(container, as_user, clock):
    with container.uow() as uow:
        org.create_user(uow.session, username="putuo_cg", role=Role.HANDLER, unit_code="310107-CG", now=clock.now())
        uow.commit()
    operator, dispatcher = as_user("operator"), as_user("dispatcher")
    case_id = operator.post("/api/v1/cases", json=case_body()).json()["id"]
    _act(dispatcher, case_id, "dispatch", unit="310107-FG")
    _act(dispatcher, case_id, "escalate", reason="职责争议")
    _act(as_user("supervisor"), case_id, "coordinate", unit="310107-FG", co_units=["310107-CG"], reason="分工")
    case = _act(as_user("putuo_cg"), case_id, "co_reply", reply="违建已拆除")
    co = case["coordination"]
    assert (co["level"], co["unit"], co["decided"]["lead_unit"], co["decided"]["co_units"]) == (
        "district",
        "310107",
        "310107-FG",
        ["310107-CG"],
    )
    assert co["co_replies"]["310107-CG"]["reply"] == "违建已拆除" and co["closed_at"] is None


def test_answered_directly_case_says_how_it_closed(as_user):
    operator = as_user("operator")
    case = operator.post("/api/v1/cases", json=case_body(request_type="inquiry")).json()
    closed = _act(operator, case["id"], "answer_directly", reply="办理时间为工作日9点至17点")
    assert closed["closure"] == "direct"
