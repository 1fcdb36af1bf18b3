"""Petition rules as tables: lifecycle, calendar-day limits, 诉访分离, repeated petitions, coordination steps."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from gridloop.kernel.errors import Conflict
from gridloop.petitions.domain.coordination import STEPS, is_overdue, next_step
from gridloop.petitions.domain.lifecycle import STATUS_LIMIT, TERMINAL, TRANSITIONS, allowed_actions, next_status
from gridloop.petitions.domain.limits import DEFAULT_LIMITS, due_after, limits_with
from gridloop.petitions.domain.model import Action, CoordinationStatus, LegalChannel, LegalUnit, Status
from gridloop.petitions.domain.repeat import Prior, check_repeat, similarity
from gridloop.petitions.domain.separation import separate

SH = ZoneInfo("Asia/Shanghai")


def test_every_status_is_reachable_from_registered() -> None:
    seen, frontier = {Status.REGISTERED}, [Status.REGISTERED]
    while frontier:
        s = frontier.pop()
        for (src, _), dst in TRANSITIONS.items():
            if src is s and dst not in seen:
                seen.add(dst)
                frontier.append(dst)
    assert seen == set(Status), f"unreachable: {set(Status) - seen}"


def test_terminal_statuses_have_no_way_out() -> None:
    for status in TERMINAL:
        assert allowed_actions(status) == [], status


def test_review_cannot_be_asked_before_an_answer() -> None:
    with pytest.raises(Conflict):
        next_status(Status.ACCEPTED, Action.REQUEST_REVIEW)


def test_rereview_decision_closes_the_matter_for_good() -> None:
    assert next_status(Status.UNDER_REREVIEW, Action.DECIDE_REREVIEW) is Status.CLOSED_FINAL


def test_legal_limits_are_the_regulations_numbers_in_calendar_days() -> None:
    days = {k: v.days for k, v in DEFAULT_LIMITS.items() if v.basis == "S"}
    assert days == {
        "acceptance": 15, "handling": 60, "extension": 30, "review_request": 30,
        "review_decision": 30, "rereview_request": 30, "rereview_decision": 30,
    }  # fmt: skip
    assert all("信访工作条例" in DEFAULT_LIMITS[k].citation for k in days)


def test_every_limit_that_a_status_starts_exists() -> None:
    assert set(STATUS_LIMIT.values()) <= set(DEFAULT_LIMITS)


def test_acceptance_due_counts_weekends_and_holidays() -> None:
    received = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 local, the eve of the National Day holiday
    due = due_after(received, 15, tz=SH)
    assert due.date().isoformat() == "2026-10-15" and due.hour == 23, due


def test_due_date_uses_the_local_day_not_the_utc_day() -> None:
    received = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in Shanghai
    assert due_after(received, 15, tz=SH).date().isoformat() == "2026-12-16"


def test_administrator_override_changes_a_limit_and_marks_it() -> None:
    limits = limits_with({"coord_acknowledge": 3})
    assert limits["coord_acknowledge"].days == 3 and "override" in limits["coord_acknowledge"].basis


def test_unknown_limit_override_fails_loudly() -> None:
    with pytest.raises(ValueError, match="unknown time limit"):
        limits_with({"acceptence": 10})


def test_labour_dispute_is_guided_to_arbitration_with_reasons() -> None:
    decision = separate("公司拖欠工资三个月后将我辞退，不给经济补偿金，请求政府主持公道")
    assert decision.channel is LegalChannel.ARBITRATION, decision.explanation()
    assert "辞退" in decision.explanation() and "仲裁" in decision.guidance


def test_matter_with_a_court_judgment_belongs_to_litigation_and_the_court() -> None:
    decision = separate("法院判决对方赔偿，但至今拒不履行，申请执行半年没有结果")
    assert decision.channel is LegalChannel.LITIGATION and decision.unit is LegalUnit.COURT, decision.as_dict()


def test_fine_dispute_goes_to_administrative_reconsideration() -> None:
    decision = separate("不服城管作出的行政处罚决定，认为罚款过重")
    assert decision.channel is LegalChannel.ADMIN_RECONSIDERATION, decision.explanation()


def test_ordinary_complaint_stays_a_petition() -> None:
    decision = separate("小区门口道路破损多年无人修，雨天积水严重")
    assert not decision.belongs_to_legal_channel and decision.hits == ()


def test_repeat_of_same_facts_links_to_the_first_matter() -> None:
    first = "小区门口道路破损多年无人修，雨天积水严重，请求尽快修复"
    check = check_repeat("小区门口道路破损多年无人修复，雨天积水严重，请尽快修", [Prior(7, 7, Status.ACCEPTED, first)])
    assert check.repeat_of == 7 and check.root_id == 7 and not check.barred, check


def test_matter_closed_at_rereview_is_not_accepted_again_on_the_same_facts() -> None:
    text = "要求补偿动迁安置面积不足的损失，按评估价补足差价"
    check = check_repeat(text, [Prior(3, 3, Status.CLOSED_FINAL, text)])
    assert check.barred and "复核" in check.reason


def test_different_facts_are_a_new_matter() -> None:
    check = check_repeat("楼上住户夜间噪音扰民", [Prior(3, 3, Status.CLOSED_FINAL, "要求补偿动迁安置面积不足的损失")])
    assert check.repeat_of is None and not check.barred
    assert similarity("", "abc") == 0.0


def test_coordination_record_runs_transfer_acknowledge_result_feedback() -> None:
    status = CoordinationStatus.TRANSFERRED
    for step in STEPS:
        status, _ = next_step(status, step)
    assert status is CoordinationStatus.FED_BACK


def test_coordination_result_before_acknowledgement_is_refused() -> None:
    with pytest.raises(Conflict):
        next_step(CoordinationStatus.TRANSFERRED, "result")


def test_coordination_step_is_overdue_after_its_due_time() -> None:
    due = datetime(2026, 12, 1, tzinfo=UTC)
    assert is_overdue(CoordinationStatus.TRANSFERRED, due, now=datetime(2026, 12, 2, tzinfo=UTC))
    assert not is_overdue(CoordinationStatus.FED_BACK, due, now=datetime(2026, 12, 2, tzinfo=UTC))
