"""Citizens' roundtables and public participation in a draft decision, on a real database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from participation_factories import T0, open_campaign, seed_owner

from gridloop.kernel.errors import Conflict
from gridloop.participation.services import consultations, roundtables

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def people(container: Any) -> dict[str, Any]:
    return seed_owner(container)


def test_roundtable_links_its_suggestions_and_tracks_follow_up(container: Any, people: dict[str, Any]) -> None:
    staff = people["jy_staff"]
    cid = open_campaign(container, staff)
    with container.uow() as uow:
        rt = roundtables.schedule(
            uow, staff, title="第12场市民圆桌会：老旧小区更新", scheduled_at=T0 + timedelta(days=2),
            place="曹杨新村街道社区中心", agenda=["情况介绍", "自由发言"], campaign_id=cid, capacity=2,
        )  # fmt: skip
    with container.uow() as uow:
        invited = roundtables.join(uow, rt["id"], name="张阿姨", kind="invited", actor=staff, now=T0)
    with container.uow() as uow:
        walk_in = roundtables.join(uow, rt["id"], name="李先生", now=T0)
    with container.uow() as uow, pytest.raises(Conflict, match="full"):
        roundtables.join(uow, rt["id"], name="王女士", now=T0)
    with container.uow() as uow:
        held = roundtables.hold(uow, staff, rt["id"], minutes="居民就加装电梯发言踊跃。", attended=[invited["id"]])
    assert [p["attended"] for p in held["participants"]] == [True, False] and walk_in["kind"] == "registered"
    with container.uow() as uow:
        raised = roundtables.raise_suggestion(uow, staff, rt["id"], text="加装电梯审批太慢，建议一站式办理", now=T0)
    assert raised["channel"] == "roundtable" and raised["roundtable_id"] == rt["id"]
    with container.uow() as uow:
        action = roundtables.add_action(uow, staff, rt["id"], description="梳理加装电梯审批流程",
                                        owner_unit_code="310107-FG", due_on=date(2026, 12, 20))  # fmt: skip
    with container.uow() as uow:
        shown = roundtables.show(uow.session, rt["id"], today=date(2026, 12, 21))
    assert shown["actions"][0]["overdue"] and len(shown["suggestions"]) == 1
    with container.uow() as uow:
        done = roundtables.complete_action(uow, people["putuo_housing"], action["id"], result="已出台指引", now=T0)
    assert done["done"] and not done["overdue"]


def _consultation(container: Any, staff: Any) -> int:
    with container.uow() as uow:
        c = consultations.create(
            uow, staff, title="关于加强基层应急管理能力建设的实施意见（征求意见稿）",
            text="第一条 总则\n第二条 街镇设立应急管理办公室\n第三条 村居配备应急联络员",
            opens_on=date(2026, 10, 1), closes_on=date(2026, 10, 31), now=T0,
            documents=[{"title": "起草说明", "url": "/docs/explain.pdf"}],
        )  # fmt: skip
    with container.uow() as uow:
        consultations.set_status(uow, staff, c["id"], status="open")
    return int(c["id"])


def test_every_opinion_appears_beside_its_response_and_the_change(container: Any, people: dict[str, Any]) -> None:
    staff = people["jy_staff"]
    cons = _consultation(container, staff)
    with container.uow() as uow:
        online = consultations.comment(uow, cons, text="建议明确应急联络员的补贴标准", author_name="网友", now=T0)
    with container.uow() as uow:
        meeting = consultations.add_meeting(uow, staff, cons, title="市政府常务会议", held_at=T0 + timedelta(days=5))
    reps = []
    for name in ("陈代表", "刘代表", "赵代表", "孙代表"):
        with container.uow() as uow:
            reps.append(consultations.invite(uow, staff, meeting["id"], name=name, affiliation="市民", now=T0))
    with container.uow() as uow:
        consultations.confirm(uow, staff, reps[0]["id"], coming=True, now=T0)
    with container.uow() as uow:
        consultations.attendance(uow, staff, meeting["id"], present=[r["id"] for r in reps])
    with container.uow() as uow:
        spoken = consultations.record_spoken(uow, staff, meeting["id"], representative_id=reps[0]["id"],
                                             text="应急物资储备点应覆盖每个村居", clause="第三条", now=T0)  # fmt: skip
    with container.uow() as uow, pytest.raises(Conflict, match="no response"):
        consultations.finalize(uow, staff, cons)
    with container.uow() as uow:
        consultations.respond(uow, staff, online["id"], outcome="reference", response="补贴标准另行制定", now=T0)
    with container.uow() as uow:
        consultations.respond(uow, staff, spoken["id"], outcome="adopted", response="已采纳",
                              change="第三条增加“设置应急物资储备点”", now=T0)  # fmt: skip
    with container.uow() as uow:
        new_text = "第一条 总则\n第二条 街镇设立应急管理办公室\n第三条 村居配备应急联络员，设置应急物资储备点"
        consultations.revise(uow, staff, cons, text=new_text, note="吸纳意见后修改稿", now=T0)
    with container.uow() as uow:
        record = consultations.finalize(uow, staff, cons)
    assert record["status"] == "final" and len(record["opinions"]) == 2
    beside = {o["source"]: (o["text"], o["outcome_zh"], o["change"]) for o in record["opinions"]}
    assert beside["meeting"] == ("应急物资储备点应覆盖每个村居", "采纳", "第三条增加“设置应急物资储备点”")
    assert any(line.startswith("+第三条") and "储备点" in line for line in record["text_changes"])
    with container.uow() as uow:
        letter = consultations.thank_you_letter(uow.session, reps[0]["id"], office="上海市人民政府办公厅", tz=SH,
                                                today=date(2026, 11, 1))  # fmt: skip
    assert letter.startswith("尊敬的陈代表") and "市政府常务会议" in letter and "已采纳" in letter


def test_absent_representative_cannot_be_recorded_as_speaking(container: Any, people: dict[str, Any]) -> None:
    staff = people["jy_staff"]
    cons = _consultation(container, staff)
    with container.uow() as uow:
        meeting = consultations.add_meeting(uow, staff, cons, title="常务会议", held_at=T0)
    with container.uow() as uow:
        rep = consultations.invite(uow, staff, meeting["id"], name="周代表", now=T0)
    with container.uow() as uow, pytest.raises(Conflict):
        consultations.record_spoken(uow, staff, meeting["id"], representative_id=rep["id"], text="意见内容", now=T0)


def test_the_public_sees_answered_opinions_but_not_drafts(container: Any, people: dict[str, Any]) -> None:
    staff = people["jy_staff"]
    cons = _consultation(container, staff)
    with container.uow() as uow:
        op = consultations.comment(uow, cons, text="建议增加志愿者队伍建设内容", now=T0)
    with container.uow() as uow:
        consultations.respond(uow, staff, op["id"], outcome="partly", response="在第二条中体现", now=T0)
    with container.uow() as uow:
        view = consultations.public_view(uow.session, cons)
    assert view["answered_opinions"][0]["outcome_zh"] == "部分采纳" and view["documents"][0]["title"] == "起草说明"
