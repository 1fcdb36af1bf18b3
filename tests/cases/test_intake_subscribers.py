"""Subscribers of CaseReceived run in the intake transaction; a failing one is logged and the report kept."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.tables import CaseRow
from gridloop.kernel.events import CaseReceived
from gridloop.platform.org.services import org


def _operator(container):
    with container.uow() as uow:
        return org.actor_for(org.get_user(uow.session, "operator"))


def test_a_failing_intake_subscriber_is_logged_and_the_report_is_kept(container, caplog):
    seen: list[str] = []

    def broken(session, event, deps) -> None:
        case = session.get(CaseRow, event.case_id)
        case.masked_text = "half_done"  # rolled back with the subscriber's savepoint
        raise RuntimeError("downstream failure")

    def after(session, event, deps) -> None:
        seen.append(event.number)

    container.deps.events.subscribe(CaseReceived, 25, broken, isolated=True)
    container.deps.events.subscribe(CaseReceived, 40, after, isolated=True)
    with caplog.at_level(logging.ERROR, logger="gridloop.events"), container.uow() as uow:
        case, created = receive(uow, _operator(container), NewCase(text="路灯不亮", area_code="310107"),
                                deps=container.deps)  # fmt: skip
    assert created and seen == [case.number], "the next subscribers still ran"
    assert any("broken" in r.getMessage() for r in caplog.records), "the failure is logged"
    with container.uow() as uow:
        stored = uow.session.scalar(select(CaseRow).where(CaseRow.number == case.number))
        assert stored is not None and stored.masked_text != "half_done"
        assert uow.session.scalar(select(func.count()).select_from(CaseRow)) == 1


def test_subscribers_see_the_case_inside_the_intake_transaction(container):
    statuses: list[str] = []

    def look(session, event, deps) -> None:
        statuses.append(session.get(CaseRow, event.case_id).status)

    container.deps.events.subscribe(CaseReceived, 5, look, isolated=True)
    with container.uow() as uow:
        receive(uow, _operator(container), NewCase(text="路灯不亮", area_code="310107"), deps=container.deps)
    assert statuses == ["received"]


def test_the_emergency_announcement_carries_no_personal_data(container):
    from gridloop.cases.subscribers import announce_emergency
    from gridloop.platform.db.outbox import OutboxRow

    container.deps.events.subscribe(CaseReceived, 10, announce_emergency, isolated=True)
    with container.uow() as uow:
        receive(uow, _operator(container),
                NewCase(title="3号楼着火 电话13812345678", text="3号楼着火了，浓烟很大", area_code="310107",
                        urgency="emergency"),
                deps=container.deps)  # fmt: skip
    with container.uow() as uow:
        payloads = [str(r.payload) for r in uow.session.scalars(select(OutboxRow))]
    assert payloads, "the emergency was announced through the outbox"
    assert all("13812345678" not in p for p in payloads), payloads
