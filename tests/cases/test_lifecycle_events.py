"""Lifecycle actions and the supervision tick publish domain events; their notices wait in the outbox."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gridloop.cases.services.supervision import scheduled_tick
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.kernel.events import CaseDispatched, DeadlineMissed
from gridloop.platform.db.outbox import OutboxRow
from tests.factories import case_body

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo_catalogue(container, clock):
    with container.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())


def test_auto_dispatch_publishes_case_dispatched_in_the_intake_transaction(container, as_user, demo_catalogue):
    heard: list[CaseDispatched] = []
    container.deps.events.subscribe(CaseDispatched, 90, lambda _s, event, _d: heard.append(event))
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    assert case["status"] == "dispatched", case
    assert [(e.number, e.action, e.actor.username) for e in heard] == [(case["number"], "dispatch", "system")]


def test_an_overdue_case_publishes_deadline_missed_and_queues_its_notice(container, as_user, clock, demo_catalogue):
    missed: list[DeadlineMissed] = []
    container.deps.events.subscribe(DeadlineMissed, 10, lambda _s, event, _d: missed.append(event))
    number = as_user("operator").post("/api/v1/cases", json=case_body()).json()["number"]
    clock.set(datetime(2026, 11, 30, 9, tzinfo=SH))  # Monday: signing was due Friday
    scheduled_tick(container.uow, settings=container.settings, outbox=container.deps.outbox, deps=container.deps,
                   now=clock.now())  # fmt: skip
    assert [(e.number, e.step, e.level, e.addressed_unit) for e in missed] == [(number, "sign", 1, "310107")]
    with container.uow() as uow:
        topics = uow.session.scalars(select(OutboxRow.topic).where(OutboxRow.state == "pending")).all()
    assert "supervision" in topics, topics
