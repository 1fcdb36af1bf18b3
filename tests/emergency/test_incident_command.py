"""Incidents over the API: open from a warning, grade and command level, tasks acknowledged or escalated, 四早."""

from __future__ import annotations

from datetime import timedelta

from gridloop.emergency.domain.incidents import COMMAND_LEVEL, Grade, escalated_level
from gridloop.emergency.services.incidents import escalate_unacknowledged
from tests.conftest import T0
from tests.emergency.helpers import store_warning

URL = "/api/v1/emergency/incidents"
TEAMS = "/api/v1/emergency/teams"
PUTUO = (121.3965, 31.2494)


def _incident(api, **over):  # type: ignore[no-untyped-def]
    body = {"title": "长寿路小区燃气泄漏", "type": "accident", "grade": "IV",
            "found_at": (T0 - timedelta(minutes=30)).isoformat(), "lng": PUTUO[0], "lat": PUTUO[1], **over}  # fmt: skip
    r = api.post(URL, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _team(api, code, lng, lat, skills=("抢险",), **over):  # type: ignore[no-untyped-def]
    body = {"code": code, "name": f"{code}队", "skills": list(skills), "size": 12, "lng": lng, "lat": lat, **over}
    r = api.post(TEAMS, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_the_command_level_follows_the_grade_from_village_to_city():
    assert [COMMAND_LEVEL[g] for g in (Grade.IV, Grade.III, Grade.II, Grade.I)] == [
        "community", "street", "district", "city"]  # fmt: skip
    assert escalated_level("street", 1) == "district" and escalated_level("district", 5) == "city"


def test_a_warning_opens_an_incident_once_with_its_grade_and_warned_time(as_user, container):
    sent = T0 - timedelta(hours=1)
    store_warning(container, identifier="310000000000_20261126090000_1", sent_at=sent, level=2)
    sup = as_user("supervisor")
    r = sup.post(f"{URL}/from-warning", json={"identifier": "310000000000_20261126090000_1", "commander": "李指挥"})
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["type"] == "natural_disaster" and inc["grade"] == "II" and inc["command_level"] == "district"
    assert inc["title"] == "SH_MET暴雨橙色预警" and inc["commander"] == "李指挥"
    assert inc["four_early"]["warned_at"] == sent.isoformat()
    assert inc["four_early_minutes"]["warn_minutes"] == 0.0
    again = sup.post(f"{URL}/from-warning", json={"identifier": "310000000000_20261126090000_1"})
    assert again.status_code == 409
    assert as_user("putuo_street").post(f"{URL}/from-warning", json={"identifier": "x"}).status_code == 403


def test_regrading_escalates_the_command_level_and_writes_the_timeline(as_user):
    sup = as_user("supervisor")
    inc = _incident(sup)
    assert inc["command_level"] == "community"
    r = sup.post(f"{URL}/{inc['id']}/actions", json={"action": "regrade", "grade": "II"})
    assert r.json()["command_level"] == "district" and r.json()["timeline"][-1]["kind"] == "escalate"
    r = sup.post(f"{URL}/{inc['id']}/actions", json={"action": "commander", "commander": "王区长",
                                                    "sections": [{"name": "抢险组", "lead": "张三"}]})  # fmt: skip
    assert r.json()["sections"] == [{"name": "抢险组", "lead": "张三"}]


def test_the_nearest_capable_team_is_recommended_sent_and_acknowledges(as_user, clock):
    sup, street = as_user("supervisor"), as_user("putuo_street")
    _team(sup, "T-NEAR", 121.40, 31.25)  # ~0.3 km
    _team(sup, "T-FAR", 121.50, 31.30)  # ~11 km
    _team(sup, "T-MED", 121.42, 31.25, skills=("医疗",))  # near but no 抢险
    _team(sup, "T-OFF", 121.397, 31.249, on_duty=False)  # nearest but off duty
    inc = _incident(sup)
    rec = sup.get(f"{URL}/{inc['id']}/recommend", params={"skill": "抢险", "n": 5}).json()["items"]
    assert [t["code"] for t in rec] == ["T-NEAR", "T-FAR"] and rec[0]["distance_km"] < 1 < rec[1]["distance_km"]
    r = sup.post(f"{URL}/{inc['id']}/send-teams", json={"skill": "抢险", "n": 1, "ack_minutes": 10})
    assert r.status_code == 201, r.text
    task = r.json()["items"][0]
    assert task["team_code"] == "T-NEAR" and task["status"] == "assigned"
    assert sup.get(TEAMS, params={"skill": "抢险"}).json()["items"][1]["status"] == "deployed"  # T-NEAR
    assert sup.post(f"{URL}/{inc['id']}/send-teams", json={"skill": "抢险", "n": 2}).status_code == 409
    clock.advance(minutes=5)
    base = f"{URL}/{inc['id']}/tasks/{task['id']}/actions"
    assert street.post(base, json={"action": "acknowledge"}).json()["acknowledged_at"] == clock.now().isoformat()
    clock.advance(minutes=20)
    assert street.post(base, json={"action": "arrive"}).status_code == 200
    detail = sup.get(f"{URL}/{inc['id']}").json()
    assert detail["four_early"]["handled_at"] == clock.now().isoformat()
    assert detail["four_early_minutes"]["handle_minutes"] == 55.0  # found 30 min before T0, arrived T0 + 25
    assert street.post(base, json={"action": "finish"}).json()["status"] == "done"
    assert sup.get(TEAMS, params={"skill": "抢险"}).json()["items"][1]["status"] == "available"


def test_an_unacknowledged_task_is_escalated_after_its_timeout(as_user, container, clock):
    sup = as_user("supervisor")
    inc = _incident(sup, grade="III")  # commanded by the street
    r = sup.post(f"{URL}/{inc['id']}/tasks", json={"title": "疏散群众", "unit_code": "310107-FG", "ack_minutes": 15})
    assert r.status_code == 201, r.text
    with container.uow() as uow:
        assert escalate_unacknowledged(uow, now=clock.now() + timedelta(minutes=14)) == 0
    with container.uow() as uow:
        assert escalate_unacknowledged(uow, now=clock.now() + timedelta(minutes=15)) == 1
    with container.uow() as uow:  # the next escalation waits another timeout
        assert escalate_unacknowledged(uow, now=clock.now() + timedelta(minutes=20)) == 0
    with container.uow() as uow:
        assert escalate_unacknowledged(uow, now=clock.now() + timedelta(minutes=30)) == 1
    detail = sup.get(f"{URL}/{inc['id']}").json()
    assert detail["tasks"][0]["escalations"] == 2 and detail["tasks"][0]["escalated_to"] == "city"
    assert [e["kind"] for e in detail["timeline"]] == ["open", "task", "escalate_task", "escalate_task"]


def test_closing_needs_no_open_tasks_left_and_the_review_comes_after(as_user, clock):
    sup = as_user("supervisor")
    inc = _incident(sup)
    iid = inc["id"]
    assert sup.post(f"{URL}/{iid}/actions", json={"action": "review", "text": "x"}).status_code == 409
    sup.post(f"{URL}/{iid}/tasks", json={"title": "关阀", "unit_code": "310107-FG"})
    clock.advance(minutes=10)
    r = sup.post(f"{URL}/{iid}/actions", json={"action": "mark", "mark": "warned_at"})
    assert r.json()["four_early_minutes"]["warn_minutes"] == 40.0
    r = sup.post(f"{URL}/{iid}/actions", json={"action": "close"})
    assert r.json()["status"] == "closed" and r.json()["tasks"][0]["status"] == "cancelled"
    r = sup.post(f"{URL}/{iid}/actions", json={"action": "review", "text": "燃气报警器缺失，建议加装。"})
    assert r.json()["status"] == "reviewed" and r.json()["review"].startswith("燃气")
    k = sup.get(f"{URL}/kpis").json()
    assert k["incidents"] == 1 and k["report_minutes"]["mean"] == 30.0 and k["handle_minutes"]["mean"] == 40.0


def test_supplies_are_stocked_per_warehouse_and_never_below_zero(as_user):
    sup = as_user("supervisor")
    assert sup.post("/api/v1/emergency/warehouses", json={"code": "W1", "name": "普陀区物资库", "lng": 121.4,
                                                          "lat": 31.25}).status_code == 201  # fmt: skip
    url = "/api/v1/emergency/warehouses/W1/stock"
    assert sup.post(url, json={"item": "沙袋", "delta": 500, "unit": "个"}).json()["quantity"] == 500
    assert sup.post(url, json={"item": "沙袋", "delta": -600, "unit": "个"}).status_code == 409
    assert sup.post(url, json={"item": "沙袋", "delta": -100, "unit": "个"}).json()["quantity"] == 400
    assert sup.get("/api/v1/emergency/supplies").json()["items"][0]["quantity"] == 400


def test_the_tick_command_supervises_and_escalates_once(as_user, db_url, clock):
    from typer.testing import CliRunner

    from gridloop.cli import _register, app

    sup = as_user("supervisor")
    inc = _incident(sup)
    sup.post(f"{URL}/{inc['id']}/tasks", json={"title": "警戒", "unit_code": "310107-FG", "ack_minutes": 1})
    _register()
    result = CliRunner().invoke(app, ["emergency", "tick", "--db", db_url])  # the real clock: long past due
    assert result.exit_code == 0, result.output
    assert '"tasks_escalated": 1' in result.stdout


def test_an_incident_is_seen_in_its_area_and_by_the_units_given_its_tasks(as_user):
    from tests.factories import PUTUO_GRID

    sup, yangpu = as_user("supervisor"), as_user("yangpu_housing")
    inc = _incident(sup, grid_code=PUTUO_GRID)
    assert yangpu.get(f"{URL}/{inc['id']}").status_code == 403
    assert yangpu.get(URL).json()["total"] == 0
    task = sup.post(f"{URL}/{inc['id']}/tasks", json={"title": "支援抽水", "unit_code": "310110-FG"}).json()
    assert yangpu.get(URL).json()["total"] == 1
    r = yangpu.post(f"{URL}/{inc['id']}/tasks/{task['id']}/actions", json={"action": "acknowledge"})
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "yangpu_housing"


def test_an_emergency_report_opens_an_incident_and_the_next_one_in_the_street_joins_it(as_user):
    from tests.factories import case_body

    op, sup = as_user("operator"), as_user("supervisor")
    body = case_body(title="小区燃气泄漏有人晕倒", text="长寿路小区闻到很浓燃气味，有老人晕倒", urgency="emergency")
    first = op.post("/api/v1/cases", json=body).json()
    second = op.post("/api/v1/cases", json={**body, "title": "燃气味很重"}).json()
    op.post("/api/v1/cases", json=case_body())  # not an emergency: no incident
    items = sup.get(URL).json()["items"]
    assert len(items) == 1
    inc = items[0]
    assert inc["case_number"] == first["number"] and inc["grade"] == "IV" and inc["type"] == "accident"
    assert inc["command_level"] == "community"
    timeline = sup.get(f"{URL}/{inc['id']}").json()["timeline"]
    assert [e["kind"] for e in timeline] == ["open", "case"] and second["number"] in timeline[1]["text"]


def test_straight_line_ranking_is_nearest_first_with_ties_to_the_lower_id():
    from gridloop.emergency.adapters.travel import StraightLine
    from gridloop.emergency.domain.teams import Candidate

    cands = [Candidate(3, 121.50, 31.30), Candidate(2, 121.41, 31.25), Candidate(1, 121.41, 31.25)]
    ranked = StraightLine().rank(121.40, 31.25, cands)
    assert [r.team_id for r in ranked] == [1, 2, 3] and ranked[0].distance_km == ranked[1].distance_km
    assert 0.9 < ranked[0].distance_km < 1.0  # 0.01° of longitude at 31.25° N is about 0.95 km
    assert [r.team_id for r in StraightLine().rank(121.40, 31.25, cands, limit=1)] == [1]
