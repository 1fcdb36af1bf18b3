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
