"""Extension requests (延期): effects of request_extension, approve_extension and reject_extension.

Every request is a row of `case_extensions` (days, reason, who, when); a row without a decision is the one
waiting. Approving moves the reply deadline by the requested working days and records old and new deadlines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridloop.cases.domain.lifecycle import ExtensionDecision
from gridloop.cases.tables import CaseExtensionRow, CaseRow
from gridloop.kernel.errors import Conflict

if TYPE_CHECKING:
    from gridloop.cases.services.lifecycle import Step


def pending_extension(case: CaseRow) -> CaseExtensionRow | None:
    """The extension request of a case still waiting for a decision, if any."""
    return next((e for e in case.extensions if e.decision is None), None)


def request(step: Step) -> None:
    """Effect of `request_extension` (the caller has checked that the actor belongs to the lead unit)."""
    case = step.case
    if pending_extension(case) is not None:
        raise Conflict(f"Case {case.number} already has an extension request waiting for approval.")
    if case.reply_due_at is not None and step.now > case.reply_due_at:
        raise Conflict(
            f"The reply deadline of case {case.number} ({case.reply_due_at.isoformat()}) has passed; "
            "an extension must be requested before the deadline."
        )
    assert step.req.days is not None
    case.extensions.append(
        CaseExtensionRow(
            days=step.req.days,
            reason=step.req.reason or step.req.note,
            requested_at=step.now,
            requested_by=step.actor.username,
        )
    )
    step.payload["days"] = step.req.days


def _decide(step: Step, decision: ExtensionDecision) -> CaseExtensionRow:
    pending = pending_extension(step.case)
    verb = "approve" if decision is ExtensionDecision.APPROVED else "reject"
    if pending is None or (decision is ExtensionDecision.APPROVED and step.case.reply_due_at is None):
        raise Conflict(f"Case {step.case.number} has no extension request to {verb}.")
    pending.decision = decision.value
    pending.decided_at = step.now
    pending.decided_by = step.actor.username
    return pending


def approve(step: Step) -> None:
    """Effect of `approve_extension`: the reply deadline moves by the requested working days."""
    case = step.case
    pending = _decide(step, ExtensionDecision.APPROVED)
    assert case.reply_due_at is not None
    old = case.reply_due_at
    case.reply_due_at = step.deps.deadlines.extend(old, work_days=pending.days)
    if case.due_at == old:
        case.due_at = case.reply_due_at
    pending.old_due, pending.new_due = old, case.reply_due_at
    step.payload.update({"days": pending.days, "old_due": old.isoformat(), "new_due": case.reply_due_at.isoformat()})


def reject(step: Step) -> None:
    """Effect of `reject_extension`."""
    _decide(step, ExtensionDecision.REJECTED)
