"""The emergency supervision tick: 挂牌督办 of overdue hazards, then escalation of unacknowledged tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gridloop.emergency.services.hazards import supervise_overdue
from gridloop.emergency.services.incidents import escalate_unacknowledged
from gridloop.platform.db.uow import UnitOfWork


def tick(uow: Callable[[], UnitOfWork], *, now: datetime) -> dict[str, int]:
    """One tick (each part in its own unit of work); returns how many hazards and tasks moved."""
    with uow() as work:
        hazards = supervise_overdue(work, now=now)
    with uow() as work:
        tasks = escalate_unacknowledged(work, now=now)
    return {"hazards_supervised": hazards, "tasks_escalated": tasks}
