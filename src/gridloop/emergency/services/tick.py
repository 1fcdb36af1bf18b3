"""The emergency tick: 挂牌督办 of overdue hazards, escalation of unacknowledged tasks, the monitor's clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gridloop.emergency.services.hazards import supervise_overdue
from gridloop.emergency.services.incidents import escalate_unacknowledged
from gridloop.emergency.services.readings import advance, live_monitors
from gridloop.platform.db.uow import UnitOfWork


def tick(
    uow: Callable[[], UnitOfWork], *, now: datetime, outbox: Any = None, readings_partitions: int = 1
) -> dict[str, int]:
    """One tick (each part in its own unit of work); returns how many hazards, tasks and warnings moved."""
    with uow() as work:
        hazards = supervise_overdue(work, now=now)
    with uow() as work:
        tasks = escalate_unacknowledged(work, now=now)
    silence = 0
    for monitor in live_monitors(readings_partitions):  # silence is judged too: the rules' clock follows the service's
        with uow() as work:
            silence += len(advance(work, monitor=monitor, outbox=outbox, now=now).messages)
    return {"hazards_supervised": hazards, "tasks_escalated": tasks, "warnings_from_silence": silence}
