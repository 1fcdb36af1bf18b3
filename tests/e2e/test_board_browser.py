"""The operations board in a real browser: the map coloured by the number of open cases (several shades) with a
legend, and the year-on-year figure said in words; at 390 px and 1366 px."""

from __future__ import annotations

import pytest

from tests.e2e.test_console_browser import DESKTOP, _page, _shot
from tests.e2e.test_notices_browser import PHONE, _no_page_scroll

pytestmark = [pytest.mark.e2e]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_the_board_map_has_shades_and_a_legend_and_the_year_on_year_figure_is_explained(browser, server, viewport):
    sup = _page(browser, server, "analyst", viewport=viewport)
    sup.wait_for_selector("#board-map path.leaflet-interactive")
    fills = sup.eval_on_selector_all("#board-map path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))")
    assert len(set(fills)) >= 2, f"the map is one flat colour: {set(fills)}"
    assert sup.locator("#map-legend .swatch").count() >= 2 and "在办工单数" in sup.locator("#map-legend").inner_text()
    sup.wait_for_selector("#trend svg")
    yoy = sup.locator("#yoy").inner_text()
    assert yoy.startswith("同比：近 ") and "天受理" in yoy and "去年同期" in yoy, yoy
    _no_page_scroll(sup)
    _shot(sup, f"43-board-legend-{viewport['width']}")
    assert sup.js_errors == [], sup.js_errors
    sup.context.close()
