"""Extension requests (延期): what request_extension, approve_extension and reject_extension change.

Every request is a row of `case_extensions` (days, reason, who, when); a row without a decision is the one
waiting. Approving moves the reply deadline by the requested working days and records old and new deadlines.
The lifecycle's effects table calls these (cases/services/lifecycle.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridloop.cases.domain.lifecycle import ExtensionDecision
from gridloop.cases.tables import CaseExtensionRow, CaseRow
from gridloop.kernel.errors import Conflict
from gridloop.kernel.ports import DeadlinePolicy


def pending_extension(case: CaseRow) -> CaseExtensionRow | None:
    """The extension request of a case still waiting for a decision, if any."""
    return next((e for e in case.extensions if e.decision is None), None)


def request(case: CaseRow, *, days: int, reason: str | None, now: datetime, by: str) -> None:
    """Record a request for `days` more working days, made before the reply deadline."""
    if pending_extension(case) is not None:
        raise Conflict(f"Case {case.number} already has an extension request waiting for approval.")
    if case.reply_due_at is not None and now > case.reply_due_at:
        raise Conflict(
            f"The reply deadline of case {case.number} ({case.reply_due_at.isoformat()}) has passed; "
            "an extension must be requested before the deadline."
        )
    case.extensions.append(CaseExtensionRow(days=days, reason=reason, requested_at=now, requested_by=by))


def _decide(case: CaseRow, decision: ExtensionDecision, *, now: datetime, by: str) -> CaseExtensionRow:
    pending = pending_extension(case)
    verb = "approve" if decision is ExtensionDecision.APPROVED else "reject"
    if pending is None or (decision is ExtensionDecision.APPROVED and case.reply_due_at is None):
        raise Conflict(f"Case {case.number} has no extension request to {verb}.")
    pending.decision, pending.decided_at, pending.decided_by = decision.value, now, by
    return pending


def approve(case: CaseRow, *, now: datetime, by: str, deadlines: DeadlinePolicy) -> dict[str, Any]:
    """Grant the waiting request: the reply deadline moves; returns the audit payload (days, old and new due)."""
    pending = _decide(case, ExtensionDecision.APPROVED, now=now, by=by)
    assert case.reply_due_at is not None
    old = case.reply_due_at
    case.reply_due_at = deadlines.extend(old, work_days=pending.days)
    if case.due_at == old:
        case.due_at = case.reply_due_at
    pending.old_due, pending.new_due = old, case.reply_due_at
    return {"days": pending.days, "old_due": old.isoformat(), "new_due": case.reply_due_at.isoformat()}


def reject(case: CaseRow, *, now: datetime, by: str) -> None:
    """Refuse the waiting request."""
    _decide(case, ExtensionDecision.REJECTED, now=now, by=by)
