"""The caller's history in a real browser: typing a repeat caller's number shows the earlier case with its status,
and one click merges the new call into it; at 390 px and at 1366 px."""

from __future__ import annotations

import pytest

from tests.e2e.test_console_browser import DESKTOP, _page, _shot, _submit
from tests.e2e.test_notices_browser import PHONE, _new_case, _no_page_scroll

pytestmark = [pytest.mark.e2e]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_a_repeat_callers_earlier_case_appears_as_the_number_is_typed(browser, server, e2e_db, viewport):
    number = f"1390000{viewport['width']:04d}"
    texts = {390: "武宁路口窨井盖缺失，行人容易踩空。", 1366: "桃浦镇某小区单元门门禁损坏，外来人员随意进出。"}
    earlier = _new_case(server, e2e_db, texts[viewport["width"]], phone=number)
    op = _page(browser, server, "operator", viewport=viewport)
    op.goto("/intake")
    op.fill("textarea[name=text]", "还是没有处理，第二次来电。")
    op.locator("input[name=reporter_phone]").press_sequentially(number, delay=20)
    item = op.locator("#caller-history .history-item", has_text=str(earlier["number"]))
    item.wait_for(timeout=10_000)
    assert "已受理" in item.inner_text()
    _no_page_scroll(op)
    _shot(op, f"41-caller-history-{viewport['width']}")
    _submit(op, item.locator("button[value^='merge:']"))
    assert op.locator(".flash-ok").count() == 1, op.locator(".flash").all_inner_texts()
    assert str(earlier["number"]) in op.locator(".flash-ok").inner_text()
    assert op.js_errors == [], op.js_errors
    op.context.close()
