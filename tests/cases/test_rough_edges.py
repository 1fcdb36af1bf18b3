"""The rough edges of the console, one test each: exports, time left, confirmations, messages in Chinese …"""

from __future__ import annotations

import csv
import io

from gridloop.platform.spreadsheet import safe_cell
from tests.factories import case_body
from tests.web_helpers import login


def test_the_formula_guard_leaves_empty_cells_empty_and_catches_tab_and_cr():
    assert safe_cell("") == "" and safe_cell(None) is None and safe_cell(3) == 3
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@A", "\tx", "\rx")] == [
        "'=1+1", "'+1", "'-1", "'@A", "'\tx", "'\rx"
    ]  # fmt: skip
    assert safe_cell("普陀区") == "普陀区"


def test_the_case_csv_has_no_apostrophe_in_empty_cells(app_client, as_user):
    as_user("operator").post("/api/v1/cases", json=case_body(address=None))
    login(app_client, "operator")
    r = app_client.get("/cases.csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 2, rows
    assert "'" not in rows[1], rows[1]


def test_time_left_is_told_in_days_past_a_day_and_in_hours_below(app_client, as_user, clock):
    from gridloop.dispatch.services.starter import load_demo_catalogue

    container = app_client.app.state.container
    with container.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    clock.advance(days=60)
    login(app_client, "putuo_housing")
    page = app_client.get("/inbox").text
    assert "超期 5" in page and " 天" in page and "小时" not in page.split("超期", 1)[1][:20], case["number"]


def test_a_stale_form_token_is_explained_as_an_expired_form_not_as_scope(app_client, as_user):
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    login(app_client, "operator")
    r = app_client.post(f"/cases/{case['id']}/act", data={"action": "cancel", "reason": "x", "csrf": "stale"})
    assert r.status_code == 403
    assert "表单已过期" in r.text and "管辖" not in r.text and "security token" not in r.text


def test_a_refused_page_speaks_chinese_without_the_apis_english_detail(app_client):
    login(app_client, "putuo_housing")
    r = app_client.get("/queue")
    assert r.status_code == 403 and "您的角色无权" in r.text
    assert "This page is for" not in r.text


def test_cancel_asks_first_and_buttons_show_their_weight(app_client, as_user):
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    login(app_client, "operator")
    page = app_client.get(f"/cases/{case['id']}").text
    form = page.split('id="act-cancel"', 1)[1].split("</form>", 1)[0]
    assert 'class="danger"' in form and 'data-confirm="确定作废此工单' in form, form
    dispatch = page.split('id="act-answer_directly"', 1)[1].split("</form>", 1)[0]
    assert 'class="primary"' in dispatch and "data-confirm" not in dispatch
    assert '<script src="/static/confirm.js"' in page


def test_the_return_queue_shows_who_returned_the_case_and_why(app_client, as_user):
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    as_user("dispatcher").post(f"/api/v1/cases/{case['id']}/actions", json={"action": "dispatch", "unit": "310107-FG"})
    as_user("putuo_housing").post(f"/api/v1/cases/{case['id']}/actions",
                                  json={"action": "return", "reason": "属于街道管辖，非本局职责"})  # fmt: skip
    login(app_client, "dispatcher")
    page = app_client.get("/queue?tab=returned").text
    note = page.split('class="return-note', 1)[1].split("</div>", 1)[0]
    assert "属于街道管辖" in note and 'data-return-unit="310107-FG"' in note, note


def _catalogue(app_client, clock):
    from gridloop.dispatch.services.starter import load_demo_catalogue

    with app_client.app.state.container.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())


def test_the_auto_dispatch_reason_reads_in_chinese_with_units_named(app_client, as_user, clock):
    _catalogue(app_client, clock)
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    login(app_client, "operator")
    page = app_client.get(f"/cases/{case['id']}").text
    timeline = page.split('class="timeline"', 1)[1]
    assert "catalogue rule" not in timeline and "confidence" not in timeline, timeline[:800]
    threshold = round(app_client.app.state.container.settings.auto_dispatch_threshold * 100)
    assert "派单目录：城乡建设" in timeline and f"达到自动派单阈值 {threshold}%" in timeline
    assert "（310107-FG）" in timeline
    api = as_user("operator").get(f"/api/v1/cases/{case['id']}/timeline").json()["items"]
    assert any("catalogue rule" in (e["note"] or "") for e in api), "the API keeps the machine-readable reason"


def test_the_timeline_shows_the_days_asked_and_every_callbacks_verdict(app_client, as_user):
    op, unit = as_user("operator"), as_user("putuo_housing")
    case = op.post("/api/v1/cases", json=case_body()).json()
    cid = case["id"]
    as_user("dispatcher").post(f"/api/v1/cases/{cid}/actions", json={"action": "dispatch", "unit": "310107-FG"})
    for body in (
        {"action": "sign"},
        {"action": "request_extension", "days": 5, "reason": "需协调施工队"},
        {"action": "first_contact", "note": "已联系"},
        {"action": "reply", "reply": "已修复"},
    ):
        assert unit.post(f"/api/v1/cases/{cid}/actions", json=body).status_code == 200, body
    for body in ({"action": "approve_reply"}, {"action": "callback", "satisfaction": "dissatisfied", "solved": False}):
        assert op.post(f"/api/v1/cases/{cid}/actions", json=body).status_code == 200, body
    login(app_client, "operator")
    timeline = app_client.get(f"/cases/{cid}").text.split('class="timeline"', 1)[1]
    assert "申请延期 5 个工作日" in timeline
    assert 'class="sat-dissatisfied">不满意' in timeline and "是否解决：否" in timeline.replace("</span>", ""), timeline


