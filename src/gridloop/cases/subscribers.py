"""Subscribers of the cases capability's own events (registered in the wiring, `bootstrap.EVENT_SUBSCRIBERS`).

After intake: announce emergencies (this module), merge or flag duplicates of an open case
(`triage.subscribers`), then auto-dispatch (`services.dispatching.dispatch_received`). Lifecycle cascades
live in `services.coordination` (`on_dispatched`, `on_returned`, `on_closed`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridloop.cases.tables import CaseRow
from gridloop.kernel.events import CaseReceived
from gridloop.kernel.ports import Notice
from gridloop.platform.deps import ServiceDeps


def announce_emergency(session: Session, event: CaseReceived, deps: ServiceDeps) -> None:
    """An emergency report is announced (through the outbox), with the words or rule that flagged it."""
    if event.urgency != "emergency":
        return
    case = session.get(CaseRow, event.case_id)
    if case is None:
        return
    incident = case.incident_type or "突发事件"
    reason = case.urgency_reason or "marked emergency at intake"
    deps.outbox.enqueue(
        session,
        Notice(
            kind="emergency",
            title=f"特急 {incident}: {case.title}",
            body=f"{reason}",
            case_number=case.number,
            payload={"district": case.district_code, "incident_type": incident},
        ),
        now=event.at,
    )
