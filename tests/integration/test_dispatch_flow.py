"""The whole dispatch loop on the demo city: auto-dispatch by the catalogue, deadlines, supervision from above."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gridloop.cases.services.supervision import scheduled_tick
from gridloop.cases.tables import SupervisionRow
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.org.tables import UnitRow
from tests.factories import case_body

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo_catalogue(container, clock):
    with container.uow() as uow:
        version = load_demo_catalogue(uow, now=clock.now())
        return version.id


def _local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(SH)


def test_putuo_housing_case_is_dispatched_automatically_with_working_day_deadlines(as_user, demo_catalogue):
    operator = as_user("operator")
    r = operator.post("/api/v1/cases", json=case_body())
    assert r.status_code == 201, r.text
    case = operator.get(f"/api/v1/cases/{r.json()['id']}").json()
    assert case["status"] == "dispatched" and case["lead_unit"] == "310107-FG", case
    # received Thu 26 Nov 2026 10:00 → sign by the end of Fri 27 Nov, reply (complaint, 5wd) by Thu 3 Dec
    assert _local(case["due_at"]) == datetime(2026, 11, 27, 23, 59, 59, tzinfo=SH)
    events = operator.get(f"/api/v1/cases/{case['id']}/timeline").json()["items"]
    dispatch = events[-1]
    assert dispatch["action"] == "dispatch" and dispatch["payload"]["lead_unit"] == "310107-FG"
    assert _local(dispatch["payload"]["reply_due_at"]) == datetime(2026, 12, 3, 23, 59, 59, tzinfo=SH)
    assert dispatch["payload"]["co_units"] == ["310107-CG"]


def test_auto_dispatched_case_records_the_catalogue_version(container, as_user, demo_catalogue):
    from gridloop.cases.tables import CaseRow

    case_id = as_user("operator").post("/api/v1/cases", json=case_body()).json()["id"]
    with container.uow() as uow:
        row = uow.session.get(CaseRow, case_id)
        assert row.catalogue_version == demo_catalogue
        assert row.dispatch_auto is True


def test_low_confidence_case_waits_with_a_suggestion(container, as_user, demo_catalogue):
    container.deps.auto_dispatch_threshold = 1.01  # above any confidence
    operator = as_user("operator")
    case_id = operator.post("/api/v1/cases", json=case_body()).json()["id"]
    from gridloop.cases.tables import CaseRow

    with container.uow() as uow:
        row = uow.session.get(CaseRow, case_id)
        assert row.status == "received"
        assert row.dispatch_auto is False
        assert row.suggested_unit == "310107-FG" and "needs a dispatcher" in (row.suggest_reason or "")


def test_emergency_is_dispatched_at_once_whatever_the_confidence(container, as_user, demo_catalogue):
    container.deps.auto_dispatch_threshold = 1.01
    operator = as_user("operator")
    case_id = operator.post("/api/v1/cases", json=case_body(urgency="emergency")).json()["id"]
    case = operator.get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "dispatched"
    assert (_local(case["due_at"]) - datetime(2026, 11, 26, 10, tzinfo=SH)).total_seconds() == 3600


def test_case_without_rule_waits_in_the_queue(as_user):
    operator = as_user("operator")
    case = operator.get(f"/api/v1/cases/{operator.post('/api/v1/cases', json=case_body()).json()['id']}").json()
    assert case["status"] == "received"


def test_left_alone_the_case_is_supervised_from_the_district(container, as_user, clock, demo_catalogue):
    case_id = as_user("operator").post("/api/v1/cases", json=case_body()).json()["id"]
    tick = lambda: scheduled_tick(  # noqa: E731
        container.uow, settings=container.settings, outbox=container.deps.outbox, now=clock.now()
    )
    clock.set(datetime(2026, 11, 27, 9, tzinfo=SH))
    assert tick().due_soon == 1
    clock.set(datetime(2026, 11, 30, 9, tzinfo=SH))  # Monday: signing was due Friday
    assert tick().supervised == 1
    assert tick().examined == 0
    with container.uow() as uow:
        sup = uow.session.scalars(select(SupervisionRow).where(SupervisionRow.case_id == case_id)).one()
        district = uow.session.scalar(select(UnitRow).where(UnitRow.code == "310107"))
        assert (sup.level, sup.step, sup.addressed_unit_id) == (1, "sign", district.id)


def test_the_rules_reply_limit_sets_the_reply_deadline(container, as_user, clock, demo_catalogue):
    from dataclasses import replace

    from gridloop.dispatch.services import catalogue as svc
    from gridloop.kernel.sla import TimeLimit

    with container.uow() as uow:
        rule = next(
            r for r in svc.active_catalogue(uow.session).rules if r.category == "城乡建设" and r.area_code == "310107"
        )
        limits = {**rule.limits, "complaint": TimeLimit.parse("3wd")}
        svc.update_rule(uow, rule.id, replace(rule, limits=limits), by="test", now=clock.now())
    operator = as_user("operator")
    case_id = operator.post("/api/v1/cases", json=case_body()).json()["id"]
    dispatch = operator.get(f"/api/v1/cases/{case_id}/timeline").json()["items"][-1]
    # Thu 26 Nov + 3 working days = Tue 1 Dec
    assert _local(dispatch["payload"]["reply_due_at"]) == datetime(2026, 12, 1, 23, 59, 59, tzinfo=SH)


def test_a_stale_rule_never_loses_the_report(container, as_user, demo_catalogue):
    from sqlalchemy import update

    from gridloop.dispatch.tables import CatalogueRuleRow

    with container.uow() as uow:
        uow.session.execute(
            update(CatalogueRuleRow)
            .where(CatalogueRuleRow.category == "城乡建设", CatalogueRuleRow.area_code == "310107")
            .values(lead_unit_code="GONE")
        )
        uow.commit()
    operator = as_user("operator")
    r = operator.post("/api/v1/cases", json=case_body())
    assert r.status_code == 201, r.text
    from gridloop.cases.tables import CaseRow

    with container.uow() as uow:
        row = uow.session.get(CaseRow, r.json()["id"])
        assert row.status == "received"
        assert row.dispatch_auto is False and "automatic dispatch failed" in (row.suggest_reason or "")
