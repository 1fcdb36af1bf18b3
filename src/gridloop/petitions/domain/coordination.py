"""The coordination record with political-legal units: transfer → acknowledgement → result → feedback to the
petitioner, as a table, with a deadline for each step (limits.py keys coord_*)."""

from __future__ import annotations

from datetime import datetime

from gridloop.kernel.errors import Conflict
from gridloop.petitions.domain.model import CoordinationStatus

#: step name → (status it needs, status it leads to, the time limit that starts when it is done, or None)
STEPS: dict[str, tuple[CoordinationStatus, CoordinationStatus, str | None]] = {
    "acknowledge": (CoordinationStatus.TRANSFERRED, CoordinationStatus.ACKNOWLEDGED, "coord_result"),
    "result": (CoordinationStatus.ACKNOWLEDGED, CoordinationStatus.RESULT, "coord_feedback"),
    "feedback": (CoordinationStatus.RESULT, CoordinationStatus.FED_BACK, None),
}

#: the time limit running while a record is in a status (for supervision)
RUNNING_LIMIT: dict[CoordinationStatus, str] = {
    CoordinationStatus.TRANSFERRED: "coord_acknowledge",
    CoordinationStatus.ACKNOWLEDGED: "coord_result",
    CoordinationStatus.RESULT: "coord_feedback",
}


def next_step(status: CoordinationStatus, step: str) -> tuple[CoordinationStatus, str | None]:
    """The status after a step and the limit that then starts, or Conflict."""
    if step not in STEPS:
        raise Conflict(f"unknown coordination step {step!r}; known: {', '.join(STEPS)}")
    needs, leads_to, limit = STEPS[step]
    if status is not needs:
        raise Conflict(f"coordination step '{step}' needs status '{needs.value}', the record is '{status.value}'")
    return leads_to, limit


def is_overdue(status: CoordinationStatus, due_at: datetime | None, *, now: datetime) -> bool:
    """Whether the step the record waits for is late."""
    return status in RUNNING_LIMIT and due_at is not None and now > due_at
