"""Returns and 三跨 coordination, co-unit replies, merged duplicates closing with their parent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridloop.cases.services.coordination import callback_pending, record_child_callback
from gridloop.cases.tables import CaseRow
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.kernel.org import Role
from gridloop.org.services import org
from tests.factories import case_body


@pytest.fixture
def world(container, clock):
    with container.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())
        for name, role, unit in (
            ("putuo_cg", Role.HANDLER, "310107-CG"),
            ("putuo_hb", Role.HANDLER, "310107-HB"),
            ("street_sup", Role.SUPERVISOR, "310107001"),
        ):
            org.create_user(uow.session, username=name, role=role, unit_code=unit, now=clock.now())
        uow.commit()
    return container


def act(api, case_id, action, **inputs):
    return api.post(f"/api/v1/cases/{case_id}/actions", json={"action": action, **inputs})


def ok(response):
    assert response.status_code == 200, response.text
    return response.json()


def test_case_returned_twice_becomes_cross_cutting_and_goes_to_the_district(world, as_user, clock):
    operator, dispatcher, fg = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case_id = operator.post("/api/v1/cases", json=case_body()).json()["id"]
    assert act(fg, case_id, "return").status_code == 422, "a return needs a reason"
    ok(act(fg, case_id, "return", reason="属于城管执法范围"))
    ok(act(dispatcher, case_id, "reject_return", reason="房屋渗水属房管职责"))
    clock.advance(hours=1)
    ok(act(fg, case_id, "return", reason="仍认为不属本单位"))
    case = operator.get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "coordinating", case
    assert "cross_department" in case["tags"]
    events = operator.get(f"/api/v1/cases/{case_id}/timeline").json()["items"]
    escalation = events[-1]
    assert escalation["action"] == "escalate" and escalation["payload"]["coordinating_unit"] == "310107"
    assert escalation["payload"]["level"] == "district"


def _coordinated_case(as_user, clock):
    operator, dispatcher, fg = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    case_id = operator.post("/api/v1/cases", json=case_body()).json()["id"]
    ok(act(dispatcher, case_id, "escalate", reason="房管与城管职责争议"))
    return case_id, operator, fg


def test_coordination_by_the_wrong_level_is_refused(world, as_user, clock):
    case_id, _operator, _fg = _coordinated_case(as_user, clock)
    r = act(as_user("street_sup"), case_id, "coordinate", unit="310107-FG", reason="x")
    assert r.status_code == 403 and "district level" in r.json()["detail"], r.text


def test_co_units_reply_then_the_lead_reply_closes_the_loop(world, as_user, clock):
    case_id, operator, fg = _coordinated_case(as_user, clock)
    supervisor = as_user("supervisor")  # 普陀区 level
    ok(
        act(
            supervisor,
            case_id,
            "coordinate",
            unit="310107-FG",
            co_units=["310107-CG", "310107-HB"],
            reason="房管主办，城管、环保协办",
        )
    )
    case = operator.get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "dispatched" and case["lead_unit"] == "310107-FG"
    ok(act(fg, case_id, "sign"))
    ok(act(fg, case_id, "first_contact", note="已联系"))
    r = act(fg, case_id, "reply", reply="已处理")
    assert r.status_code == 409 and "310107-CG" in r.json()["detail"], r.text
    r = act(fg, case_id, "co_reply", reply="x")
    assert r.status_code == 403 and "not a co-unit" in r.json()["detail"]
    ok(act(as_user("putuo_cg"), case_id, "co_reply", reply="违建已拆除"))
    ok(act(as_user("putuo_hb"), case_id, "co_reply", reply="已检测"))
    ok(act(fg, case_id, "reply", reply="渗水已修复，协办已完成"))
    actions = [e["action"] for e in operator.get(f"/api/v1/cases/{case_id}/timeline").json()["items"]]
    assert actions[-7:] == ["escalate", "coordinate", "sign", "first_contact", "co_reply", "co_reply", "reply"]


def test_reply_from_a_unit_not_on_the_case_is_refused(world, as_user):
    case_id = as_user("operator").post("/api/v1/cases", json=case_body()).json()["id"]
    r = act(as_user("putuo_cg"), case_id, "reply", reply="x")
    assert r.status_code in (403, 409) and r.status_code != 200


def test_closing_the_parent_closes_children_and_asks_each_reporter_for_a_callback(world, as_user, container, clock):
    operator, fg = as_user("operator"), as_user("putuo_housing")
    parent = operator.post("/api/v1/cases", json=case_body()).json()
    child = operator.post("/api/v1/cases", json=case_body(text="同一栋楼楼道渗水，第二位居民来电反映。")).json()
    ok(act(operator, child["id"], "merge", parent=parent["number"]))
    for action, inputs in (("sign", {}), ("first_contact", {"note": "ok"}), ("reply", {"reply": "已修复渗水"})):
        ok(act(fg, parent["id"], action, **inputs))
    ok(act(operator, parent["id"], "approve_reply"))
    ok(act(operator, parent["id"], "callback", satisfaction="satisfied", solved=True))
    ok(act(operator, parent["id"], "close"))
    with container.uow() as uow:
        row = uow.session.scalars(select(CaseRow).where(CaseRow.id == child["id"])).one()
        assert (row.status, row.reply_text, row.closure_kind) == ("merged", "已修复渗水", "with_parent")
        assert callback_pending(row), "the child's reporter is owed a callback"
        from gridloop.org.services.org import actor_for, get_user

        actor = actor_for(get_user(uow.session, "operator"))
        done = record_child_callback(uow, actor, child["id"], satisfaction="satisfied", solved=True, now=clock.now())
        assert not callback_pending(done) and [c.satisfaction for c in done.callbacks] == ["satisfied"]
    actions = [e["action"] for e in operator.get(f"/api/v1/cases/{child['id']}/timeline").json()["items"]]
    assert actions[-3:] == ["merge", "close", "callback"]
