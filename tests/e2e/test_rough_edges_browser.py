"""The rough edges in a real browser: the intake submit button in view at 1366×768, the printable work order and
the case page at 390 px and 1366 px without page-wide horizontal scroll."""

from __future__ import annotations

import pytest

from tests.e2e.test_console_browser import DESKTOP, _page, _shot
from tests.e2e.test_notices_browser import PHONE, _new_case, _no_page_scroll

pytestmark = [pytest.mark.e2e]


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_the_intake_submit_button_is_in_view_without_scrolling(browser, server, viewport):
    op = _page(browser, server, "operator", viewport=viewport)
    op.goto("/intake")
    assert _in_view(op, "button[name=mode][value=create]"), "the submit button is below the fold"
    _no_page_scroll(op)
    op.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_the_work_order_prints_and_the_case_page_fits(browser, server, e2e_db, viewport):
    texts = {390: "江宁路某号楼顶水箱漏水，楼下住户天花板滴水。", 1366: "石泉路菜场周边流动摊贩占道经营，影响通行。"}
    case = _new_case(server, e2e_db, texts[viewport["width"]], phone="13600000000")
    op = _page(browser, server, "operator", viewport=viewport)
    op.goto(f"/cases/{case['id']}")
    assert op.locator("#act-cancel button.danger[data-confirm]").count() == 1
    _no_page_scroll(op)
    op.locator("#print-link").click()
    op.wait_for_selector("#work-order")
    assert case["number"] in op.locator("#work-order").inner_text()
    _no_page_scroll(op)
    _shot(op, f"42-work-order-{viewport['width']}")
    op.emulate_media(media="print")
    assert op.locator("header.top").is_hidden() and op.locator(".print-tools").is_hidden()
    assert op.js_errors == [], op.js_errors
    op.context.close()


def test_the_admin_menu_is_one_row_on_a_phone_with_the_current_entry_in_view(browser, server):
    admin = _page(browser, server, "admin", viewport=PHONE)
    admin.goto("/exports")
    menu = admin.locator("nav.nav")
    links = menu.locator("a")
    assert links.count() >= 10, "the admin should see the long menu this test is about"
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} lines"
    assert menu.bounding_box()["height"] < 60
    current = menu.locator("a.active").bounding_box()
    assert current is not None and current["x"] >= 0 and current["x"] + current["width"] <= PHONE["width"]
    _no_page_scroll(admin)
    _shot(admin, "43-admin-menu-390")
    assert admin.js_errors == [], admin.js_errors
    admin.context.close()