def test_exports_tell_labels_area_names_and_local_times_and_excel_has_chinese_headers(app_client, as_user):
    from openpyxl import load_workbook

    as_user("operator").post("/api/v1/cases", json=case_body())
    login(app_client, "operator")
    rows = list(csv.reader(io.StringIO(app_client.get("/cases.csv").text.lstrip("\ufeff"))))
    line = ",".join(rows[1])
    assert "complaint" not in line and "投诉" in line and "普陀区" in line and "+00:00" not in line, line
    r = app_client.get("/cases.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = list(sheet.values)
    assert values[0][0] == "工单编号" and values[1][2] == "已受理" and values[1][3] == "投诉", values[:2]
    assert "T" not in str(values[1][7]) and str(values[1][7]).startswith("2026-11-2"), values[1]


def test_a_handler_may_not_export_excel(app_client):
    login(app_client, "putuo_housing")
    assert app_client.get("/cases.xlsx").status_code == 403


def test_the_printable_work_order_names_the_case_the_units_and_the_deadlines(app_client, as_user, clock):
    _catalogue(app_client, clock)
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    login(app_client, "putuo_housing")
    page = app_client.get(f"/cases/{case['id']}/print").text
    assert ("派单单" in page and case["number"] in page and "签收时限" in page) or "签收" in page
    assert "派单目录：城乡建设" in page and "@media print" not in page  # print CSS lives in app.css
    assert app_client.get(f"/cases/{case['id']}").text.count(f"/cases/{case['id']}/print") == 1


def test_co_reply_is_offered_to_co_units_only_not_to_a_lead_unit_that_has_not_signed(as_user):
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    as_user("dispatcher").post(f"/api/v1/cases/{case['id']}/actions", json={"action": "dispatch", "unit": "310107-FG"})
    lead = as_user("putuo_housing").get(f"/api/v1/cases/{case['id']}").json()["allowed_actions"]
    assert "sign" in lead and "co_reply" not in lead, lead


def test_demo_handlers_are_shown_by_names_of_their_own(container):
    from sqlalchemy import select

    from gridloop.platform.org.tables import UserRow

    with container.uow() as uow:
        names = dict(uow.session.execute(select(UserRow.username, UserRow.display_name)).tuples().all())
    handlers = [names[u] for u in ("putuo_housing", "putuo_street", "yangpu_housing")]
    assert len(set(handlers)) == 3, handlers
    assert all("承办人" in n for n in handlers)


def test_a_wrong_unit_code_brings_the_form_back_with_the_field_marked_and_the_input_kept(app_client, as_user):
    from tests.web_helpers import csrf_of

    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    login(app_client, "dispatcher")
    token = csrf_of(app_client.get(f"/cases/{case['id']}").text)
    data = {"csrf": token, "action": "dispatch", "unit": "310107-XX", "co_units": "310107-FG"}
    page = app_client.post(f"/cases/{case['id']}/act", data=data, follow_redirects=True).text
    form = page.split('id="act-dispatch"', 1)[1].split("</form>", 1)[0]
    assert 'value="310107-XX"' in form and 'aria-invalid="true"' in form and "没有该编码的单位" in form, form
    queue = app_client.post(f"/cases/{case['id']}/act", data={**data, "next": "/queue"}, follow_redirects=True).text
    row = queue.split(f'data-id="{case["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert 'value="310107-XX"' in row and 'aria-invalid="true"' in row, row


def test_the_callback_to_a_merged_duplicates_reporter_is_recorded_in_the_console(app_client, as_user):
    from tests.web_helpers import csrf_of

    op, fg = as_user("operator"), as_user("putuo_housing")
    parent = op.post("/api/v1/cases", json=case_body()).json()
    child = op.post("/api/v1/cases", json=case_body(text="同一栋楼楼道渗水，第二位居民来电反映。")).json()
    op.post(f"/api/v1/cases/{child['id']}/actions", json={"action": "merge", "parent": parent["number"]})
    dispatch = {"action": "dispatch", "unit": "310107-FG"}
    as_user("dispatcher").post(f"/api/v1/cases/{parent['id']}/actions", json=dispatch)
    for body in ({"action": "sign"}, {"action": "first_contact", "note": "ok"}, {"action": "reply", "reply": "已修复"}):
        fg.post(f"/api/v1/cases/{parent['id']}/actions", json=body)
    for body in (
        {"action": "approve_reply"},
        {"action": "callback", "satisfaction": "satisfied", "solved": True},
        {"action": "close"},
    ):
        assert op.post(f"/api/v1/cases/{parent['id']}/actions", json=body).status_code == 200, body
    login(app_client, "operator")
    assert "待回访" in app_client.get(f"/cases/{parent['id']}").text
    page = app_client.get(f"/cases/{child['id']}").text
    assert 'id="child-callback"' in page
    data = {"csrf": csrf_of(page), "satisfaction": "dissatisfied", "solved": "0"}
    done = app_client.post(f"/cases/{child['id']}/child-callback", data=data, follow_redirects=True).text
    assert "flash-ok" in done and 'id="child-callback"' not in done
    assert 'class="sat-dissatisfied">不满意' in done.split('class="timeline"', 1)[1]


def test_urgency_reasons_read_in_chinese():
    from gridloop.cases.domain.wording import in_chinese

    assert in_chinese("vulnerable: “孤寡老人”; insistent: “紧急”") == "涉及弱势群体：“孤寡老人”; 来电人强调紧急：“紧急”"
    assert in_chinese("returned 2 times; 三跨 coordination needed") == "已退单 2 次，需三跨协调"
    assert in_chinese("a note a person wrote") == "a note a person wrote", "unknown text is shown as is"
