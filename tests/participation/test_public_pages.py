"""Public pages without login: read a campaign, submit through the form, see the outcome, comment on a draft."""

from __future__ import annotations

import re
from typing import Any

import pytest
from participation_factories import T0, open_campaign, seed_owner

from gridloop.participation.services import consultations, suggestions


@pytest.fixture
def campaign(container: Any) -> int:
    people = seed_owner(container)
    return open_campaign(container, people["jy_staff"])


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the form carries a CSRF token"
    return found.group(1)


def test_anyone_submits_through_the_form_and_sees_the_outcome(app_client: Any, container: Any, campaign: int) -> None:
    page = app_client.get(f"/canyu/campaigns/{campaign}", follow_redirects=False)
    assert page.status_code == 200 and "“十五五”规划人民建议征集" in page.text, page.status_code
    assert 'name="viewport"' in page.text
    sent = app_client.post(
        f"/canyu/campaigns/{campaign}", data={"csrf": _csrf(page.text), "text": "建议增设早餐车网点"}
    )
    assert sent.status_code == 200 and "回执号" in sent.text, sent.text[:500]
    receipt = re.search(r"<strong>(JY[0-9A-F]+)</strong>", sent.text)
    assert receipt
    with container.uow() as uow:
        sid = suggestions.list_suggestions(uow.session, campaign)[0]["id"]
    with container.uow() as uow:
        staff = seed_staff(container)
        suggestions.answer_suggestion(
            uow, staff, sid, outcome="partly", reason="部分区域先试点", now=T0, outbox=container.deps.outbox
        )
    seen = app_client.get(f"/canyu/receipt?r={receipt.group(1)}")
    assert "部分采纳" in seen.text and "部分区域先试点" in seen.text


def seed_staff(container: Any) -> Any:
    from gridloop.platform.org.services import org

    with container.uow() as uow:
        return org.actor_for(org.get_user(uow.session, "jy_staff"))


def test_form_without_csrf_is_refused(app_client: Any, campaign: int) -> None:
    response = app_client.post(f"/canyu/campaigns/{campaign}", data={"text": "建议增设早餐车网点"})
    assert response.status_code in (400, 403), response.status_code


def test_anyone_comments_on_an_open_draft(app_client: Any, container: Any, campaign: int) -> None:
    staff = seed_staff(container)
    with container.uow() as uow:
        made = consultations.create(uow, staff, title="实施意见（征求意见稿）", text="第一条 总则",
                                    opens_on=T0.date(), closes_on=T0.date(), now=T0)  # fmt: skip
    with container.uow() as uow:
        consultations.set_status(uow, staff, made["id"], status="open")
    page = app_client.get(f"/canyu/consultations/{made['id']}")
    assert page.status_code == 200 and "第一条 总则" in page.text
    sent = app_client.post(
        f"/canyu/consultations/{made['id']}", data={"csrf": _csrf(page.text), "text": "建议补充演练"}
    )
    assert sent.status_code == 200 and "意见已收到" in sent.text
    assert app_client.get("/canyu").status_code == 200
