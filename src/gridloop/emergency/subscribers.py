"""What the emergency loop does when other capabilities report something (hooks wired in bootstrap)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridloop.emergency.services.incidents import open_or_join_from_case
from gridloop.kernel.org import Actor


def emergency_case_to_incident(session: Any, case: Any, actor: Actor, now: datetime, deps: Any) -> None:
    """After intake: a report flagged as an emergency opens or joins an incident (inside the intake transaction)."""
    open_or_join_from_case(session, case, actor, now)
