"""Reply-quality scoring: a reply that cites its basis and says what happens next beats a deflecting one."""

from __future__ import annotations

from datetime import datetime

from gridloop.knowledge.domain.reply_quality import completeness, interpretability, relevance, score_reply, timeliness

GOOD = (
    "您好！经调查核实，该路段排水施工已完成75%。根据《A市城市道路管理办法》第十二条规定，施工单位须设置围挡。"
    "一、施工单位已整改；二、预计8月底完工通车。如有疑问可拨打咨询电话0000-0000。"
)
POOR = "您好！您的留言已收悉。鉴于您问题中没有说明具体路段，请您看到回复后致电街道反映。"


def test_a_reply_citing_a_rule_and_next_step_is_more_interpretable() -> None:
    assert interpretability(GOOD) > 0.8 > interpretability(POOR)


def test_a_deflecting_reply_is_less_complete() -> None:
    assert completeness(GOOD) > 0.7 and completeness(POOR) <= 0.4


def test_a_reply_naming_the_reported_matter_is_relevant() -> None:
    subject = "潇楚南路排水施工怎么还没完成"
    assert relevance(GOOD, subject=subject) > relevance("感谢您对我们工作的支持。", subject=subject)


def test_a_reply_within_the_limit_is_fully_timely_and_late_ones_decay() -> None:
    asked = datetime(2019, 4, 1)
    assert (timeliness(asked, answered=datetime(2019, 4, 10)), timeliness(asked, answered=datetime(2019, 6, 30))) == (
        1.0,
        0.0,
    )


def test_overall_is_the_mean_of_the_four_dimensions() -> None:
    s = score_reply(GOOD, subject="路", detail="", asked=datetime(2019, 4, 1), answered=datetime(2019, 4, 2))
    assert s.overall == round((s.relevance + s.completeness + s.interpretability + s.timeliness) / 4, 4)
