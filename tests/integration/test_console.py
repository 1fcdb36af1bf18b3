"""The operations console through its HTML forms (server-rendered pages, sessions, CSRF, scope, escaping)."""

from __future__ import annotations

import re

import pytest

from tests.factories import YANGPU_GRID, case_body
from tests.web_helpers import csrf_of, login, post_form

XSS = "<script>alert(1)</script>"


@pytest.fixture
def browser(app_client):
    """The app's TestClient used as one browser (cookies persist)."""
    return app_client


def _new_client(app_client):
    from fastapi.testclient import TestClient

    return TestClient(app_client.app, raise_server_exceptions=False)


def _intake(client, **fields):
    data = {
        "title": "楼道墙面渗水",
        "text": "长寿路某小区3号楼楼道墙面渗水严重，物业一直不处理。",
        "request_type": "complaint",
        "channel": "phone",
        "category": "城乡建设",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        "area_code": "31010700100101",
        "mode": "create",
        "idem": "",
    }
    data.update(fields)
    return post_form(client, "/intake", data, from_page="/intake")


def _case_id(response) -> int:
    assert response.status_code == 303, response.text[:300]
    return int(response.headers["location"].split("created=")[1])


def _act(client, case_id, action, **fields):
    r = post_form(client, f"/cases/{case_id}/act", {"action": action, **fields}, from_page=f"/cases/{case_id}")
    assert r.status_code == 303, r.text[:300]
    return r


