"""A campaign owner unit, its staff, and generated suggestions on a few known topics."""
# ruff: noqa: E501

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from gridloop.kernel.org import Actor, Level, Role, UnitKind
from gridloop.participation.services import campaigns
from gridloop.platform.org.services import org

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)

TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "transit": (["地铁末班车", "公交线路", "公交站台", "共享单车停放"], ["延长运营", "加密班次", "增设站点", "规范管理"]),
    "elderly": (["社区老年食堂", "养老服务站", "老人助餐点", "居家养老"], ["增加网点", "降低价格", "延长开放时间", "提供送餐"]),
    "housing": (["老旧小区加装电梯", "屋顶漏水维修", "小区停车位", "外墙保温改造"], ["加快审批", "提高补贴", "统一规划", "简化流程"]),
    "greening": (["口袋公园", "绿道", "河道沿岸", "社区花园"], ["增加绿化", "添加座椅", "夜间照明", "开放共享"]),
}  # fmt: skip


def suggestion_texts(n: int, *, seed: int = 1) -> list[tuple[str, str]]:
    """n generated (topic, text) pairs."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        topic = list(TOPICS)[i % len(TOPICS)]
        things, acts = TOPICS[topic]
        thing, act = rng.choice(things), rng.choice(acts)
        out.append(
            (
                topic,
                f"建议{thing}{act}，{rng.choice(['方便居民', '服务市民', '解决群众困难'])}，{rng.choice(things)}问题突出。",
            )
        )
    return out


def seed_owner(container: Any) -> dict[str, Actor]:
    """The city's 人民建议征集办 and one staff member; the demo housing handler is a department."""
    with container.uow() as uow:
        org.create_unit(uow.session, code="310000-RJB", name="人民建议征集办公室", kind=UnitKind.DEPARTMENT,
                        level=Level.CITY, parent_code="310000", now=T0)  # fmt: skip
        org.create_user(uow.session, username="jy_staff", role=Role.OPERATOR, unit_code="310000-RJB", now=T0)
        uow.commit()
        return {n: org.actor_for(org.get_user(uow.session, n)) for n in ("jy_staff", "putuo_housing", "yangpu_housing")}


def open_campaign(container: Any, staff: Actor, *, code: str = "15TH-PLAN") -> int:
    """An open campaign on the five-year plan collecting through every channel."""
    with container.uow() as uow:
        c = campaigns.create_campaign(
            uow, staff, code=code, topic="“十五五”规划人民建议征集", starts_on=date(2026, 11, 1),
            ends_on=date(2026, 12, 31), channels=["web", "hotline", "roundtable", "letter"],
            questions=["您最希望改善的民生领域？", "对城市更新有何建议？"], now=T0,
        )  # fmt: skip
    with container.uow() as uow:
        campaigns.set_status(uow, staff, c["id"], status="open")
    return int(c["id"])
