"""The single writer path of intake: plain reports are stored by one writer thread per process, a batch per
transaction (group commit).

Reports that arrive while a transaction is being written wait for the next one and are stored together: each
with its own number, first audit event and `triage_queue` row (`intake.prepare_case` for each, then
`intake.store_new_cases` for all: a few statements and one commit per batch). A report is acknowledged only
after the commit of the transaction that stored it, so what was acknowledged is durable. A report refused by
validation (a `DomainError`, raised before anything is written) fails alone; any other failure rolls the batch
back and its reports are stored again one by one, each in its own transaction, so one bad report never fails the
others.

Reports with an Idempotency-Key or settled on the spot go through `intake.receive` (they read or change more than
a new case).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gridloop.cases.services.intake import NewCase, prepare_case, store_new_cases
from gridloop.cases.services.queries import case_to_dict, unit_codes
from gridloop.cases.tables import CaseRow
from gridloop.kernel.errors import DomainError
from gridloop.kernel.org import Actor
from gridloop.platform.db.transient import is_transient
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.db.writelock import first
from gridloop.platform.deps import ServiceDeps

log = logging.getLogger("gridloop.intake.writer")

#: Most reports stored in one transaction.
MAX_BATCH = 64
#: Times a transaction that lost a deadlock (PostgreSQL) is run again before its reports are answered with the error.
RETRIES = 3


@dataclass(frozen=True)
class Stored:
    """A stored report: its case id and the case as the submitter sees it (`queries.case_to_dict`), made in the
    writer's session (after triage when it already ran: tests)."""

    case_id: int
    answer: dict[str, Any]


Done = Callable[[Stored | None, BaseException | None], None]


@dataclass(frozen=True)
class _Pending:  # a submitted report and whom to tell
    actor: Actor
    data: NewCase
    done: Done


class IntakeWriter:
    """One writer thread storing submitted reports in batches; started on the first report."""

    def __init__(self, uows: Callable[[], UnitOfWork], deps: ServiceDeps, *, max_batch: int = MAX_BATCH) -> None:
        self._uows = uows
        self._deps = deps
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, actor: Actor, data: NewCase, done: Done) -> None:
        """Queue a report; `done(stored, None)` or `done(None, error)` is called from the writer thread."""
        self._queue.put(_Pending(actor, data, done))
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="gridloop-intake-writer", daemon=True)
                    self._thread.start()

    async def receive(self, actor: Actor, data: NewCase) -> Stored:
        """Store a report and wait (without holding the event loop) until its transaction is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()

        def settle(stored: Stored | None, error: BaseException | None) -> None:
            if future.done():  # the caller went away meanwhile
                return
            if error is not None:
                future.set_exception(error)
            else:
                assert stored is not None
                future.set_result(stored)

        def done(stored: Stored | None, error: BaseException | None) -> None:
            loop.call_soon_threadsafe(settle, stored, error)

        self.submit(actor, data, done)
        return await future

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                results = self.store([(item.actor, item.data) for item in batch])
            except Exception as exc:  # the writer must survive anything: every waiting report is answered
                log.exception("intake writer pass failed")
                results = [exc] * len(batch)
            for item, result in zip(batch, results, strict=True):
                if isinstance(result, Stored):
                    item.done(result, None)
                else:
                    item.done(None, result)

    def store(self, reports: list[tuple[Actor, NewCase]]) -> list[Stored | BaseException]:
        """Store reports in one transaction, or one by one when that fails for another reason than a refused
        report; for each report, what was stored or why it was not. A transaction PostgreSQL picked as a
        deadlock's victim (or could not serialise) is run again, up to `RETRIES` times: nothing of it was stored."""
        try:
            return self._store_retrying(reports)
        except Exception as exc:
            if len(reports) == 1:
                return [exc]
            log.warning("a batch of %d reports failed (%s); storing them one by one", len(reports), exc)
            results: list[Stored | BaseException] = []
            for report in reports:
                results += self.store([report])
            return results

    def _store_retrying(self, reports: list[tuple[Actor, NewCase]]) -> list[Stored | BaseException]:
        for attempt in range(RETRIES + 1):
            try:
                return self._store(reports)
            except Exception as exc:
                if attempt == RETRIES or not is_transient(exc):
                    raise
                log.warning("storing %d reports: %s; trying again", len(reports), type(exc).__name__)
                time.sleep(0.005 * (attempt + 1) * (1 + random.random()))
        raise AssertionError("unreachable")

    def _store(self, reports: list[tuple[Actor, NewCase]]) -> list[Stored | BaseException]:
        deps = self._deps
        with self._uows() as uow:
            now = deps.clock.now()
            outcomes: list[CaseRow | BaseException] = []
            for actor, data in reports:
                try:
                    outcomes.append(prepare_case(uow.session, actor, data, deps=deps, now=now))
                except DomainError as refused:  # nothing of this report was written
                    outcomes.append(refused)
            prepared = [
                (actor, data, case)
                for (actor, data), case in zip(reports, outcomes, strict=True)
                if isinstance(case, CaseRow)
            ]
            with first(deps.write_lock):  # an acknowledgement goes before background writers
                store_new_cases(uow.session, prepared, deps=deps, now=now)
                uow.commit()
            try:  # stored: whatever fails from here on is answered, never stored again
                return self._answers(uow, reports, outcomes)
            except Exception as exc:
                log.exception("answering %d stored reports failed", len(prepared))
                return [exc] * len(reports)

    def _answers(
        self, uow: UnitOfWork, reports: list[tuple[Actor, NewCase]], outcomes: list[CaseRow | BaseException]
    ) -> list[Stored | BaseException]:
        """After the commit: wake the triage workers, then each report's answer (read again when triage already
        ran: tests)."""
        deps = self._deps
        stored = [case for case in outcomes if isinstance(case, CaseRow)]
        if stored and deps.triage_kick():
            for row in stored:
                uow.session.refresh(row)
            uow.commit()  # end the read
        results: list[Stored | BaseException] = []
        for (actor, _data), case in zip(reports, outcomes, strict=True):
            if not isinstance(case, CaseRow):
                results.append(case)
                continue
            units = unit_codes(uow.session, [case]) if case.units else {}
            results.append(Stored(case.id, case_to_dict(case, actor, units=units, now=deps.clock.now())))
        return results


def writer_of(uows: Callable[[], UnitOfWork], deps: ServiceDeps) -> IntakeWriter:
    """The process's intake writer for these dependencies (made on first use)."""
    writer = deps.writers.get("intake")
    if writer is None:
        writer = deps.writers.setdefault("intake", IntakeWriter(uows, deps))
    assert isinstance(writer, IntakeWriter)
    return writer
