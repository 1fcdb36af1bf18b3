"""The emergency console in a real browser: the register and its risk map, a hazard moved by its form, a warning
that opens an incident, and the command board sending the nearest team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.test_console_browser import _page, _shot, _submit

pytestmark = [pytest.mark.e2e]
PUTUO_GRID = "31010700100101"


def _seed(server: str, db_url: str) -> dict[str, int]:
    """A hazard, a team and a stored warning, through the API and the warning table."""
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.emergency.tables import WarningMessageRow
    from gridloop.platform.org.services import org

    container = build_container(Settings(database_url=db_url, triage_enabled=False))
    now = datetime.now(UTC)
    with container.uow() as uow:
        token = org.create_token(uow.session, username="supervisor", now=now)
        uow.session.add(
            WarningMessageRow(
                identifier="310107000000_E2E_1", msg_type="Alert", status="Actual", sent_at=now - timedelta(minutes=20),
                rule_id="rainstorm", subject="普陀站", event="暴雨", transition="issue", level=2, previous_level=0,
                value=55.0, unit="mm", cap_references="", xml="<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>",
            )
        )  # fmt: skip
        uow.commit()
    container.uow.engine.dispose()
    api = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"})
    hazard = api.post("/api/v1/emergency/hazards", json={"title": "地下车库积水倒灌风险", "category": "防汛",
                      "grid_code": PUTUO_GRID, "lng": 121.3965, "lat": 31.2494}).json()  # fmt: skip
    api.post("/api/v1/emergency/teams", json={"code": "E2E-T1", "name": "普陀排涝一队", "skills": ["排涝"], "size": 15,
             "lng": 121.40, "lat": 31.25})  # fmt: skip
    incident = api.post("/api/v1/emergency/incidents", json={"title": "长寿路地道积水", "type": "natural_disaster",
                        "grade": "IV", "found_at": now.isoformat(), "lng": 121.43, "lat": 31.24}).json()  # fmt: skip
    return {"hazard": hazard["id"], "incident": incident["id"]}


def test_the_supervisor_works_the_register_the_warnings_and_the_command_board(browser, server, e2e_db):
    ids = _seed(server, e2e_db)
    page = _page(browser, server, "supervisor")
    _submit(page, page.locator("nav.nav a[href='/emergency']"))
    assert "隐患台账" in page.content()
    page.wait_for_selector("#em-map .leaflet-interactive")  # the hazard drawn on the risk map
    _shot(page, "30-emergency-register")
    page.goto(f"/emergency/hazards/{ids['hazard']}")
    form = page.locator("form#hazard-act")
    form.locator("select[name=action]").select_option("register")
    _submit(page, form.locator("button[type=submit]"))
    assert page.locator(".flash-ok").count() == 1 and "已登记" in page.content()
    form = page.locator("form#hazard-act")
    form.locator("select[name=action]").select_option("assess")
    form.locator("[name=likelihood]").fill("6")
    form.locator("[name=exposure]").fill("6")
    form.locator("[name=consequence]").fill("7")
    _submit(page, form.locator("button[type=submit]"))
    assert "橙（较大风险）" in page.content()
    page.goto("/emergency/warnings")
    assert "生效中的预警" in page.content()
    _submit(page, page.locator("#active-warnings button[type=submit]").first)
    assert "/emergency/incidents/" in page.url and "Ⅱ级（重大）" in page.content()
    page.goto(f"/emergency/incidents/{ids['incident']}?skill=排涝&n=1")
    assert "普陀排涝一队" in page.content()
    _submit(page, page.locator("form[action$='/send-teams'] button"))
    assert page.locator("#task-table tr[data-status=assigned]").count() == 1
    page.wait_for_selector("#em-map .leaflet-interactive")
    _shot(page, "31-emergency-command-board")
    assert page.js_errors == []
    page.context.close()