def test_anonymous_page_visit_redirects_to_login_with_next(browser):
    r = browser.get("/cases?status=closed", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/cases")


def test_wrong_password_shows_chinese_message_and_401(browser):
    page = browser.get("/login")
    r = browser.post("/login", data={"username": "operator", "password": "nope-nope", "csrf": csrf_of(page.text)})
    assert r.status_code == 401 and "用户名或密码错误" in r.text


def test_login_form_without_csrf_token_is_refused(browser):
    browser.get("/login")
    r = browser.post("/login", data={"username": "operator", "password": "gridloop-demo", "csrf": "forged"})
    assert r.status_code == 400 and "表单已失效" in r.text


def test_each_role_lands_on_its_home_page(app_client):
    homes = {"operator": "/intake", "dispatcher": "/queue", "putuo_housing": "/inbox", "supervisor": "/board"}
    for user, home in homes.items():
        assert login(_new_client(app_client), user).url.path == home


def test_post_without_csrf_is_forbidden(browser):
    login(browser, "operator")
    r = browser.post("/intake", data={"text": "长寿路路灯不亮", "csrf": "wrong"})
    assert r.status_code == 403 and "<html" in r.text


def test_intake_form_creates_case_and_shows_its_number(browser):
    login(browser, "operator")
    case_id = _case_id(_intake(browser))
    page = browser.get(f"/intake?created={case_id}")
    number = re.search(r"工单编号 (SH\d+)", page.text).group(1)
    assert number.startswith("SH20261126")
    detail = browser.get(f"/cases/{case_id}")
    assert number in detail.text and "13812345678" in detail.text  # operators see personal data


def test_intake_errors_are_shown_next_to_fields_in_chinese(browser):
    login(browser, "operator")
    r = _intake(browser, text="   ", reporter_phone="abc", area_code="999")
    assert r.status_code == 422
    assert 'id="err-text"' in r.text and "不能为空" in r.text
    assert 'id="err-reporter_phone"' in r.text and "不是有效的电话号码" in r.text
    assert 'id="err-area_code"' in r.text and "未知的区域编码" in r.text
    assert 'value="abc"' in r.text  # the half-typed form is kept


def test_answer_directly_closes_an_inquiry_on_the_spot(browser):
    login(browser, "operator")
    r = _intake(
        browser,
        request_type="inquiry",
        text="请问居住证续签需要什么材料？",
        mode="answer",
        reply="带身份证到社区事务受理中心办理。",
    )
    case_id = _case_id(r)
    assert "已直接答复并办结" in browser.get(f"/intake?created={case_id}").text
    assert "已办结" in browser.get(f"/cases/{case_id}").text


def test_answer_directly_without_reply_is_refused_next_to_the_field(browser):
    login(browser, "operator")
    r = _intake(browser, mode="answer", reply="")
    assert r.status_code == 422 and 'id="err-reply"' in r.text


def test_script_in_case_text_is_shown_as_text_everywhere(app_client):
    op = _new_client(app_client)
    login(op, "operator")
    case_id = _case_id(_intake(op, title=XSS, text=f"楼道渗水 {XSS}", address=XSS))
    disp = _new_client(app_client)
    login(disp, "dispatcher")
    for client, url in [(op, f"/cases/{case_id}"), (op, "/cases"), (disp, "/queue"), (disp, f"/cases/{case_id}")]:
        html = client.get(url).text
        assert XSS not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_whole_loop_through_the_console_forms(app_client, clock):
    op, disp, unit = _new_client(app_client), _new_client(app_client), _new_client(app_client)
    login(op, "operator")
    login(disp, "dispatcher")
    login(unit, "putuo_housing")
    case_id = _case_id(_intake(op))
    assert f"/cases/{case_id}" in disp.get("/queue").text
    r = post_form(
        disp, f"/cases/{case_id}/act", {"action": "dispatch", "unit": "310107-FG", "next": "/queue"}, from_page="/queue"
    )
    assert r.headers["location"] == "/queue"
    assert f"/cases/{case_id}" in unit.get("/inbox").text
    clock.advance(hours=1)
    _act(unit, case_id, "sign")
    _act(unit, case_id, "first_contact", note="已电话联系居民")
    _act(unit, case_id, "reply", reply="已修复渗水点")
    _act(op, case_id, "approve_reply")
    _act(op, case_id, "callback", satisfaction="satisfied", solved="1")
    _act(op, case_id, "close")
    page = op.get(f"/cases/{case_id}").text
    for label in ["派单", "签收", "先行联系", "办结反馈", "审核通过", "回访", "结案", "已办结"]:
        assert label in page


def test_action_that_does_not_fit_the_state_is_explained(browser):
    login(browser, "operator")
    case_id = _case_id(_intake(browser))
    r = post_form(browser, f"/cases/{case_id}/act", {"action": "close"}, from_page=f"/cases/{case_id}")
    assert r.status_code == 303
    assert "与工单当前状态不符" in browser.get(f"/cases/{case_id}").text


def test_missing_action_input_is_shown_next_to_its_field(app_client):
    op, disp = _new_client(app_client), _new_client(app_client)
    login(op, "operator")
    login(disp, "dispatcher")
    case_id = _case_id(_intake(op))
    post_form(disp, f"/cases/{case_id}/act", {"action": "dispatch", "unit": ""}, from_page=f"/cases/{case_id}")
    html = disp.get(f"/cases/{case_id}").text
    assert "请修改标出的内容" in html and "必填" in html


def test_handler_of_another_district_gets_403_page_and_empty_lists(app_client, as_user):
    api = as_user("operator")
    case = api.post("/api/v1/cases", json=case_body()).json()
    as_user("dispatcher").post(f"/api/v1/cases/{case['id']}/actions", json={"action": "dispatch", "unit": "310107-FG"})
    yangpu = _new_client(app_client)
    login(yangpu, "yangpu_housing")
    r = yangpu.get(f"/cases/{case['id']}")
    assert r.status_code == 403 and "超出您的管辖范围" in r.text
    assert case["number"] not in yangpu.get("/cases").text
    assert case["number"] not in yangpu.get("/inbox").text


def test_supervisor_board_counts_only_their_district_and_refuses_others(app_client, as_user):
    api = as_user("operator")
    api.post("/api/v1/cases", json=case_body())
    api.post("/api/v1/cases", json=case_body(area_code=YANGPU_GRID))
    sup = _new_client(app_client)
    login(sup, "supervisor")
    board = sup.get("/board")
    assert board.status_code == 200 and "普陀区" in board.text
    assert re.search(
        r'data-kpi="open">\s*<div class="kpi-label">[^<]+</div>\s*<div class="kpi-value"><a [^>]+>1<', board.text
    )
    assert sup.get("/board?area=310110").status_code == 403
    city = _new_client(app_client)
    login(city, "analyst")
    assert "杨浦区" in city.get("/board").text


def test_language_switch_gives_english_labels(browser):
    login(browser, "operator")
    r = browser.get("/lang/en?next=/cases", follow_redirects=True)
    assert "Cases" in r.text and "Received" in r.text
    assert "工单查询" in browser.get("/cases?lang=zh").text


def test_password_change_needs_the_old_password_and_then_works(app_client):
    me = _new_client(app_client)
    login(me, "gridworker")
    bad = post_form(
        me, "/password", {"old": "wrong-pass", "new": "new-secret-1", "repeat": "new-secret-1"}, from_page="/password"
    )
    assert bad.status_code == 422 and "当前密码错误" in bad.text
    ok = post_form(
        me,
        "/password",
        {"old": "gridloop-demo", "new": "new-secret-1", "repeat": "new-secret-1"},
        from_page="/password",
    )
    assert ok.status_code == 303
    login(_new_client(app_client), "gridworker", "new-secret-1")


def test_logout_ends_the_session(browser):
    login(browser, "operator")
    r = post_form(browser, "/logout", {}, from_page="/cases")
    assert r.status_code == 303
    assert browser.get("/cases", follow_redirects=False).status_code == 303


def test_csv_export_has_bom_labels_and_neutralised_formulas(browser):
    login(browser, "operator")
    _case_id(_intake(browser, title="=HYPERLINK(1)"))
    r = browser.get("/cases.csv")
    assert r.status_code == 200 and r.text.startswith("\ufeff工单编号")
    assert "'=HYPERLINK(1)" in r.text


def test_handler_may_not_export(app_client):
    unit = _new_client(app_client)
    login(unit, "putuo_housing")
    assert unit.get("/cases.csv").status_code == 403


def test_browser_session_may_read_the_api_but_not_write_without_csrf_header(browser):
    login(browser, "operator")
    assert browser.get("/api/v1/me").json()["username"] == "operator"
    assert browser.post("/api/v1/cases", json=case_body()).status_code == 401
    token = csrf_of(browser.get("/intake").text)
    assert browser.post("/api/v1/cases", json=case_body(), headers={"X-CSRF-Token": token}).status_code == 201


def test_suggest_endpoint_is_empty_without_triage_and_lists_duplicates(browser):
    login(browser, "operator")
    _case_id(_intake(browser, address="长寿路100号"))
    token = csrf_of(browser.get("/intake").text)
    r = browser.post(
        "/intake/suggest",
        json={"title": "另一个", "text": "长寿路楼道渗水", "address": "长寿路100号"},
        headers={"X-CSRF-Token": token},
    )
    body = r.json()
    assert body["triage"] is None and body["areas"] == [] and len(body["duplicates"]) == 1


def test_unknown_page_is_an_html_404_and_api_stays_json(browser):
    login(browser, "operator")
    assert "<html" in browser.get("/no-such-page").text
    assert browser.get("/api/v1/cases/999999").headers["content-type"].startswith("application/problem+json")


def test_pages_carry_a_content_security_policy_without_inline_scripts(browser):
    login(browser, "operator")
    r = browser.get("/intake")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text  # only <script src=…> and JSON data blocks


def test_login_never_redirects_to_another_site(browser):
    page = browser.get("/login")
    for target in ["//evil.example/x", "https://evil.example/", "/\t/evil.example", "/\\evil.example"]:
        r = browser.post(
            "/login",
            data={"username": "operator", "password": "gridloop-demo", "csrf": csrf_of(page.text), "next": target},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/intake", target
        browser.cookies.clear()
        page = browser.get("/login")


class _FakeTriage:
    def analyse(self, *, title, text):
        from gridloop.kernel.ports import TriageResult

        return TriageResult(category="城乡建设", confidence=0.83, urgency="urgent", urgency_reason="渗水")

    def analyse_many(self, items):
        return [self.analyse(title=t, text=x) for t, x in items]


class _FakeLocator:
    def locate_point(self, lng, lat, crs):
        from gridloop.kernel.ports import AreaMatch

        return AreaMatch(district_code="310107", street_code="310107001", name="普陀区第1街道", method="point")

    def locate_text(self, text):
        from gridloop.kernel.ports import AreaMatch

        return [AreaMatch(district_code="310107", name="普陀区", method="text", confidence=0.7)]


def test_suggest_endpoint_passes_on_what_triage_and_locator_say(browser, container):
    container.deps.triage = _FakeTriage()
    container.deps.locator = _FakeLocator()
    login(browser, "operator")
    token = csrf_of(browser.get("/intake").text)
    body = browser.post(
        "/intake/suggest", json={"title": "", "text": "普陀区长寿路楼道渗水"}, headers={"X-CSRF-Token": token}
    ).json()
    assert body["triage"]["category"] == "城乡建设" and body["triage"]["urgency_label"] == "紧急"
    assert body["areas"] == [{"code": "310107", "name": "普陀区", "confidence": 0.7, "method": "text"}]
    point = browser.post(
        "/intake/suggest", json={"text": "楼道渗水", "lng": 121.4, "lat": 31.25}, headers={"X-CSRF-Token": token}
    ).json()
    assert point["areas"][0]["code"] == "310107001"


def test_suggest_needs_the_csrf_header(browser):
    login(browser, "operator")
    assert browser.post("/intake/suggest", json={"text": "楼道渗水"}).status_code == 403
