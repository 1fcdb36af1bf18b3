"""The triage workers' use cases: lease a batch of stored reports, triage them in one classifier pass, store each
result and run the intake subscribers (announce emergency → duplicates → incident → auto-dispatch).

Delivery is at least once, processing idempotent: a batch is leased (`available_at` moved `lease` into the future,
`claimed_by` set to a token unique to this lease); the reports of a batch are stored several per transaction (every
`CHUNK_SECONDS`, sooner when an acknowledgement waits for the write lock), each in its own savepoint, and only while
the lease is still ours and the case still pending: the transaction's first statement renews the lease and says
which rows are still ours, and its last deletes the rows of the reports it stored. A worker killed mid-batch leaves
the rows of its open transaction leased until the lease runs out, then any worker takes them; what it committed
had its rows deleted, so nothing is lost or done twice. What every report of a transaction reads and nobody
changes meanwhile (the system's actor, the catalogue, units, who follows its cases) is read once per transaction
(`platform.db.batch`), on SQLite the audit chain's heads are kept in memory (`audit.keep_chain`), each report's isolated
subscribers run inline in its savepoint (done again isolated when anything fails).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gridloop.cases.domain.intake import default_title
from gridloop.cases.services import audit
from gridloop.cases.services.dispatching import system_actor
from gridloop.cases.services.intake import locate_by_text
from gridloop.cases.services.lifecycle import LOCKED_CASES
from gridloop.cases.services.triage_figures import PipelineFigures as PipelineFigures  # (their callers' import)
from gridloop.cases.services.triage_figures import QueueState as QueueState
from gridloop.cases.services.triage_figures import pipeline_figures as pipeline_figures
from gridloop.cases.services.triage_figures import queue_state as queue_state
from gridloop.cases.tables import CaseRow, TriageQueueRow
from gridloop.kernel.errors import DomainError
from gridloop.kernel.events import CaseReceived
from gridloop.kernel.org import Actor
from gridloop.kernel.ports import TriageResult
from gridloop.platform.db.batch import batch_cache, batch_cached, start_batch
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.db.writelock import WriteLock, wanted
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.events import INLINE
from gridloop.platform.org.services.org import actor_by_id

log = logging.getLogger("gridloop.triage.worker")

PENDING, DONE, FAILED = "pending", "done", "failed"
TRIAGE_STATUSES = (PENDING, DONE, FAILED)
#: After this many leases a report that still fails is finished without the model (status `failed`).
MAX_ATTEMPTS = 5
DEFAULT_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Leased:
    """One leased report, with what the batch pass needs."""

    case_id: int
    title: str
    text: str
    routed: bool  # the operator gave its category and its area: dispatched before the model runs on the rest
    attempts: int
    urgency_given: bool
    number: str = ""


@dataclass(frozen=True)
class Lease:
    """A batch leased by one worker: its token and reports."""

    token: str
    items: list[Leased]
    length: timedelta = DEFAULT_LEASE


def new_token(worker: str) -> str:
    """A lease token unique to one claim by one worker."""
    return f"{worker[:40]}:{uuid.uuid4().hex[:12]}"


def claim(
    uow: UnitOfWork,
    *,
    deps: ServiceDeps,
    worker: str,
    limit: int,
    lease: timedelta = DEFAULT_LEASE,
    case_ids: Sequence[int] | None = None,
) -> Lease:
    """Lease up to `limit` due reports (oldest first; or the given ones when due), in one short transaction."""
    session = uow.session
    now = deps.clock.now()
    token = new_token(worker)
    with deps.write_lock:
        due = select(TriageQueueRow.case_id).where(TriageQueueRow.available_at <= now)
        if case_ids is not None:
            due = due.where(TriageQueueRow.case_id.in_(list(case_ids)))
        due = due.order_by(TriageQueueRow.enqueued_at, TriageQueueRow.case_id).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(session.scalars(due))
        if not ids:
            uow.rollback()
            return Lease(token, [], lease)
        session.execute(
            update(TriageQueueRow)
            .where(TriageQueueRow.case_id.in_(ids), TriageQueueRow.available_at <= now)
            .values(available_at=now + lease, claimed_by=token, attempts=TriageQueueRow.attempts + 1)
        )
        rows = session.execute(
            select(
                CaseRow.id,
                CaseRow.number,
                CaseRow.title,
                CaseRow.text,
                CaseRow.category,
                CaseRow.area_unit_id,
                TriageQueueRow.attempts,
                TriageQueueRow.urgency_given,
            )
            .join(TriageQueueRow, TriageQueueRow.case_id == CaseRow.id)
            .where(TriageQueueRow.claimed_by == token)
            .order_by(TriageQueueRow.enqueued_at, CaseRow.id)
        ).all()
        uow.commit()
    # a title made from the text (default_title) says nothing new and would change what the classifier reads:
    # triage sees only a title the caller gave, as the batch CLI does
    items = [
        Leased(
            r.id,
            "" if r.title == default_title(r.text) else r.title,
            r.text,
            r.category is not None and r.area_unit_id is not None,
            r.attempts,
            r.urgency_given,
            r.number,
        )
        for r in rows
    ]
    return Lease(token, items, lease)


def _apply(case: CaseRow, result: TriageResult, *, category_given: bool, urgency_given: bool) -> None:
    """Store what triage found (the rules intake applied before: the operator's category and urgency win)."""
    case.urgency_reason = result.urgency_reason or None
    if not category_given and result.category and not result.meaningless:
        case.category = result.category
        case.category_confidence = result.confidence
    if not urgency_given and result.urgency:
        case.urgency = result.urgency
    case.incident_type = result.incident_type or None
    if result.masked_text and result.masked_text != case.text:
        case.masked_text = result.masked_text
    if result.meaningless:
        case.meaningless_reason = result.reason or "meaningless"


def _creator(session: Session, case: CaseRow, *, now: datetime) -> Actor:
    if case.created_by_id is not None:
        user_id = case.created_by_id

        def load() -> Actor | None:
            try:
                return actor_by_id(session, user_id)
            except DomainError:  # the receiving user was disabled meanwhile: the system carries on
                return None

        actor = batch_cached(session, ("actor", user_id), load)
        if actor is not None:
            return actor
    return system_actor(session, now=now)


def finish(
    uow: UnitOfWork,
    item: Leased,
    result: TriageResult | None,
    *,
    token: str,
    deps: ServiceDeps,
    status: str = DONE,
) -> bool:
    """Store one report's triage and run the intake subscribers, in one transaction; False when the lease was lost
    (another worker took the report after our lease ran out) or the report was finished already."""
    with deps.write_lock:
        outcome = _finish_in(uow.session, item, result, token=token, deps=deps, status=status)
        if outcome is None:
            uow.rollback()
            return False
        uow.commit()
    return outcome


def _finish_in(
    session: Session,
    item: Leased,
    result: TriageResult | None,
    *,
    token: str,
    deps: ServiceDeps,
    status: str,
    ours: set[int] | None = None,
) -> bool | None:
    """One report's triage and intake subscribers in the caller's transaction: True when finished, False when it was
    finished already (its queue row is deleted), None when the lease was lost (nothing changed). `ours`: the
    reports whose rows this transaction holds leased (their rows are deleted by the caller); else its row is
    deleted here."""
    now = deps.clock.now()
    if ours is not None:
        if item.case_id not in ours:
            return None
    else:
        gone = session.execute(
            delete(TriageQueueRow).where(TriageQueueRow.case_id == item.case_id, TriageQueueRow.claimed_by == token)
        )
        if not getattr(gone, "rowcount", 0):
            return None
    case = session.get(CaseRow, item.case_id)
    if case is None or case.triage_status != PENDING:
        return False
    category_given = case.category is not None
    locate_by_text(session, case, deps)
    if result is not None:
        _apply(case, result, category_given=category_given, urgency_given=item.urgency_given)
    case.triage_status = status
    case.triaged_at = now
    if ours is None:  # the case's row is written, so locked for this transaction: perform need not select it again
        session.flush()
    # (in a batch its row was locked when loaded ahead; it is written with the first flush, e.g. a dispatch's)
    session.info.setdefault(LOCKED_CASES, set()).add(case.id)
    actor = _creator(session, case, now=now)
    deps.events.publish(
        session,
        CaseReceived(at=now, case_id=case.id, number=case.number, actor=actor, urgency=case.urgency),
        deps=deps,
    )
    return True


#: How long one transaction of `finish_many` holds the write lock at most (it lets an acknowledgement in sooner).
CHUNK_SECONDS = 0.05
#: With the process write lock (SQLite) the worker is told when an acknowledgement or another process's writer
#: waits (`wanted`) and then ends its transaction at the next report, so it may hold this many times longer: fewer
#: transactions, each reading the catalogue, units and actors once (on PostgreSQL nothing tells it, and intake
#: waits for the audit chain's head its transaction holds).
TOLD_CHUNK_FACTOR = 5


def finish_many(
    uows: Callable[[], UnitOfWork],
    todo: Sequence[tuple[Leased, TriageResult | None, str]],
    *,
    lease: Lease,
    deps: ServiceDeps,
    chunk_seconds: float | None = None,
) -> int:
    """Store the triage of many reports (item, result, status), several per transaction: each report in its own
    savepoint, so one that fails is rolled back alone (logged; its row stays leased and is retried when the lease
    runs out) while the others are committed. A transaction ends after `chunk_seconds`, or sooner when an
    acknowledgement waits for the write lock (`CHUNK_SECONDS`, longer where the lock tells: `TOLD_CHUNK_FACTOR`).
    Returns how many reports were finished.

    Killed mid-way, a worker loses only its open transaction: those reports' rows are still leased to it, so they
    are taken again after the lease, and what was committed had its rows deleted: nothing lost, nothing done twice.
    """
    if chunk_seconds is not None:
        hold = chunk_seconds
    else:
        hold = CHUNK_SECONDS * (TOLD_CHUNK_FACTOR if isinstance(deps.write_lock, WriteLock) else 1)
    done = 0
    start = 0
    while start < len(todo):
        end = start
        finished = 0
        try:
            with uows() as uow, deps.write_lock:
                session = uow.session
                ahead = [item for item, _, _ in todo[start:]]
                start_batch(session, case_ids=[i.case_id for i in ahead], case_numbers=[i.number for i in ahead])
                began = time.monotonic()
                # the transaction's first statement (SQLite: before the first savepoint) renews our lease and says
                # which rows are still ours; they stay ours (written by this transaction) until it ends
                ours = set(
                    session.scalars(
                        update(TriageQueueRow)
                        .where(TriageQueueRow.claimed_by == lease.token)
                        .values(available_at=deps.clock.now() + lease.length)
                        .returning(TriageQueueRow.case_id)
                    )
                )
                if _long_locks_ok(session):
                    audit.keep_chain(session, [i.case_id for i in ahead])
                stored: list[int] = []  # the reports stored (or found finished already): their rows go at the end
                while end < len(todo):
                    if (end - start) % LOAD_AHEAD == 0 and _long_locks_ok(session):
                        _load_ahead(session, todo[end : end + LOAD_AHEAD])
                    item, result, status = todo[end]
                    end += 1
                    outcome = _finish_one(session, item, result, token=lease.token, deps=deps, status=status, ours=ours)
                    if outcome is not None:
                        stored.append(item.case_id)
                        finished += outcome
                    if time.monotonic() - began >= hold or wanted(deps.write_lock):
                        break
                if stored:
                    session.execute(
                        delete(TriageQueueRow).where(
                            TriageQueueRow.case_id.in_(stored), TriageQueueRow.claimed_by == lease.token
                        )
                    )
                uow.commit()
            done += finished
        except Exception:  # the commit failed: these rows stay leased and are retried when the lease runs out
            log.exception("storing the triage of cases %s failed", [i.case_id for i, _, _ in todo[start:end]])
        start = end
    return done


def _long_locks_ok(session: Session) -> bool:
    """Whether a worker transaction may keep the audit chain (`audit.keep_chain`) and lock the next reports' cases
    ahead (`_load_ahead`): on SQLite, one writer at a time anyway. Not on PostgreSQL: there two workers' transactions
    then held the chain's lock and eight case rows each for their whole length and waited on each other and on the
    intake writers (bench/scale.py, 1 API × 2 workers: 45 reports/s and p99 1.2 s with them, 84 and 0.34 s without;
    2 × 2: 11 against 66 reports/s; and deadlocks)."""
    return session.get_bind().dialect.name != "postgresql"


#: How many reports' cases `finish_many` loads in one query, ahead of storing them.
LOAD_AHEAD = 8


def _load_ahead(session: Session, todo: Sequence[tuple[Leased, TriageResult | None, str]]) -> None:
    """Load the next reports' cases with their units in one query (two with the units), so each report's
    `session.get` finds its case in the session; held by the batch cache, as the session keeps only weak ones."""
    ids = [item.case_id for item, _, _ in todo]
    held = batch_cache(session)
    if ids and held is not None:
        # locked (PostgreSQL) as `load_case_for_update` would: nobody changes them under this transaction
        held[("cases ahead", ids[0])] = session.scalars(
            select(CaseRow).where(CaseRow.id.in_(ids)).with_for_update()
        ).all()


def _finish_one(
    session: Session,
    item: Leased,
    result: TriageResult | None,
    *,
    token: str,
    deps: ServiceDeps,
    status: str,
    ours: set[int],
) -> bool | None:
    """One report in its savepoint, its isolated subscribers inline (no savepoint each); when anything fails, the
    report is rolled back and done again with each isolated subscriber in its savepoint, as one by one. As
    `_finish_in`; None also when it failed (logged; its row stays leased and is retried when the lease runs out)."""
    for inline in (True, False):
        session.info[INLINE] = inline
        try:
            with session.begin_nested():
                return _finish_in(session, item, result, token=token, deps=deps, status=status, ours=ours)
        except Exception:
            session.info.get(LOCKED_CASES, set()).discard(item.case_id)
            if inline:
                log.debug("case %s failed; doing it again, each isolated subscriber in its savepoint", item.case_id)
                continue
            log.exception("storing the triage of case %s failed", item.case_id)
        finally:
            session.info.pop(INLINE, None)
    return None


def _analyse(deps: ServiceDeps, items: Sequence[Leased]) -> list[TriageResult | None] | None:
    """Triage results of a batch (one classifier pass), or None when the batch pass failed."""
    if deps.triage is None or not items:
        return [None] * len(items)
    try:
        return list(deps.triage.analyse_many([(i.title, i.text) for i in items]))
    except Exception:  # a bad report must not stop the others: they are retried one by one below
        log.exception("batch triage failed for %d reports; retrying them one by one", len(items))
        return None


def process(uows: Callable[[], UnitOfWork], lease: Lease, *, deps: ServiceDeps) -> int:
    """Triage a leased batch: operator-routed reports first (no model wait), then the rest in one batch pass.
    Returns how many reports this call finished."""
    done = 0
    _ensure_system_actor(uows, deps)
    routed = [i for i in lease.items if i.routed]
    rest = [i for i in lease.items if not i.routed]
    for group in (routed, rest):
        results = _analyse(deps, group)
        todo: list[tuple[Leased, TriageResult | None, str]] = []
        for n, item in enumerate(group):
            status = DONE
            if results is not None:
                result = results[n]
            else:
                try:
                    result = _analyse_one(deps, item)
                except Exception:
                    if item.attempts < MAX_ATTEMPTS:
                        log.exception("triage of case %s failed; retried after the lease", item.case_id)
                        continue
                    log.exception("triage of case %s failed %d times; finished without it", item.case_id, MAX_ATTEMPTS)
                    result, status = None, FAILED
            todo.append((item, result, status))
        done += finish_many(uows, todo, lease=lease, deps=deps)
    return done


def _ensure_system_actor(uows: Callable[[], UnitOfWork], deps: ServiceDeps) -> None:
    """Create the system's dispatcher account before the subscribers need it: two workers creating it at once
    inside their report transactions would make one of them lose its auto-dispatch to a unique violation."""
    from sqlalchemy.exc import IntegrityError

    with uows() as uow:
        try:
            with deps.write_lock:
                system_actor(uow.session, now=deps.clock.now())
                uow.commit()
        except IntegrityError:  # another worker created it just now
            uow.rollback()
        except LookupError:  # no organisation yet: the subscribers will say so
            uow.rollback()


def _analyse_one(deps: ServiceDeps, item: Leased) -> TriageResult | None:
    if deps.triage is None:
        return None
    return deps.triage.analyse(title=item.title, text=item.text)


def drain(
    uows: Callable[[], UnitOfWork], *, deps: ServiceDeps, worker: str = "drain", batch: int = 64, rounds: int = 1000
) -> int:
    """Triage every due report now (tests, `gridloop worker triage --once`); returns how many were finished."""
    total = 0
    for _ in range(rounds):
        with uows() as uow:
            lease = claim(uow, deps=deps, worker=worker, limit=batch)
        if not lease.items:
            break
        total += process(uows, lease, deps=deps)
    return total


def relay(
    uows: Callable[[], UnitOfWork],
    *,
    deps: ServiceDeps,
    publish: Callable[[int, str, str], None],
    limit: int = 500,
    stale: timedelta = timedelta(minutes=2),
) -> int:
    """Publish queued reports to the stream after their commit (the outbox side of JetStream): rows never
    published, and rows published `stale` ago that nobody leased since (a message lost or left unacked).
    `publish(case_id, channel, msg_id)` raises when the server did not take it; the row then stays unpublished."""
    now = deps.clock.now()
    with uows() as uow:
        rows = uow.session.execute(
            select(TriageQueueRow.case_id, TriageQueueRow.channel, TriageQueueRow.attempts)
            .where(
                (TriageQueueRow.published_at.is_(None))
                | ((TriageQueueRow.published_at < now - stale) & (TriageQueueRow.available_at <= now))
            )
            .order_by(TriageQueueRow.enqueued_at)
            .limit(limit)
        ).all()
    sent: list[int] = []
    try:
        for case_id, channel, attempts in rows:
            publish(case_id, channel, f"case-{case_id}-{attempts}")
            sent.append(case_id)
    finally:
        if sent:  # locked in key order, rows locked now skipped (PostgreSQL: being leased or finished; published
            # again later under the same message id, which JetStream drops): never waits, so the relays of several API
            # processes and the workers' leases cannot deadlock (they did: bench/city_day.py, 2 APIs × 2 workers)
            key = TriageQueueRow.case_id
            mine = select(key).where(key.in_(sent)).order_by(key).with_for_update(skip_locked=True)
            with uows() as uow, deps.write_lock:
                uow.session.execute(update(TriageQueueRow).where(key.in_(mine)).values(published_at=now))
                uow.commit()
    return len(sent)


def still_queued(session: Session, case_ids: Sequence[int]) -> dict[int, datetime]:
    """Which of these reports still wait in the queue, with when each is due again (a stream message for any
    other one is acked). A report skipped because its row was locked for a moment is due at once; one leased
    by another worker or backing off after a failure is due when its lease or back-off ends."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(TriageQueueRow.case_id, TriageQueueRow.available_at).where(TriageQueueRow.case_id.in_(list(case_ids)))
    ).all()
    return {int(case_id): available_at for case_id, available_at in rows}
