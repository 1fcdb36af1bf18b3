"""One story in a real browser: a call becomes a case, is dispatched, handled, called back and closed; plus scope,
escaping, an expired session that keeps the half-typed form, and layouts at 1366×768 and tablet width."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e]

XSS = "<script>alert(1)</script>"
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


def _page(browser, server, username, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=server)
    page = context.new_page()
    page.set_default_timeout(20_000)
    dialogs: list[str] = []
    # confirmations (作废, 退单, 结案) are accepted; any other dialog (an alert from injected script) is recorded
    page.on("dialog", lambda d: d.accept() if d.type == "confirm" else (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    if username:
        _login(page, username)
    return page


def _login(page, username, password="gridloop-demo"):
    if "/login" not in page.url:
        page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    _submit(page, page.locator("button[type=submit]"))
    assert "/login" not in page.url, page.content()[:500]


def _submit(page, locator):
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def _shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _act(page, action, **fields):
    form = page.locator(f"form#act-{action}")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    _submit(page, form.locator("button[type=submit]"))
    assert page.locator(".flash-ok").count() == 1, page.locator(".flash").all_inner_texts()


def test_call_is_taken_dispatched_handled_called_back_and_closed(browser, server):
    op = _page(browser, server, "operator")
    assert op.url.endswith("/intake")
    op.fill("textarea[name=text]", "长寿路某小区3号楼楼道墙面渗水严重，物业一直不处理。")
    op.fill("input[name=title]", "楼道墙面渗水（浏览器测试）")
    op.select_option("select[name=category]", "城乡建设")
    op.fill("input[name=reporter_name]", "李四")
    op.fill("input[name=reporter_phone]", "13912345678")
    op.fill("input[name=address]", "长寿路100号")
    op.fill("input[name=area_code]", "31010700100101")
    _shot(op, "01-intake-typing")
    _submit(op, op.locator("button[name=mode][value=create]"))
    banner = op.locator(".flash-ok").inner_text()
    number = re.search(r"SH\d{13}", banner).group(0)
    case_url = op.locator(".flash-ok a").get_attribute("href")
    _shot(op, "02-intake-created")

    disp = _page(browser, server, "dispatcher")
    assert disp.url.endswith("/queue")
    disp.fill("input[name=q]", number)
    _submit(disp, disp.locator(".queue-search button"))
    row = disp.locator("#queue-table tr", has_text=number)
    unit_field = row.locator("input[name=unit]").first
    unit_field.fill("310107-FG")
    _shot(disp, "03-dispatch-queue")
    with disp.expect_navigation():
        unit_field.press("Enter")  # Enter in the unit field submits the dispatch form
    assert disp.locator(".flash-ok").count() == 1

    unit = _page(browser, server, "putuo_housing")
    assert unit.url.endswith("/inbox")
    _shot(unit, "04-unit-inbox")
    _submit(unit, unit.locator("tr", has_text=number).locator("button", has_text="签收"))
    unit.goto(case_url)
    assert "13912345678" in unit.content()  # the unit calls the citizen
    _act(unit, "first_contact", note="已电话联系李先生，约定明天上门")
    _act(unit, "reply", reply="已修复渗水点并清理墙面")

    op.goto(case_url)
    _act(op, "approve_reply")
    _act(op, "callback", satisfaction="satisfied", solved="1")
    _act(op, "close")
    assert "已办结" in op.locator("h1").inner_text()
    timeline = op.locator(".timeline").inner_text()
    for step in ["受理", "派单", "签收", "先行联系", "办结反馈", "审核通过", "回访", "结案"]:
        assert step in timeline
    _shot(op, "05-case-closed")

    sup = _page(browser, server, "analyst")
    assert sup.url.endswith("/board")
    sup.wait_for_selector("#trend svg")
    sup.wait_for_selector("#board-map path.leaflet-interactive")
    assert sup.locator("#board-map path.leaflet-interactive").count() == 16  # every district, coloured
    _shot(sup, "06-board-city")
    _submit(sup, sup.locator("#area-table a", has_text="普陀区"))
    assert "普陀区" in sup.locator("h1").inner_text()
    _shot(sup, "07-board-district")
    sup.goto("/cases?district=310107&status=closed")
    assert number in sup.content()
    _shot(sup, "08-case-list")
    sup.goto("/lang/en?next=/cases")
    assert "Cases" in sup.locator("h1").inner_text()
    _shot(sup, "09-case-list-english")
    for p in (op, disp, unit, sup):
        assert p.dialogs == [] and p.js_errors == [], p.js_errors
        p.context.close()


def test_handler_of_another_district_gets_a_404_page(browser, server):
    op = _page(browser, server, "operator")
    op.fill("textarea[name=text]", "曹杨新村路灯不亮，晚上很黑")
    op.fill("input[name=area_code]", "31010700100101")
    _submit(op, op.locator("button[name=mode][value=create]"))
    case_url = op.locator(".flash-ok a").get_attribute("href")
    other = _page(browser, server, "yangpu_housing")
    response = other.goto(case_url)
    assert response.status == 404  # a hidden case looks like a missing one
    _shot(other, "10-scope-404")
    op.context.close()
    other.context.close()


def test_script_in_a_report_is_shown_as_text(browser, server):
    op = _page(browser, server, "operator")
    op.fill("input[name=title]", XSS)
    op.fill("textarea[name=text]", f"楼道渗水 {XSS}")
    op.fill("input[name=area_code]", "31010700100101")
    _submit(op, op.locator("button[name=mode][value=create]"))
    op.goto(op.locator(".flash-ok a").get_attribute("href"))
    assert XSS in op.locator(".case-title").inner_text()
    op.goto("/cases")
    assert XSS in op.locator("#case-table").inner_text()
    _shot(op, "11-escaping")
    assert op.dialogs == []
    op.context.close()


def test_expired_session_returns_to_login_and_keeps_the_half_typed_form(browser, server):
    op = _page(browser, server, "operator")
    op.fill("textarea[name=text]", "中山公园门口共享单车乱停放，占用盲道")
    op.fill("input[name=reporter_phone]", "13700001111")
    op.context.clear_cookies(name="gridloop_session")  # the session expires while the operator is typing
    _submit(op, op.locator("button[name=mode][value=create]"))
    assert "/login" in op.url and "expired=1" in op.url
    _shot(op, "12-session-expired")
    _login(op, "operator")
    assert op.url.endswith("/intake")
    op.wait_for_selector("#draft-note:not([hidden])")
    assert op.input_value("textarea[name=text]") == "中山公园门口共享单车乱停放，占用盲道"
    assert op.input_value("input[name=reporter_phone]") == "13700001111"
    op.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1366x768", "tablet"])
def test_pages_fit_the_screen_width(browser, server, viewport):
    page = _page(browser, server, "admin", viewport=viewport)
    for path in ("/board", "/cases", "/queue", "/intake", "/inbox"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} overflows by {overflow}px at {viewport}"
        page.screenshot(path=str(ARTIFACTS / f"13-{path.strip('/')}-{viewport['width']}.png"))
    page.context.close()
