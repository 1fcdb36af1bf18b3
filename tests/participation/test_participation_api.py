"""Participation over HTTP: the public reads, submits and sees the outcome without logging in; staff take a
12345 suggestion in, cluster, answer."""

from __future__ import annotations

from typing import Any

import pytest
from participation_factories import open_campaign, seed_owner

from factories import case_body


@pytest.fixture
def campaign(container: Any) -> int:
    people = seed_owner(container)
    return open_campaign(container, people["jy_staff"])


def test_public_submits_and_sees_the_outcome_without_login(app_client: Any, as_user: Any, campaign: int) -> None:
    listed = app_client.get("/api/v1/public/participation/campaigns")
    assert listed.status_code == 200 and listed.json()[0]["id"] == campaign, listed.text
    made = app_client.post(
        f"/api/v1/public/participation/campaigns/{campaign}/suggestions",
        json={"text": "建议地铁末班车延长到凌晨一点", "proposer_contact": "13900002222"},
    )
    assert made.status_code == 201, made.text
    receipt = made.json()["receipt"]
    staff = as_user("jy_staff")
    sid = staff.get(f"/api/v1/participation/campaigns/{campaign}/suggestions").json()[0]["id"]
    answered = staff.post(f"/api/v1/participation/suggestions/{sid}/answer",
                          json={"outcome": "adopted", "reason": "已纳入规划"})  # fmt: skip
    assert answered.status_code == 200, answered.text
    seen = app_client.get(f"/api/v1/public/participation/suggestions/{receipt}").json()
    assert seen["outcome_zh"] == "采纳" and "proposer_contact" not in seen, seen


def test_staff_routes_need_credentials(app_client: Any, campaign: int) -> None:
    assert app_client.get(f"/api/v1/participation/campaigns/{campaign}/suggestions").status_code == 401


def test_a_12345_suggestion_call_joins_the_campaign_once(as_user: Any, campaign: int) -> None:
    case = as_user("operator").post("/api/v1/cases", json=case_body(request_type="suggestion"))
    assert case.status_code == 201, case.text
    number = case.json()["number"]
    staff = as_user("operator")
    first = staff.post(f"/api/v1/participation/campaigns/{campaign}/hotline", json={"case_number": number})
    assert first.status_code == 201 and first.json()["channel"] == "hotline", first.text
    again = staff.post(f"/api/v1/participation/campaigns/{campaign}/hotline", json={"case_number": number})
    assert again.status_code == 409


def test_staff_cluster_and_read_themes(as_user: Any, campaign: int) -> None:
    staff = as_user("jy_staff")
    for text in ["地铁末班车延长运营", "地铁末班车加密班次", "社区老年食堂增加网点", "老年食堂降低价格"] * 3:
        staff.post(f"/api/v1/participation/campaigns/{campaign}/suggestions", json={"text": text + "，方便居民"})
    result = staff.post(f"/api/v1/participation/campaigns/{campaign}/cluster", json={"k": 2})
    assert result.status_code == 200, result.text
    themes = staff.get(f"/api/v1/participation/campaigns/{campaign}/themes").json()
    assert len(themes) == 2 and sum(t["size"] for t in themes) <= 12


def test_public_comments_on_an_open_draft_and_sees_the_answer(app_client: Any, as_user: Any, campaign: int) -> None:
    staff = as_user("jy_staff")
    made = staff.post("/api/v1/participation/consultations", json={
        "title": "基层应急管理实施意见（征求意见稿）", "text": "第一条 总则", "opens_on": "2026-10-01",
        "closes_on": "2026-10-31", "documents": [{"title": "起草说明", "url": "/docs/x.pdf"}]})  # fmt: skip
    assert made.status_code == 201, made.text
    cons = made.json()["id"]
    assert app_client.get(f"/api/v1/public/participation/consultations/{cons}").status_code == 404
    staff.post(f"/api/v1/participation/consultations/{cons}/status", json={"status": "open"})
    opinion = app_client.post(f"/api/v1/public/participation/consultations/{cons}/opinions",
                              json={"text": "建议增加社区演练要求", "author_name": "市民"})  # fmt: skip
    assert opinion.status_code == 201, opinion.text
    answer = {"outcome": "adopted", "response": "已增加", "change": "第一条后增加演练条款"}
    answered = staff.post(f"/api/v1/participation/opinions/{opinion.json()['id']}/response", json=answer)
    assert answered.status_code == 200, answered.text
    view = app_client.get(f"/api/v1/public/participation/consultations/{cons}").json()
    assert view["answered_opinions"][0]["change"] == "第一条后增加演练条款"
