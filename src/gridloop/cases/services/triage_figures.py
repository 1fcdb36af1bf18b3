"""What an operator monitors of the triage pipeline (`/metrics`, `gridloop worker status`): the queue's depth and
oldest age, recent triage lags, the outbox, overdue cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.cases.tables import CaseRow, TriageQueueRow


@dataclass(frozen=True)
class QueueState:
    """What `/metrics` and `gridloop worker status` show about the queue."""

    depth: int
    oldest_age_seconds: float
    unpublished: int
    oldest_unpublished_age_seconds: float


def queue_state(session: Session, *, now: datetime) -> QueueState:
    """Depth and oldest age of the pending-triage queue, and of the rows not yet published to JetStream."""
    depth, oldest = session.execute(select(func.count(), func.min(TriageQueueRow.enqueued_at))).one()
    unpub, oldest_unpub = session.execute(
        select(func.count(), func.min(TriageQueueRow.enqueued_at)).where(TriageQueueRow.published_at.is_(None))
    ).one()

    def age(t: datetime | None) -> float:
        return max((now - t).total_seconds(), 0.0) if t is not None else 0.0

    return QueueState(int(depth or 0), age(oldest), int(unpub or 0), age(oldest_unpub))


@dataclass(frozen=True)
class PipelineFigures:
    """What an operator monitors (`/metrics`): the triage queue, recent triage lags, the outbox, overdue cases."""

    queue: QueueState
    recent_lags_seconds: list[float]
    outbox_pending: int
    outbox_oldest_age_seconds: float
    overdue_open_cases: int


def pipeline_figures(session: Session, *, now: datetime, window: timedelta = timedelta(minutes=5)) -> PipelineFigures:
    """The figures, each one indexed read (lags: reports triaged within `window`)."""
    from gridloop.cases.domain.lifecycle import OPEN_STATUSES
    from gridloop.platform.db.outbox import FAILED as OUTBOX_FAILED
    from gridloop.platform.db.outbox import PENDING as OUTBOX_PENDING
    from gridloop.platform.db.outbox import OutboxRow

    lags = [
        max((t - r).total_seconds(), 0.0)
        for r, t in session.execute(
            select(CaseRow.received_at, CaseRow.triaged_at).where(CaseRow.triaged_at >= now - window).limit(100_000)
        )
        if t is not None
    ]
    pending, oldest = session.execute(
        select(func.count(), func.min(OutboxRow.created_at)).where(OutboxRow.state.in_([OUTBOX_PENDING, OUTBOX_FAILED]))
    ).one()
    overdue = session.scalar(
        select(func.count())
        .select_from(CaseRow)
        .where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]), CaseRow.due_at < now)
    )
    return PipelineFigures(
        queue_state(session, now=now),
        lags,
        int(pending or 0),
        max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0,
        int(overdue or 0),
    )
