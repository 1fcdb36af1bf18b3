"""The intake writer stores reports that arrive together in one transaction, each complete (number, first audit
event, queue row), and one bad report never costs the others theirs."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from gridloop.cases.services import audit, intake
from gridloop.cases.services.intake import NewCase
from gridloop.cases.services.intake_writer import IntakeWriter, Stored, writer_of
from gridloop.cases.tables import CaseEventRow, CaseRow, TriageQueueRow
from gridloop.kernel.errors import DomainError
from gridloop.platform.org.services import org


def _operator(container):
    with container.uow() as uow:
        return org.actor_for(org.get_user(uow.session, "operator"))


def _count(container, table) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def _report(i: int) -> NewCase:
    return NewCase(text=f"第{i}号路灯不亮，晚上很危险", area_code="310107")


def test_a_batch_stores_every_report_with_its_own_number_event_and_queue_row(container):
    container.deps.triage_kick = lambda: False  # leave the queue rows for the count below
    actor = _operator(container)
    results = IntakeWriter(container.uow, container.deps).store([(actor, _report(i)) for i in range(5)])
    assert all(isinstance(r, Stored) for r in results), results
    numbers = [r.answer["number"] for r in results if isinstance(r, Stored)]
    assert [int(n[-5:]) for n in numbers] == [1, 2, 3, 4, 5], f"numbers in submission order: {numbers}"
    assert all(r.answer["triage_status"] == "pending" for r in results if isinstance(r, Stored))
    assert (_count(container, CaseRow), _count(container, CaseEventRow), _count(container, TriageQueueRow)) == (5, 5, 5)
    with container.uow() as uow:
        assert audit.verify(uow.session).ok


def test_a_refused_report_fails_alone_and_the_rest_of_its_batch_is_stored(container):
    actor = _operator(container)
    reports = [(actor, _report(1)), (actor, NewCase(text="路灯不亮", area_code="nowhere")), (actor, _report(3))]
    results = IntakeWriter(container.uow, container.deps).store(reports)
    assert isinstance(results[0], Stored) and isinstance(results[2], Stored), results
    assert isinstance(results[1], DomainError), f"the unknown area is refused: {results[1]!r}"
    assert _count(container, CaseRow) == 2


def test_a_report_failing_after_its_insert_costs_the_others_nothing(container, monkeypatch):
    actor = _operator(container)
    real = intake._receive_payload

    def breaks_on_the_second(case):
        if "第2号" in case.text:
            raise RuntimeError("downstream failure")
        return real(case)

    monkeypatch.setattr(intake, "_receive_payload", breaks_on_the_second)
    results = IntakeWriter(container.uow, container.deps).store([(actor, _report(i)) for i in (1, 2, 3)])
    assert [type(r).__name__ for r in results] == ["Stored", "RuntimeError", "Stored"]
    with container.uow() as uow:
        texts = sorted(uow.session.scalars(select(CaseRow.text)).all())
        assert texts == [_report(1).text, _report(3).text], "no half-written second report"
        assert audit.verify(uow.session).ok


def test_concurrent_reports_through_the_writer_thread_get_unique_numbers_and_a_valid_chain(container):
    actor = _operator(container)
    writer = writer_of(container.uow, container.deps)

    async def submit_all() -> list[Stored]:
        return list(await asyncio.gather(*(writer.receive(actor, _report(i)) for i in range(30))))

    stored = asyncio.run(submit_all())
    numbers = {s.answer["number"] for s in stored}
    assert len(numbers) == 30 and sorted(int(n[-5:]) for n in numbers) == list(range(1, 31))
    assert _count(container, CaseEventRow) == 30
    with container.uow() as uow:
        assert audit.verify(uow.session).ok


class _Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg's DeadlockDetected carries


def test_a_transaction_that_lost_a_deadlock_is_run_again_and_its_reports_stored_once(container, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from gridloop.cases.services import intake_writer

    actor = _operator(container)
    real = intake_writer.store_new_cases
    calls = []

    def loses_the_first_deadlock(session, prepared, **kw):
        calls.append(len(prepared))
        if len(calls) == 1:
            real(session, prepared, **kw)  # written, then rolled back as PostgreSQL does to a deadlock's victim
            raise OperationalError("UPDATE audit_heads …", {}, _Deadlock("deadlock detected"))
        return real(session, prepared, **kw)

    monkeypatch.setattr(intake_writer, "store_new_cases", loses_the_first_deadlock)
    results = IntakeWriter(container.uow, container.deps).store([(actor, _report(i)) for i in (1, 2)])
    assert [type(r).__name__ for r in results] == ["Stored", "Stored"] and calls == [2, 2]
    assert _count(container, CaseRow) == 2
    with container.uow() as uow:
        assert audit.verify(uow.session).ok


def test_an_error_that_is_not_a_deadlock_is_not_retried(container, monkeypatch):
    from gridloop.cases.services import intake_writer

    actor = _operator(container)
    calls = []

    def breaks(session, prepared, **kw):
        calls.append(len(prepared))
        raise RuntimeError("disk full")

    monkeypatch.setattr(intake_writer, "store_new_cases", breaks)
    results = IntakeWriter(container.uow, container.deps).store([(actor, _report(1))])
    assert [type(r).__name__ for r in results] == ["RuntimeError"] and calls == [1]


def test_deadlocks_and_serialisation_failures_are_transient_and_nothing_else_is():
    from sqlalchemy.exc import IntegrityError, OperationalError

    from gridloop.platform.db.transient import is_transient

    class _Unique(Exception):
        sqlstate = "23505"

    class _Serial(Exception):
        sqlstate = "40001"

    wrapped = RuntimeError("batch failed")
    wrapped.__cause__ = OperationalError("x", {}, _Deadlock())
    assert is_transient(OperationalError("x", {}, _Deadlock())) and is_transient(OperationalError("x", {}, _Serial()))
    assert is_transient(wrapped)
    assert not is_transient(IntegrityError("x", {}, _Unique())) and not is_transient(RuntimeError("x"))
