"""Subscribers of the cases capability's own events (registered in the wiring, `bootstrap.EVENT_SUBSCRIBERS`).

After intake: announce emergencies (this module), merge or flag duplicates of an open case
(`triage.subscribers`), then auto-dispatch (`services.dispatching.dispatch_received`). Lifecycle cascades
live in `services.coordination` (`on_dispatched`, `on_closed`); a case returned twice is escalated here
(`escalate_after_returns`, it takes a lifecycle action).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridloop.cases.services.coordination import RETURN_LIMIT
from gridloop.cases.services.dispatching import system_actor
from gridloop.cases.services.lifecycle import ActionRequest, perform
from gridloop.cases.tables import CaseRow
from gridloop.kernel.events import CaseReceived, CaseReturned
from gridloop.kernel.ports import Notice
from gridloop.kernel.privacy import mask_personal_data
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
            title=f"特急 {incident}: {mask_personal_data(case.title)}",  # notices leave the process: no personal data
            body=f"{reason}",
            case_number=case.number,
            payload={"district": case.district_code, "incident_type": incident},
        ),
        now=event.at,
    )


def escalate_after_returns(session: Session, event: CaseReturned, deps: ServiceDeps) -> None:
    """Subscriber of `CaseReturned`: the second return escalates the case to the coordinating level, by the system."""
    if event.return_count < RETURN_LIMIT:
        return
    actor = system_actor(session, now=event.at)
    reason = f"returned {event.return_count} times; 三跨 coordination needed"
    perform(session, actor, event.case_id, ActionRequest(action="escalate", reason=reason), deps=deps)
