"""Notifications in a real browser: the handler's open page shows a new dispatch without a reload (server-sent
events), on a phone and on a desktop; the follow button on a case page."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.e2e.test_console_browser import DESKTOP, _page, _shot, _submit
from tests.factories import case_body

pytestmark = [pytest.mark.e2e]
PHONE = {"width": 390, "height": 844}


def _new_case(server: str, db_url: str, text: str, phone: str = "13700001111") -> dict[str, object]:
    """A received case through the API, as the operator."""
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.platform.org.services import org

    container = build_container(Settings(database_url=db_url, triage_enabled=False))
    with container.uow() as uow:
        token = org.create_token(uow.session, username="operator", now=datetime.now(UTC))
        uow.commit()
    container.uow.engine.dispose()
    body = case_body(title="通知测试", text=text, reporter={"name": "王五", "phone": phone})
    r = httpx.post(f"{server}/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "received", r.json()
    return r.json()


def _no_page_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page scrolls sideways: {width}px"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_a_dispatch_appears_on_the_handlers_open_page_without_a_reload(browser, server, e2e_db, viewport):
    handler = _page(browser, server, "putuo_housing", viewport=viewport)
    handler.goto("/notices")
    handler.wait_for_selector("#notice-bell:not([hidden])")
    loads: list[str] = []
    handler.on("load", lambda: loads.append(handler.url))
    before = int(handler.locator("#notice-count").inner_text() or 0)
    texts = {
        390: "曹杨路菜场门口夜间噪声扰民，凌晨卸货声音很大。",
        1366: "真如镇某小区电梯停运三天，老人上下楼困难，物业不修。",
    }
    case = _new_case(server, e2e_db, texts[viewport["width"]])

    disp = _page(browser, server, "dispatcher")
    for tab in ("new", "low_confidence"):  # the classifier's confidence decides the tab
        disp.goto(f"/queue?tab={tab}&q={case['number']}")
        row = disp.locator("#queue-table tr", has_text=str(case["number"]))
        if row.count():
            break
    row.locator("input[name=unit]").first.fill("310107-FG")
    with disp.expect_navigation():
        row.locator("input[name=unit]").first.press("Enter")
    assert disp.locator(".flash-ok").count() == 1
    disp.context.close()

    item = handler.locator("#notice-list li.notice", has_text=str(case["number"]))
    item.wait_for(timeout=15_000)
    assert "已派给本单位" in item.inner_text()
    assert handler.locator("#notice-toasts .toast", has_text=str(case["number"])).count() == 1
    assert int(handler.locator("#notice-count").inner_text()) == before + 1
    assert loads == [], "the page was not reloaded"
    _no_page_scroll(handler)
    _shot(handler, f"40-notice-live-{viewport['width']}")
    _submit(handler, item.locator("a"))
    assert f"/cases/{case['id']}" in handler.url
    follow = handler.locator("#follow-button")
    follow.wait_for()
    assert follow.inner_text() == "关注此工单"
    _submit(handler, follow)
    assert handler.locator("#follow-button").inner_text() == "取消关注"
    _no_page_scroll(handler)
    assert handler.js_errors == [], handler.js_errors
    handler.context.close()
