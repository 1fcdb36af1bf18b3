"""The emergency tick: 挂牌督办 of overdue hazards, escalation of unacknowledged tasks, the monitor's clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gridloop.emergency.services.hazards import supervise_overdue
from gridloop.emergency.services.incidents import escalate_unacknowledged
from gridloop.emergency.services.readings import advance, default_monitor
from gridloop.platform.db.uow import UnitOfWork


def tick(uow: Callable[[], UnitOfWork], *, now: datetime, outbox: Any = None) -> dict[str, int]:
    """One tick (each part in its own unit of work); returns how many hazards, tasks and warnings moved."""
    with uow() as work:
        hazards = supervise_overdue(work, now=now)
    with uow() as work:
        tasks = escalate_unacknowledged(work, now=now)
    with uow() as work:  # silence is judged too: the rules' clock follows the service's
        monitored = advance(work, monitor=default_monitor(), outbox=outbox, now=now)
    return {"hazards_supervised": hazards, "tasks_escalated": tasks, "warnings_from_silence": len(monitored.messages)}
