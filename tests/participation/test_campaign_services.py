"""Suggestion campaigns on a real database: every channel, duplicates, themes staff edit, answers, notices,
statistics, and what the proposer sees."""

from __future__ import annotations

from typing import Any

import pytest
from participation_factories import T0, open_campaign, seed_owner, suggestion_texts
from sqlalchemy import select

from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput
from gridloop.participation.services import campaigns, suggestions
from gridloop.platform.db.outbox import OutboxRow


@pytest.fixture
def people(container: Any) -> dict[str, Any]:
    return seed_owner(container)


def _submit(container: Any, cid: int, text: str, **kw: Any) -> dict[str, Any]:
    with container.uow() as uow:
        return suggestions.submit(uow, cid, text=text, now=T0, **{"channel": "web", **kw})


def _fill(container: Any, cid: int, n: int) -> list[dict[str, Any]]:
    channels = ["web", "hotline", "roundtable", "letter"]
    return [
        _submit(container, cid, text, channel=channels[i % 4], proposer_contact=f"1390000{i:04d}")
        for i, (_, text) in enumerate(suggestion_texts(n))
    ]


def test_suggestions_arrive_from_web_call_and_roundtable(container: Any, people: dict[str, Any]) -> None:
    cid = open_campaign(container, people["jy_staff"])
    web = _submit(container, cid, "建议地铁末班车延长到凌晨一点", proposer_contact="13900001111")
    call = _submit(container, cid, "希望社区老年食堂增加网点", channel="hotline", source_ref="SH2026112600001")
    table = _submit(container, cid, "口袋公园增加座椅和夜间照明", channel="roundtable", source_ref="RT-3")
    assert {web["channel"], call["channel"], table["channel"]} == {"web", "hotline", "roundtable"}
    assert web["receipt"].startswith("JY") and call["source_ref"] == "SH2026112600001"


def test_exact_duplicate_is_linked_to_the_first(container: Any, people: dict[str, Any]) -> None:
    cid = open_campaign(container, people["jy_staff"])
    first = _submit(container, cid, "建议地铁末班车延长到凌晨一点。")
    again = _submit(container, cid, "建议 地铁末班车延长到凌晨一点！", channel="letter")
    assert again["duplicate_of"] == first["id"]


def test_channel_the_campaign_does_not_use_is_refused(container: Any, people: dict[str, Any]) -> None:
    cid = open_campaign(container, people["jy_staff"])
    with pytest.raises(Conflict):
        _submit(container, cid, "走访时提出的建议内容", channel="visit")


def test_closed_campaign_takes_no_suggestions(container: Any, people: dict[str, Any]) -> None:
    cid = open_campaign(container, people["jy_staff"])
    with container.uow() as uow:
        campaigns.set_status(uow, people["jy_staff"], cid, status="closed")
    with pytest.raises(Conflict):
        _submit(container, cid, "建议地铁末班车延长到凌晨一点")


def test_clustering_finds_the_topics_with_labels_and_representatives(container: Any, people: dict[str, Any]) -> None:
    cid = open_campaign(container, people["jy_staff"])
    _fill(container, cid, 120)
    with container.uow() as uow:
        result = suggestions.cluster(uow, people["jy_staff"], cid, now=T0, k=4)
    labels = " ".join(t["label"] + " ".join(t["key_terms"]) for t in result["themes"])
    for word in ("地铁", "养老", "小区", "绿道"):
        assert word in labels or any(word in w for w in labels.split()), (word, labels)
    assert all(len(t["representative_ids"]) == 3 for t in result["themes"])


def test_staff_rename_merge_and_answer_a_theme_and_every_proposer_is_told(
    container: Any, people: dict[str, Any]
) -> None:
    staff = people["jy_staff"]
    cid = open_campaign(container, staff)
    _fill(container, cid, 40)
    with container.uow() as uow:
        themes = suggestions.cluster(uow, staff, cid, now=T0, k=4)["themes"]
    a, b = themes[0]["id"], themes[1]["id"]
    with container.uow() as uow:
        merged = suggestions.edit_theme(uow, staff, b, merge_into=a, label="交通与养老")
    assert merged["label"] == "交通与养老" and merged["edited"]
    with container.uow() as uow:
        suggestions.assign_theme(uow, staff, a, unit_code="310107-FG")
    with container.uow() as uow, pytest.raises(Forbidden):
        suggestions.answer_theme(
            uow, people["yangpu_housing"], a, outcome="adopted", reason="", now=T0, outbox=container.deps.outbox
        )
    with container.uow() as uow:
        done = suggestions.answer_theme(
            uow,
            people["putuo_housing"],
            a,
            outcome="partly",
            reason="纳入明年计划",
            now=T0,
            outbox=container.deps.outbox,
        )
    assert done["answered"] == merged["size"]
    with container.uow() as uow:
        notices = [
            r.payload
            for r in uow.session.scalars(select(OutboxRow).where(OutboxRow.topic == suggestions.OUTCOME_NOTICE))
        ]
        one = suggestions.list_suggestions(uow.session, cid, theme_id=a)[0]
        seen = suggestions.lookup(uow.session, one["receipt"])
    assert len(notices) == done["answered"] and "部分采纳" in notices[0]["body"]
    assert notices[0]["payload"]["recipient"].startswith("1390000"), "the contact travels in the payload"
    assert "1390000" not in notices[0]["title"] + notices[0]["body"], "never in the text that is logged"
    assert seen["outcome_zh"] == "部分采纳" and seen["theme"] == "交通与养老" and "proposer_contact" not in seen


def test_not_adopted_needs_a_reason(container: Any, people: dict[str, Any]) -> None:
    cid = open_campaign(container, people["jy_staff"])
    s = _submit(container, cid, "建议全市取消机动车限行")
    with container.uow() as uow, pytest.raises(InvalidInput):
        suggestions.answer_suggestion(
            uow, people["jy_staff"], s["id"], outcome="not_adopted", reason="", now=T0, outbox=container.deps.outbox
        )


def test_adoption_statistics_per_campaign_theme_and_channel(container: Any, people: dict[str, Any]) -> None:
    staff = people["jy_staff"]
    cid = open_campaign(container, staff)
    made = _fill(container, cid, 8)
    with container.uow() as uow:
        suggestions.answer_suggestion(
            uow, staff, made[0]["id"], outcome="adopted", reason="", now=T0, outbox=container.deps.outbox
        )
    with container.uow() as uow:
        suggestions.answer_suggestion(
            uow, staff, made[1]["id"], outcome="reference", reason="留作规划参考", now=T0, outbox=container.deps.outbox
        )
    with container.uow() as uow:
        stats = campaigns.campaign_stats(uow.session, cid)
    assert stats["campaign"]["answered"] == 2 and stats["campaign"]["adoption_rate"] == 0.5, stats
    assert stats["by_channel"]["web"]["adopted"] == 1


def test_public_list_hides_drafts(container: Any, people: dict[str, Any]) -> None:
    open_campaign(container, people["jy_staff"])
    with container.uow() as uow:
        campaigns.create_campaign(uow, people["jy_staff"], code="DRAFT", topic="草稿", starts_on=T0.date(),
                                  ends_on=T0.date(), channels=["web"], questions=[], now=T0)  # fmt: skip
    with container.uow() as uow:
        codes = [c["code"] for c in campaigns.list_campaigns(uow.session, public=True)]
    assert codes == ["15TH-PLAN"]
