"""The single writer path of intake: plain reports are stored by one writer thread per process, a batch per
transaction (group commit).

Reports that arrive while a transaction is being written wait for the next one and are stored together: each
with its own number, first audit event and `triage_queue` row (`intake.create_case`, exactly as one at a time),
one commit for all. A report is acknowledged only after the commit of the transaction that stored it, so what
was acknowledged is durable. A report refused by validation (a `DomainError`, raised before anything is written)
fails alone; any other failure rolls the batch back and its reports are stored again one by one, each in its own
transaction, so one bad report never fails the others.

Reports with an Idempotency-Key or settled on the spot go through `intake.receive` (they read or change more than
a new case).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gridloop.cases.services.intake import NewCase, create_case
from gridloop.cases.services.queries import case_to_dict, unit_codes
from gridloop.cases.tables import CaseRow
from gridloop.kernel.errors import DomainError
from gridloop.kernel.org import Actor
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps

log = logging.getLogger("gridloop.intake.writer")

#: Most reports stored in one transaction.
MAX_BATCH = 64


@dataclass(frozen=True)
class Stored:
    """A stored report: its case id and the case as the submitter sees it (`queries.case_to_dict`), made in the
    writer's session (after triage when it already ran: tests)."""

    case_id: int
    answer: dict[str, Any]


Done = Callable[[Stored | None, BaseException | None], None]


@dataclass(frozen=True)
class _Pending:
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

        self.submit(actor, data, lambda stored, error: loop.call_soon_threadsafe(settle, stored, error))
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
                self._write(batch)
            except Exception:  # the writer must survive anything; every report has been answered by _write
                log.exception("intake writer pass failed")

    def _write(self, batch: list[_Pending]) -> None:
        """Store a batch in one transaction; on a failure other than a refused report, one by one."""
        deps = self._deps
        outcomes: list[tuple[_Pending, CaseRow | None, BaseException | None]] = []
        try:
            with self._uows() as uow:
                with deps.write_lock:
                    for item in batch:
                        try:
                            case, _created = create_case(uow.session, item.actor, item.data, deps=deps)
                        except DomainError as refused:  # raised before anything of this report was written
                            outcomes.append((item, None, refused))
                            continue
                        outcomes.append((item, case, None))
                    uow.commit()
                answers = self._answers(uow, outcomes)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].done(None, exc)
                return
            log.warning("a batch of %d reports failed (%s); storing them one by one", len(batch), exc)
            for item in batch:
                self._write([item])
            return
        for item, stored, error in answers:
            item.done(stored, error)

    def _answers(
        self, uow: UnitOfWork, outcomes: list[tuple[_Pending, CaseRow | None, BaseException | None]]
    ) -> list[tuple[_Pending, Stored | None, BaseException | None]]:
        """After the commit: wake the triage workers; read the cases again when triage already ran (tests)."""
        stored = [case for _item, case, _error in outcomes if case is not None]
        if stored and self._deps.triage_kick():
            for case in stored:
                uow.session.refresh(case)
            uow.commit()  # end the read
        now = self._deps.clock.now()
        answers: list[tuple[_Pending, Stored | None, BaseException | None]] = []
        for item, case, error in outcomes:
            if case is None:
                answers.append((item, None, error))
                continue
            units = unit_codes(uow.session, [case]) if case.units else {}
            answers.append((item, Stored(case.id, case_to_dict(case, item.actor, units=units, now=now)), None))
        return answers


def writer_of(uows: Callable[[], UnitOfWork], deps: ServiceDeps) -> IntakeWriter:
    """The process's intake writer for these dependencies (made on first use)."""
    writer = deps.writers.get("intake")
    if writer is None:
        writer = deps.writers.setdefault("intake", IntakeWriter(uows, deps))
    assert isinstance(writer, IntakeWriter)
    return writer
