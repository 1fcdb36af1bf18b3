"""Staff console pages for campaigns: list, statistics per theme and department, edit themes, answer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gridloop.kernel.org import Role
from gridloop.participation.services import suggestions
from gridloop.platform.db.outbox import OutboxRow
from gridloop.platform.org.services import org

sys.path.insert(0, str(Path(__file__).parent))
from participation_factories import T0, open_campaign, seed_owner, suggestion_texts

from tests.web_helpers import login, post_form


def _campaign_with_themes(container: Any) -> tuple[int, list[dict[str, Any]]]:
    people = seed_owner(container)
    with container.uow() as uow:
        org.create_user(uow.session, username="jy_web", role=Role.OPERATOR, unit_code="310000-RJB", now=T0,
                        password="gridloop-demo")  # fmt: skip
        uow.commit()
    cid = open_campaign(container, people["jy_staff"])
    for i, (_, text) in enumerate(suggestion_texts(24)):
        with container.uow() as uow:
            suggestions.submit(uow, cid, channel=["web", "hotline", "roundtable"][i % 3], text=text, now=T0,
                               proposer_contact=f"1390000{i:04d}")  # fmt: skip
    with container.uow() as uow:
        themes = suggestions.cluster(uow, people["jy_staff"], cid, now=T0, k=4)["themes"]
    return cid, themes


def test_the_campaign_owner_edits_and_answers_a_theme_on_the_console_and_proposers_are_told(
    app_client: Any, container: Any
) -> None:
    cid, themes = _campaign_with_themes(container)
    home = login(app_client, "jy_web")
    assert 'href="/participation"' in home.text
    listed = app_client.get("/participation")
    assert (
        listed.status_code == 200 and "“十五五”规划人民建议征集" in listed.text and 'class="table-wrap"' in listed.text
    )
    url = f"/participation/campaigns/{cid}"
    page = app_client.get(url)
    assert page.status_code == 200 and "按主题" in page.text and "按承办部门" in page.text and "建议列表" in page.text
    tid = themes[0]["id"]
    r = post_form(app_client, f"{url}/themes/{tid}", {"action": "edit", "label": "公共交通", "key_terms": "地铁，公交"},
                  from_page=url)  # fmt: skip
    assert r.status_code == 303
    r = post_form(app_client, f"{url}/themes/{tid}", {"action": "answer", "outcome": "not_adopted", "reason": ""},
                  from_page=url)  # fmt: skip
    assert "需要填写理由" in app_client.get(url).text
    r = post_form(app_client, f"{url}/themes/{tid}", {"action": "answer", "outcome": "partly",
                                                     "reason": "纳入明年计划"}, from_page=url)  # fmt: skip
    page = app_client.get(url).text
    assert "公共交通" in page and "部分采纳" in page and "纳入明年计划" in page
    with container.uow() as uow:
        told = uow.session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == suggestions.OUTCOME_NOTICE)
        )
    assert told == themes[0]["size"] or told >= 1


def test_a_department_that_does_not_run_the_campaign_cannot_rename_its_themes(app_client: Any, container: Any) -> None:
    cid, themes = _campaign_with_themes(container)
    login(app_client, "putuo_housing")
    url = f"/participation/campaigns/{cid}"
    post_form(app_client, f"{url}/themes/{themes[0]['id']}", {"action": "edit", "label": "改名"}, from_page=url)
    page = app_client.get(url).text
    assert "只有征集活动的牵头单位" in page and "改名" not in page


def test_roundtable_and_consultation_pages_show_actions_opinions_and_take_a_response(
    app_client: Any, container: Any
) -> None:
    from datetime import date, timedelta

    from gridloop.participation.services import consultations, roundtables

    cid, _ = _campaign_with_themes(container)
    with container.uow() as uow:
        staff = org.actor_for(org.get_user(uow.session, "jy_web"))
    with container.uow() as uow:
        rt = roundtables.schedule(
            uow, staff, title="第12场市民圆桌会：老旧小区更新", scheduled_at=T0 + timedelta(days=2),
            place="曹杨新村街道社区中心", agenda=["情况介绍", "自由发言"], campaign_id=cid,
        )  # fmt: skip
    with container.uow() as uow:
        c = consultations.create(uow, staff, title="基层应急管理实施意见（征求意见稿）", text="第一条 总则",
                                 opens_on=date(2026, 10, 1), closes_on=date(2026, 12, 31), now=T0)  # fmt: skip
    with container.uow() as uow:
        consultations.set_status(uow, staff, c["id"], status="open")
    with container.uow() as uow:
        consultations.comment(uow, c["id"], text="建议明确应急联络员的补贴标准", author_name="网友", now=T0)
    login(app_client, "jy_web")
    url = f"/participation/roundtables/{rt['id']}"
    assert "市民圆桌会" in app_client.get("/participation/roundtables").text
    r = post_form(app_client, f"{url}/actions", {"description": "梳理加装电梯审批流程", "owner_unit_code": "310107-FG",
                                                 "due_on": "2026-12-20"}, from_page=url)  # fmt: skip
    assert r.status_code == 303 and "梳理加装电梯审批流程" in app_client.get(url).text
    curl = f"/participation/consultations/{c['id']}"
    assert "待答复意见" in app_client.get("/participation/consultations").text
    page = app_client.get(curl).text
    assert "建议明确应急联络员的补贴标准" in page and "意见与答复" in page
    op = consultations.final_record
    with container.uow() as uow:
        opinion_id = op(uow.session, c["id"])["opinions"][0]["id"]
    answer = {"outcome": "adopted", "response": "已在第三条明确", "change": "第三条增加补贴标准"}
    post_form(app_client, f"{curl}/opinions/{opinion_id}", answer, from_page=curl)
    page = app_client.get(curl).text
    assert "已在第三条明确" in page and "第三条增加补贴标准" in page
