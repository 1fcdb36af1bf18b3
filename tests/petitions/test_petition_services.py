"""Petition services on a real database: the full run with legal deadlines, 复核 bar, 诉访分离, coordination,
and who may see what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from petition_factories import SH, T0, petition_in, seed

from gridloop.kernel.errors import Conflict, Forbidden, NotFound
from gridloop.petitions.services import coordination, petitions


@pytest.fixture
def people(container: Any) -> dict[str, Any]:
    return seed(container)


def _register(container: Any, actor: Any, **overrides: Any) -> dict[str, Any]:
    with container.uow() as uow:
        return petitions.register(uow, actor, petition_in(**overrides), now=T0, tz=SH)


def _run(container: Any, fn: Any, *args: Any, **kw: Any) -> dict[str, Any]:
    with container.uow() as uow:
        result: dict[str, Any] = fn(uow, *args, tz=SH, **kw)
        return result


def test_registration_starts_the_15_day_acceptance_clock(container: Any, people: dict[str, Any]) -> None:
    p = _register(container, people["xf_putuo"])
    assert p["status"] == "registered" and p["due_at"].startswith("2026-12-15T23:59:59"), p["due_at"]


def test_petition_runs_through_acceptance_handling_review_and_rereview(container: Any, people: dict[str, Any]) -> None:
    xf, gov, city = people["xf_putuo"], people["gov_putuo"], people["xf_city"]
    pid = _register(container, xf)["id"]
    p = _run(container, petitions.accept, xf, pid, handling_unit_code="310107-FG", now=T0 + timedelta(days=3))
    assert p["status"] == "accepted" and p["due_at"].startswith("2027-02-01"), p["due_at"]  # 3 Dec + 60
    housing = people["putuo_housing"]
    p = _run(container, petitions.extend, housing, pid, reason="需专项维修资金审批", now=T0 + timedelta(days=50))
    assert p["due_at"].startswith("2027-03-03"), p["due_at"]  # + 30
    answered = T0 + timedelta(days=70)
    p = _run(container, petitions.answer, housing, pid, text="已列入明年大修计划", now=answered)
    assert p["status"] == "answered" and p["due_at"].startswith("2027-03-10"), p["due_at"]  # 8 Feb + 30
    p = _run(container, petitions.request_review, xf, pid, unit_code="310107-GOV", level="review",
             now=answered + timedelta(days=10))  # fmt: skip
    assert p["status"] == "under_review" and p["due_at"].startswith("2027-03-20"), p["due_at"]
    p = _run(container, petitions.decide_review, gov, pid, level="review", text="维持原处理意见",
             now=answered + timedelta(days=20))  # fmt: skip
    assert p["status"] == "reviewed"
    p = _run(container, petitions.request_review, xf, pid, unit_code="310000-XF", level="rereview",
             now=answered + timedelta(days=25))  # fmt: skip
    assert p["status"] == "under_rereview"
    p = _run(container, petitions.decide_review, city, pid, level="rereview", text="复核维持",
             now=answered + timedelta(days=40))  # fmt: skip
    assert p["status"] == "closed_final" and p["due_at"] is None
    assert [e["action"] for e in p["events"]] == [
        "register", "accept", "extend", "answer", "request_review", "decide_review", "request_rereview",
        "decide_rereview",
    ]  # fmt: skip


def test_review_request_after_30_days_is_refused(container: Any, people: dict[str, Any]) -> None:
    xf, housing = people["xf_putuo"], people["putuo_housing"]
    pid = _register(container, xf)["id"]
    _run(container, petitions.accept, xf, pid, handling_unit_code="310107-FG", now=T0)
    _run(container, petitions.answer, housing, pid, text="已维修", now=T0 + timedelta(days=10))
    with pytest.raises(Conflict, match="late"):
        _run(container, petitions.request_review, xf, pid, unit_code="310107-GOV", level="review",
             now=T0 + timedelta(days=41))  # fmt: skip


def test_handling_can_be_extended_only_once(container: Any, people: dict[str, Any]) -> None:
    xf, housing = people["xf_putuo"], people["putuo_housing"]
    pid = _register(container, xf)["id"]
    _run(container, petitions.accept, xf, pid, handling_unit_code="310107-FG", now=T0)
    _run(container, petitions.extend, housing, pid, reason="复杂", now=T0 + timedelta(days=30))
    with pytest.raises(Conflict, match="once"):
        _run(container, petitions.extend, housing, pid, reason="仍复杂", now=T0 + timedelta(days=80))


def _close_at_rereview(container: Any, people: dict[str, Any], pid: int) -> None:
    xf = people["xf_putuo"]
    _run(container, petitions.accept, xf, pid, handling_unit_code="310107-FG", now=T0)
    _run(container, petitions.answer, people["putuo_housing"], pid, text="不予补偿", now=T0)
    _run(container, petitions.request_review, xf, pid, unit_code="310107-GOV", level="review", now=T0)
    _run(container, petitions.decide_review, people["gov_putuo"], pid, level="review", text="维持", now=T0)
    _run(container, petitions.request_review, xf, pid, unit_code="310000-XF", level="rereview", now=T0)
    _run(container, petitions.decide_review, people["xf_city"], pid, level="rereview", text="维持", now=T0)


def test_same_facts_after_rereview_are_not_accepted_again(container: Any, people: dict[str, Any]) -> None:
    first = _register(container, people["xf_putuo"])
    _close_at_rereview(container, people, first["id"])
    again = _register(container, people["xf_putuo"], channel="letter")
    assert again["status"] == "not_accepted" and again["root_id"] == first["id"], again
    assert "复核" in again["events"][-1]["note"]
    with pytest.raises(Conflict):
        _run(container, petitions.accept, people["xf_putuo"], again["id"], handling_unit_code="310107-FG", now=T0)


def test_repeated_petition_is_linked_not_counted_as_new(container: Any, people: dict[str, Any]) -> None:
    first = _register(container, people["xf_putuo"])
    again = _register(container, people["xf_putuo"], channel="phone")
    assert again["repeat_of"] == first["id"] and again["status"] == "registered"
    with container.uow() as uow:
        shown = petitions.show(uow.session, people["xf_putuo"], first["id"])
    assert shown["repeat_count"] == 1


def test_labour_dispute_is_guided_to_arbitration(container: Any, people: dict[str, Any]) -> None:
    xf = people["xf_putuo"]
    p = _register(container, xf, subject="拖欠工资", facts="公司拖欠工资三个月并将我辞退，不支付经济补偿金。",
                  request="要求支付工资和补偿", respondent="某公司", respondent_unit_code=None)  # fmt: skip
    assert p["separation"]["legal"]["channel"] == "arbitration", p["separation"]
    p = _run(container, petitions.guide_to_legal, xf, p["id"], channel=None, now=T0)
    assert p["status"] == "guided_to_legal" and "仲裁" in p["events"][-1]["note"]


def test_court_matter_comes_back_through_the_coordination_record(container: Any, people: dict[str, Any]) -> None:
    xf, court = people["xf_putuo"], people["court_putuo"]
    p = _register(container, xf, subject="判决执行难", facts="法院判决对方赔偿八万元，申请执行一年仍未执行到位。",
                  respondent="", respondent_unit_code=None)  # fmt: skip
    assert p["separation"]["legal"]["unit"] == "court"
    _run(container, petitions.guide_to_legal, xf, p["id"], channel="litigation", now=T0)
    rec = _run(container, coordination.transfer, xf, p["id"], legal_unit="court", unit_code="310107-FY",
               note="涉诉信访移送", now=T0)  # fmt: skip
    assert rec["status"] == "transferred" and rec["due_at"].startswith("2026-12-05")
    rec = _run(container, coordination.step, court, rec["id"], step_name="acknowledge", text="", now=T0)
    rec = _run(container, coordination.step, court, rec["id"], step_name="result", text="已恢复执行，执行到位三万元",
               now=T0 + timedelta(days=20))  # fmt: skip
    assert rec["status"] == "result"
    with pytest.raises(Forbidden):
        _run(container, coordination.step, court, rec["id"], step_name="feedback", text="x", now=T0)
    rec = _run(container, coordination.step, xf, rec["id"], step_name="feedback", text="已电话告知信访人",
               now=T0 + timedelta(days=21))  # fmt: skip
    assert rec["status"] == "fed_back" and rec["due_at"] is None


def test_late_acknowledgement_shows_on_the_supervision_list(container: Any, people: dict[str, Any]) -> None:
    xf = people["xf_putuo"]
    p = _register(container, xf, facts="法院判决后对方不履行", respondent_unit_code=None)
    _run(container, coordination.transfer, xf, p["id"], legal_unit="court", unit_code="310107-FY", note="", now=T0)
    with container.uow() as uow:
        assert coordination.supervision(uow.session, xf, now=T0 + timedelta(days=3)) == []
        late = coordination.supervision(uow.session, xf, now=T0 + timedelta(days=7))
    assert len(late) == 1 and late[0]["due_limit"] == "coord_acknowledge"


def test_a_unit_that_does_not_handle_a_petition_cannot_see_it(container: Any, people: dict[str, Any]) -> None:
    p = _register(container, people["xf_putuo"])
    with container.uow() as uow:
        for outsider in ("yangpu_housing", "admin", "gov_putuo"):
            with pytest.raises(NotFound):
                petitions.show(uow.session, people[outsider], p["id"])
            assert petitions.list_petitions(uow.session, people[outsider]) == [], outsider


def test_the_unit_complained_about_handles_it_without_seeing_the_identity(
    container: Any, people: dict[str, Any]
) -> None:
    xf = people["xf_putuo"]
    pid = _register(container, xf)["id"]
    _run(container, petitions.accept, xf, pid, handling_unit_code="310107-FG", now=T0)
    with container.uow() as uow:
        seen = petitions.show(uow.session, people["putuo_housing"], pid)
        office = petitions.show(uow.session, xf, pid)
    assert (
        seen["petitioner"] == "王**"
        and seen["petitioner_phone"].endswith("5678")
        and "1381" not in seen["petitioner_phone"]
    )
    assert office["petitioner"] == "王建国" and office["identity_shown"]


def test_overdue_acceptance_shows_on_the_office_list(container: Any, people: dict[str, Any]) -> None:
    xf = people["xf_putuo"]
    _register(container, xf)
    with container.uow() as uow:
        assert petitions.overdue(uow.session, xf, now=T0 + timedelta(days=15)) == []
        assert len(petitions.overdue(uow.session, xf, now=T0 + timedelta(days=16))) == 1


def test_administrator_shortens_a_coordination_limit(container: Any, people: dict[str, Any]) -> None:
    with container.uow() as uow:
        limit = petitions.set_limit(uow, people["admin"], key="coord_acknowledge", days=2, now=T0)
    assert limit["days"] == 2
    with container.uow() as uow, pytest.raises(Forbidden):
        petitions.set_limit(uow, people["xf_putuo"], key="coord_acknowledge", days=1, now=T0)
