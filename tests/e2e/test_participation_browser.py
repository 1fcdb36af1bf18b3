"""Participation and petitions in a real browser on a phone (390 px): a campaign's theme renamed and answered by
its owner, and a petition accepted by the petition office; no page-wide horizontal scroll."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_console_browser import _page, _shot, _submit

pytestmark = [pytest.mark.e2e]
PHONE = {"width": 390, "height": 844}


def _seed(db_url: str) -> dict[str, int]:
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.kernel.org import Level, Role, UnitKind
    from gridloop.participation.services import campaigns, suggestions
    from gridloop.petitions.services import petitions
    from gridloop.platform.org.services import org

    container = build_container(Settings(database_url=db_url, triage_enabled=False))
    now = datetime.now(UTC)
    with container.uow() as uow:
        org.create_unit(uow.session, code="310000-RJB2", name="人民建议征集办公室", kind=UnitKind.DEPARTMENT,
                        level=Level.CITY, parent_code="310000", now=now)  # fmt: skip
        org.create_unit(uow.session, code="310107-XF2", name="普陀区信访办", kind=UnitKind.DEPARTMENT,
                        level=Level.DISTRICT, parent_code="310107", now=now)  # fmt: skip
        org.create_user(uow.session, username="e2e_jy", role=Role.OPERATOR, unit_code="310000-RJB2", now=now,
                        password="gridloop-demo")  # fmt: skip
        org.create_user(uow.session, username="e2e_xf", role=Role.OPERATOR, unit_code="310107-XF2", now=now,
                        password="gridloop-demo")  # fmt: skip
        uow.commit()
        jy = org.actor_for(org.get_user(uow.session, "e2e_jy"))
        xf = org.actor_for(org.get_user(uow.session, "e2e_xf"))
    with container.uow() as uow:
        c = campaigns.create_campaign(
            uow, jy, code="E2E-PLAN", topic="“十五五”规划人民建议征集（浏览器）", starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31), channels=["web", "hotline", "roundtable"], questions=["您的建议？"], now=now,
        )  # fmt: skip
    with container.uow() as uow:
        campaigns.set_status(uow, jy, c["id"], status="open")
    texts = ["建议地铁末班车延长运营", "建议公交线路加密班次", "建议社区老年食堂增加网点", "建议养老服务站延长开放时间",
             "口袋公园增加座椅", "绿道增加夜间照明"] * 3  # fmt: skip
    for i, text in enumerate(texts):
        with container.uow() as uow:
            suggestions.submit(uow, c["id"], channel=["web", "hotline", "roundtable"][i % 3], text=f"{text}{i}",
                               now=now, proposer_contact=f"1390000{i:04d}")  # fmt: skip
    with container.uow() as uow:
        suggestions.cluster(uow, jy, c["id"], now=now, k=3)
    with container.uow() as uow:
        p = petitions.register(uow, xf, petitions.PetitionIn(
            petition_class="claim", channel="visit", petitioner_name="王建国", petitioner_phone="13812345678",
            subject="老旧小区屋顶漏水维修", facts="顶楼屋面漏水两年，多次反映未解决。", request="尽快组织屋面大修。",
        ), now=now, tz=ZoneInfo("Asia/Shanghai"))  # fmt: skip
    container.uow.engine.dispose()
    return {"campaign": int(c["id"]), "petition": int(p["id"])}


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} overflows by {overflow}px at 390 px"


def test_a_campaign_theme_is_renamed_and_answered_and_a_petition_accepted_on_a_phone(browser, server, e2e_db):
    ids = _seed(e2e_db)
    page = _page(browser, server, "e2e_jy", viewport=PHONE)
    page.goto("/participation")
    assert "“十五五”规划人民建议征集（浏览器）" in page.content()
    _fits(page)
    _submit(page, page.locator(f"a[href='/participation/campaigns/{ids['campaign']}']"))
    _fits(page)
    theme_id = page.locator("details.card").first.get_attribute("id")
    theme = page.locator(f"details#{theme_id}")
    theme.locator("summary").click()
    edit = theme.locator("form").nth(0)
    edit.locator("input[name=label]").fill("公共交通")
    _submit(page, edit.locator("button[type=submit]"))
    assert page.locator(".flash-ok").count() == 1 and "公共交通" in page.content()
    theme = page.locator(f"details#{theme_id}")
    theme.locator("summary").click()
    answer = theme.locator("form").nth(3)
    answer.locator("select[name=outcome]").select_option("partly")
    answer.locator("input[name=reason]").fill("纳入明年计划")
    _submit(page, answer.locator("button[type=submit]"))
    assert "纳入明年计划" in page.content() and "部分采纳" in page.content()
    _fits(page)
    _shot(page, "40-participation-campaign-390")
    page.context.close()

    page = _page(browser, server, "e2e_xf", viewport=PHONE)
    page.goto("/petitions")
    assert "老旧小区屋顶漏水维修" in page.content()
    _fits(page)
    _submit(page, page.locator(f"a[href='/petitions/{ids['petition']}']"))
    assert "诉访分离研判" in page.content() and "办理时限" in page.content()
    form = page.locator("form#petition-act")
    form.locator("select[name=action]").select_option("accept")
    form.locator("input[name=unit_code]").fill("310107-XF2")
    _submit(page, form.locator("button[type=submit]"))
    assert "已受理" in page.content(), page.content()[:2000]
    _fits(page)
    _shot(page, "41-petition-390")
    page.context.close()
