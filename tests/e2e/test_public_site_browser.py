"""The public reporting site in a real browser on a phone: a resident uses the phone's position, the page solves
its proof of work, the report gets a number and a tracking link, and the page never scrolls sideways."""

from __future__ import annotations

import pytest

from tests.e2e.test_console_browser import _page, _shot

pytestmark = [pytest.mark.e2e]
PHONE = {"width": 390, "height": 844}


def test_a_resident_on_a_phone_reports_a_broken_streetlight_and_follows_it(browser, server):
    page = _page(browser, server, None, viewport=PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.2405, "longitude": 121.4312, "accuracy": 12})
    page.goto("/report")
    assert "我要反映" in page.content()
    page.fill("#text", "长寿路500弄门口的路灯坏了，连续三个晚上不亮，老人晚上出门很危险")
    page.click("#locate-me")
    page.wait_for_function("document.querySelector('input[name=lng]').value !== ''")
    assert "精度约 12 米" in page.inner_text("#locate-status")
    page.fill("#phone", "13812345678")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    _shot(page, "60-public-report-phone")
    with page.expect_navigation(timeout=60_000):  # the proof of work runs before the form leaves
        page.click("#report-submit")
    number = page.inner_text("#case-number")
    assert number and "已收到您的反映" in page.content()
    link = page.get_attribute("#track-link", "href")
    page.goto(link)
    assert number in page.content() and "已受理" in page.inner_text("#public-status")
    assert "13812345678" not in page.content()
    _shot(page, "61-public-track-phone")
    assert not page.js_errors, page.js_errors
