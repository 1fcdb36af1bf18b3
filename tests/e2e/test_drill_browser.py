"""A drill in a real browser: the facilitator starts an exercise, the dispatcher dispatches the injected call on
the normal case page (labelled 演练), the facilitator ends the run, and the score reflects the dispatch."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_console_browser import _act, _page, _shot, _submit

pytestmark = [pytest.mark.e2e]
PHONE = {"width": 390, "height": 844}


def _no_page_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert width <= 1, f"page scrolls sideways by {width}px"


def test_people_respond_in_the_console_and_the_score_reflects_it(browser, server):
    boss = _page(browser, server, "supervisor")
    _submit(boss, boss.locator("nav.nav a[href='/drills']"))
    assert "应急演练" in boss.content()
    row = boss.locator("#scenario-table tr[data-scenario='gas-leak-old-building']")
    row.locator("select[name=speed]").select_option("1")
    _submit(boss, row.locator("button[type=submit]"))
    run_url = re.search(r"/drills/\d+", boss.url).group(0)
    assert "【演练】" in boss.content()
    assert boss.locator("tr[data-inject='call-1'].delivered").count() == 1
    _shot(boss, "60-drill-board")

    disp = _page(browser, server, "dispatcher")
    disp.goto(run_url)
    _submit(disp, disp.locator("a.inject-case").first)
    assert "【演练】" in disp.content()  # the normal case page, labelled
    _shot(disp, "61-drill-case")
    if disp.locator("form#act-dispatch").count():
        _act(disp, "dispatch", unit="310107-FG")
    disp.goto(run_url)
    assert disp.locator("tr[data-id='dispatch-call'][data-outcome='on_time']").count() == 1

    boss.goto(run_url)
    _submit(boss, boss.locator("#end-run"))
    assert boss.url.endswith("/report")
    boss.wait_for_selector("#drill-chart canvas")  # the timeline chart drawn by echarts
    score = float(boss.locator("#drill-score").inner_text())
    assert boss.locator("tr[data-id='dispatch-call'][data-outcome='on_time']").count() == 1
    assert 0 < score < 100  # the dispatch counted; nobody tasked the micro fire station
    _shot(boss, "62-drill-report")
    assert not [e for e in boss.js_errors if "favicon" not in e]

    phone = _page(browser, server, "supervisor", viewport=PHONE)
    for url in ("/drills", run_url, f"{run_url}/report"):
        phone.goto(url)
        _no_page_scroll(phone)
    _shot(phone, "63-drill-report-phone")
