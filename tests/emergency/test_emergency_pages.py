"""The emergency console pages: register and risk map, a hazard's actions, warnings board, incident command board."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import T0
from tests.emergency.helpers import store_warning
from tests.factories import PUTUO_GRID
from tests.web_helpers import login, post_form

HAZARDS = "/api/v1/emergency/hazards"


def test_the_supervisor_sees_the_register_with_colours_per_district_and_the_map_data(app_client, as_user):
    api = as_user("supervisor")
    hid = api.post(HAZARDS, json={"title": "危房外墙脱落", "category": "房屋安全", "grid_code": PUTUO_GRID,
                                  "lng": 121.4, "lat": 31.25}).json()["id"]  # fmt: skip
    api.post(f"{HAZARDS}/{hid}/actions", json={"action": "register"})
    api.post(f"{HAZARDS}/{hid}/actions", json={"action": "assess", "likelihood": 10, "exposure": 6, "consequence": 7})
    home = login(app_client, "supervisor")
    assert 'href="/emergency"' in home.text and "应急管理" in home.text
    page = app_client.get("/emergency/hazards")
    assert page.status_code == 200
    assert "隐患台账" in page.text and "危房外墙脱落" in page.text and "红（重大风险）" in page.text
    assert 'id="em-data"' in page.text and "121.4" in page.text and "/static/emergency.js" in page.text
    assert '<tr data-colour="red"><td><a href="/emergency/hazards?district=310107">310107</a>' in page.text
    csv = app_client.get("/api/v1/emergency/hazards/export.csv")  # the export link works with the web login
    assert csv.status_code == 200 and "危房外墙脱落" in csv.text


def test_a_hazard_is_moved_through_the_page_form_and_errors_come_back_as_a_message(app_client, as_user):
    hid = as_user("gridworker").post(HAZARDS, json={"title": "井盖缺失", "category": "市政设施",
                                                    "grid_code": PUTUO_GRID}).json()["id"]  # fmt: skip
    login(app_client, "supervisor")
    url = f"/emergency/hazards/{hid}"
    r = post_form(app_client, f"{url}/act", {"action": "register"}, from_page=url)
    assert r.status_code == 303
    page = app_client.get(url)
    assert "已登记" in page.text and "已完成" in page.text
    post_form(app_client, f"{url}/act", {"action": "assess", "likelihood": "6", "exposure": "6", "consequence": "7"},
              from_page=url)  # fmt: skip
    post_form(app_client, f"{url}/act", {"action": "assign", "unit": "310107-FG", "workdays": "1"}, from_page=url)
    page = app_client.get(url)
    assert "已交办" in page.text and "橙（较大风险）" in page.text
    post_form(app_client, f"{url}/act", {"action": "close"}, from_page=url)
    assert "not allowed" in app_client.get(url).text


def test_the_warnings_board_opens_an_incident_and_the_command_board_sends_the_nearest_team(
    app_client, as_user, container
):
    store_warning(container, identifier="W_1", sent_at=T0 - timedelta(hours=1), level=3, subject="徐汇站")
    api = as_user("supervisor")
    api.post("/api/v1/emergency/teams", json={"code": "T1", "name": "徐汇抢险一队", "skills": ["排涝"], "size": 20,
                                              "lng": 121.44, "lat": 31.19})  # fmt: skip
    login(app_client, "supervisor")
    board = app_client.get("/emergency/warnings")
    assert "生效中的预警" in board.text and "黄色" in board.text and "启动应急响应" in board.text
    r = post_form(
        app_client, "/emergency/warnings/open-incident", {"identifier": "W_1"}, from_page="/emergency/warnings"
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/emergency/incidents/")
    iid = r.headers["location"].rsplit("/", 1)[1]
    page = app_client.get(f"/emergency/incidents/{iid}")
    assert "自然灾害" in page.text and "Ⅲ级（较大）" in page.text and "街镇" in page.text
    assert app_client.get("/emergency/incidents").text.count(f"/emergency/incidents/{iid}") == 1
    # the warning's incident has no point (its area is a station): nearest teams go to one that has
    body = {"title": "徐家汇地道积水", "type": "natural_disaster", "grade": "IV", "found_at": T0.isoformat(),
            "lng": 121.437, "lat": 31.195}  # fmt: skip
    incident = api.post("/api/v1/emergency/incidents", json=body).json()
    url = f"/emergency/incidents/{incident['id']}"
    page = app_client.get(url, params={"skill": "排涝", "n": 1})
    assert "徐汇抢险一队" in page.text and "km" in page.text
    r = post_form(app_client, f"{url}/send-teams", {"skill": "排涝", "n": "1"}, from_page=url)
    assert r.status_code == 303
    page = app_client.get(url)
    assert 'data-status="assigned"' in page.text and "签收" in page.text and "派发任务" in page.text


def test_emergency_pages_are_not_for_handlers(app_client):
    login(app_client, "putuo_street")
    assert app_client.get("/emergency/hazards").status_code == 403


def test_sensors_are_listed_and_registered_on_the_console_with_problems_marked_in_chinese(app_client):
    login(app_client, "supervisor")
    url = "/emergency/sensors"
    page = app_client.get(url)
    assert page.status_code == 200 and "监测设备" in page.text and "登记设备" in page.text
    gauge = {"metric": "precip_1h", "unit": "mm", "sensor_type": "rain_gauge", "grid_code": PUTUO_GRID}
    bad = post_form(app_client, url, {**gauge, "station_id": "SH 1"}, from_page=url)
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and "站点编号为" in bad.text
    ok = post_form(app_client, url, {**gauge, "station_id": "SH_PT_01", "place": "长寿路"}, from_page=url)
    assert ok.status_code == 303
    listed = app_client.get(url).text
    assert "SH_PT_01" in listed and "雨量计" in listed and "在用" in listed
    again = post_form(app_client, url, {**gauge, "station_id": "SH_PT_01"}, from_page=url)
    assert again.status_code == 422 and "已登记" in again.text
