"""The hazard register over the API: report, assess, assign on working days, 五落实, re-check, 销号, 督办, export."""

from __future__ import annotations

from datetime import UTC, datetime

from gridloop.emergency.services.hazards import supervise_overdue
from tests.factories import PUTUO_GRID, case_body

URL = "/api/v1/emergency/hazards"


def _report(api, **over):  # type: ignore[no-untyped-def]
    body = {"title": "小区地下车库消防通道堵塞", "category": "消防安全", "grid_code": PUTUO_GRID, **over}
    r = api.post(URL, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _act(api, hid, action, **fields):  # type: ignore[no-untyped-def]
    return api.post(f"{URL}/{hid}/actions", json={"action": action, **fields})


def test_a_grid_worker_reports_a_hazard_in_a_cell_with_district_and_street_codes(as_user):
    h = _report(as_user("gridworker"))
    assert h["status"] == "found" and h["number"].startswith("YH20261126")
    assert h["place"]["district_code"] == "310107" and h["place"]["street_code"] == PUTUO_GRID[:9]
    assert h["allowed_actions"] == ["register", "dismiss"]


def test_a_hazard_goes_from_found_to_closed_with_lec_colour_and_history(as_user):
    worker, sup, street = as_user("gridworker"), as_user("supervisor"), as_user("putuo_street")
    hid = _report(worker)["id"]
    assert _act(worker, hid, "register").status_code == 403  # registering is the supervisor's
    assert _act(sup, hid, "register").status_code == 200
    r = _act(sup, hid, "assess", likelihood=6, exposure=6, consequence=7)  # D = 252 → orange
    assert r.json()["risk"] == {
        "likelihood": 6,
        "exposure": 6,
        "consequence": 7,
        "lec_d": 252,
        "grade": "2",
        "colour": "orange",
    }
    r = _act(sup, hid, "assign", unit="310107-FG", deadline_workdays=1, measures="清理堆物")
    # T0 is Thursday 26 Nov 2026: one working day later is the end of Friday 27 Nov (Shanghai)
    assert r.json()["deadline"] == "2026-11-27T15:59:59+00:00" and r.json()["measures"] == "清理堆物"
    assert _act(street, hid, "start").status_code == 200
    assert _act(street, hid, "recheck_pass").status_code == 409  # not by who rectified
    assert _act(sup, hid, "recheck_pass").status_code == 200
    r = _act(sup, hid, "close")
    assert r.json()["status"] == "closed" and r.json()["allowed_actions"] == []
    detail = sup.get(f"{URL}/{hid}").json()
    assert [e["action"] for e in detail["history"]] == [
        "report",
        "register",
        "assess",
        "assign",
        "start",
        "recheck_pass",
        "close",
    ]


def test_a_major_hazard_does_not_start_rectifying_without_all_five_implementations(as_user):
    sup, street = as_user("supervisor"), as_user("putuo_street")
    hid = _report(as_user("gridworker"), major=True)["id"]
    _act(sup, hid, "register")
    _act(sup, hid, "assess", likelihood=10, exposure=6, consequence=15)
    _act(sup, hid, "assign", unit="310107-FG", deadline_workdays=10, measures="更换燃气管道")
    r = _act(street, hid, "start")
    assert r.status_code == 409
    assert "责任（责任人）" in r.json()["detail"] and "资金" in r.json()["detail"] and "预案" in r.json()["detail"]
    r = _act(street, hid, "start", responsible_person="王五", funds=120000, plan="燃气泄漏专项预案")
    assert r.status_code == 200 and r.json()["status"] == "rectifying"
    assert r.json()["five_implementations_missing"] == []


def test_an_unknown_action_or_a_wrong_status_names_what_is_allowed(as_user):
    sup = as_user("supervisor")
    hid = _report(as_user("gridworker"))["id"]
    r = _act(sup, hid, "close")
    assert r.status_code == 409 and "register" in r.json()["detail"]
    assert _act(sup, hid, "frobnicate").status_code == 422


def test_an_overdue_hazard_is_supervised_and_escalates_on_working_days(as_user, container, clock):
    sup = as_user("supervisor")
    hid = _report(as_user("gridworker"))["id"]
    _act(sup, hid, "register")
    _act(sup, hid, "assess", likelihood=3, exposure=3, consequence=7)
    _act(sup, hid, "assign", unit="310107-FG", deadline_workdays=1)  # due end of Fri 27 Nov
    with container.uow() as uow:
        assert supervise_overdue(uow, now=clock.now()) == 0
    clock.set(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # Saturday: overdue, 0 working days counted
    with container.uow() as uow:
        assert supervise_overdue(uow, now=clock.now()) == 1
    assert sup.get(f"{URL}/{hid}").json()["supervision_level"] == "street"
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday: 2 working days (Mon, Tue)
    with container.uow() as uow:
        assert supervise_overdue(uow, now=clock.now()) == 0
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # Wednesday: 3 → district
    with container.uow() as uow:
        assert supervise_overdue(uow, now=clock.now()) == 1
    d = sup.get(f"{URL}/{hid}").json()
    assert d["supervision_level"] == "district" and d["overdue_workdays"] == 3
    assert sup.get(URL, params={"supervised": True}).json()["total"] == 1
    assert sup.get(URL, params={"overdue": False}).json()["total"] == 0


def test_a_case_becomes_a_hazard_that_keeps_the_case_number(as_user):
    op, sup = as_user("operator"), as_user("supervisor")
    case = op.post("/api/v1/cases", json=case_body(title="路边广告牌松动", text="长寿路广告牌松动随时可能掉落")).json()
    r = sup.post(f"{URL}/from-case", json={"case_number": case["number"], "category": "户外广告设施"})
    assert r.status_code == 201, r.text
    h = r.json()
    assert h["case_number"] == case["number"] and h["source"] == "case" and h["place"]["grid_code"] == PUTUO_GRID
    assert sup.post(f"{URL}/from-case", json={"case_number": case["number"]}).status_code == 409


def test_the_register_lists_with_filters_exports_csv_and_sums_colours_per_area(as_user):
    sup = as_user("supervisor")
    worker = as_user("gridworker")
    a = _report(worker)["id"]
    b = _report(worker, title="河道护栏缺损")["id"]
    _report(worker, title="无网格的点位", grid_code=None, lng=121.43, lat=31.24)
    for hid, score in ((a, (10, 6, 7)), (b, (1, 2, 3))):
        _act(sup, hid, "register")
        _act(sup, hid, "assess", likelihood=score[0], exposure=score[1], consequence=score[2])  # 420 red, 6 blue
    assert sup.get(URL, params={"colour": "red"}).json()["total"] == 1
    assert sup.get(URL, params={"text": "护栏"}).json()["total"] == 1
    summary = sup.get(f"{URL}/risk-summary").json()["areas"]
    assert summary == [
        {"code": "310107", "red": 1, "orange": 0, "yellow": 0, "blue": 1, "unassessed": 0, "total": 2, "colour": "red"}
    ]
    streets = sup.get(f"{URL}/risk-summary", params={"by": "street", "within": "310107"}).json()["areas"]
    assert [s["code"] for s in streets] == [PUTUO_GRID[:9]]
    csv_text = sup.get(f"{URL}/export.csv").text
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("编号,隐患名称,类别,状态") and len(lines) == 4


def test_the_export_neutralises_cells_that_spreadsheets_would_run_as_formulas(as_user):
    sup = as_user("supervisor")
    _report(as_user("gridworker"), title='=HYPERLINK("http://x")')
    text = sup.get(f"{URL}/export.csv").text
    assert "'=HYPERLINK" in text


def test_each_area_sees_its_own_hazards_and_a_rectifying_unit_sees_what_it_was_given(as_user):
    from tests.factories import YANGPU_GRID

    admin, sup, yangpu = as_user("admin"), as_user("supervisor"), as_user("yangpu_housing")
    putuo_id = _report(as_user("gridworker"))["id"]
    _report(admin, title="杨浦某处隐患", grid_code=YANGPU_GRID)
    assert sup.get(URL).json()["total"] == 1 and admin.get(URL).json()["total"] == 2
    assert [a["code"] for a in sup.get(f"{URL}/risk-summary").json()["areas"]] == ["310107"]
    assert yangpu.get(f"{URL}/{putuo_id}").status_code == 403
    _act(sup, putuo_id, "register")
    _act(sup, putuo_id, "assess", likelihood=3, exposure=3, consequence=7)
    _act(sup, putuo_id, "assign", unit="310110-FG", deadline_workdays=3)
    assert yangpu.get(f"{URL}/{putuo_id}").status_code == 200
    assert [h["id"] for h in yangpu.get(URL).json()["items"]] == [putuo_id]
