"""What the emergency loop does when other capabilities publish events (subscriptions listed in bootstrap)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases.services.lifecycle import load_case_for_update
from gridloop.emergency.services.incidents import open_or_join_from_case
from gridloop.kernel.events import CaseReceived


def open_or_join_incident(session: Session, event: CaseReceived, deps: Any) -> None:
    """A report received as an emergency opens or joins an incident, inside the intake transaction."""
    if event.urgency != "emergency":
        return
    case = load_case_for_update(session, event.case_id)
    open_or_join_from_case(session, case, event.actor, event.at)
