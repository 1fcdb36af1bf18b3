"""The grid worker's API: overview, my reports, patrol tasks with idempotent check-ins; the street office page."""

from __future__ import annotations

from tests.factories import case_body
from tests.web_helpers import login, post_form


def _report(api, key, **kw):
    body = case_body(channel="patrol", reporter={}, **kw)
    return api.post("/api/v1/cases", json=body, headers={"Idempotency-Key": key})


def test_overview_lists_my_reports_and_open_cases_of_my_grid(as_user):
    gridworker = as_user("gridworker")
    mine = _report(gridworker, "r-1").json()
    spot = _report(gridworker, "r-2", resolve_on_spot="已当场清理").json()
    ov = gridworker.get("/api/v1/field/overview").json()
    reported = {r["id"]: r for r in ov["reports"]}
    assert set(reported) == {mine["id"], spot["id"]}
    assert reported[spot["id"]]["resolved_on_spot"] and reported[spot["id"]]["closed"]
    assert ov["grid"]["code"], "the grid worker's own unit is named"
    assert isinstance(ov["cases"], list) and isinstance(ov["hazards"], list)


def test_resolved_on_spot_is_counted_apart_in_the_kpis(as_user):
    gridworker, supervisor = as_user("gridworker"), as_user("admin")
    _report(gridworker, "r-3", resolve_on_spot="已当场清理", area_code="310107")
    rows = supervisor.get("/api/v1/kpis?by=district&from=2026-11-26&to=2026-11-26").json()
    row = next(r for r in rows["items"] if r["scope"] == "310107")
    assert row["n_resolved_on_spot"] == 1 and row["n_dispatched"] == 0


def test_only_the_reporting_grid_worker_may_resolve_on_the_spot(as_user):
    operator, gridworker = as_user("operator"), as_user("gridworker")
    case = operator.post("/api/v1/cases", json=case_body()).json()
    r = gridworker.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "resolve_on_spot", "reply": "好了"})
    assert r.status_code in (403, 404)


def test_patrol_task_is_done_when_every_item_is_checked_once(as_user):
    dispatcher, gridworker = as_user("dispatcher"), as_user("gridworker")
    r = dispatcher.post(
        "/api/v1/field/tasks", json={"assignee": "gridworker", "title": "消防通道巡查", "checklist": ["3号楼", "5号楼"]}
    )
    assert r.status_code == 201, r.text
    task = r.json()
    point = {"lng": 121.4, "lat": 31.24, "accuracy": 8}
    first = gridworker.post(
        f"/api/v1/field/tasks/{task['id']}/checkins", json={"item": 0, **point}, headers={"Idempotency-Key": "c-1"}
    )
    again = gridworker.post(
        f"/api/v1/field/tasks/{task['id']}/checkins", json={"item": 0, **point}, headers={"Idempotency-Key": "c-1"}
    )
    assert first.status_code == 201 and again.status_code == 200
    assert len(again.json()["checkins"]) == 1, "a retried check-in is stored once"
    done = gridworker.post(f"/api/v1/field/tasks/{task['id']}/checkins", json={"item": 1, **point}).json()
    assert done["status"] == "done" and done["checkins"][0]["accuracy"] == 8
    mine = gridworker.get("/api/v1/field/tasks?mine=true").json()["items"]
    assert [t["id"] for t in mine] == [task["id"]]


def test_patrol_task_for_someone_not_a_grid_worker_is_refused_by_field(as_user):
    dispatcher = as_user("dispatcher")
    r = dispatcher.post("/api/v1/field/tasks", json={"assignee": "operator", "title": "x", "checklist": ["a"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assignee"


def test_grid_worker_may_not_assign_patrol_tasks(as_user):
    r = as_user("gridworker").post(
        "/api/v1/field/tasks", json={"assignee": "gridworker", "title": "x", "checklist": ["a"]}
    )
    assert r.status_code == 403


def test_street_office_assigns_a_task_on_the_console_page(app_client):
    login(app_client, "dispatcher")
    r = post_form(
        app_client,
        "/patrols",
        {"assignee": "gridworker", "title": "汛前排水口检查", "checklist": "1号口\n2号口", "due": "2026-11-30"},
        from_page="/patrols",
    )
    assert r.status_code == 303
    page = app_client.get("/patrols").text
    assert "汛前排水口检查" in page and "0 / 2" in page
    bad = post_form(
        app_client, "/patrols", {"assignee": "gridworker", "title": "", "checklist": ""}, from_page="/patrols"
    )
    assert bad.status_code == 422 and "field-error" in bad.text


def test_phone_app_is_an_installable_pwa_for_grid_workers(app_client):
    login(app_client, "gridworker")
    home = app_client.get("/", follow_redirects=False)
    assert home.headers["location"] == "/m/"
    page = app_client.get("/m/")
    assert page.status_code == 200 and 'rel="manifest"' in page.text
    assert 'capture="environment"' in page.text
    assert "camera=(self)" in page.headers["permissions-policy"]
    manifest = app_client.get("/m/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["start_url"] == "/m/"
    sw = app_client.get("/m/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript") and "caches" in sw.text
    for icon in manifest.json()["icons"]:
        assert app_client.get(icon["src"]).status_code == 200
