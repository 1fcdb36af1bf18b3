"""What happens right after a report is received, inside the intake transaction (ServiceDeps.after_receive):
announce emergencies, then merge or flag duplicates of an open case, then auto-dispatch (services/dispatching)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.domain.lifecycle import OPEN_STATUSES, Status
from gridloop.cases.services.lifecycle import ActionRequest, perform
from gridloop.cases.tables import CaseRow
from gridloop.kernel.errors import DomainError
from gridloop.kernel.org import Actor
from gridloop.kernel.ports import Notice
from gridloop.platform.deps import ServiceDeps
from gridloop.triage.domain.duplicates import MERGE, SUGGEST
from gridloop.triage.services.duplicates import DuplicateFinder, ReportRef, check_and_index


def announce_emergency(session: Session, case: CaseRow, actor: Actor, now: datetime, deps: ServiceDeps) -> None:
    """An emergency report is announced at once, with the words or rule that flagged it."""
    if case.urgency != "emergency":
        return
    incident = case.extra.get("incident_type") or "突发事件"
    reason = case.extra.get("urgency_reason") or "marked emergency at intake"
    deps.notifier.notify(
        Notice(
            kind="emergency",
            title=f"特急 {incident}: {case.title}",
            body=f"{reason}",
            case_number=case.number,
            payload={"district": case.district_code, "incident_type": incident},
        )
    )


@dataclass
class OpenCaseIndex:
    """The duplicate index of recent open cases, loaded from the database on first use, then kept current."""

    build: Callable[[Sequence[ReportRef]], DuplicateFinder]
    window: timedelta = timedelta(days=30)
    _finder: DuplicateFinder | None = None
    _lock: Lock = field(default_factory=Lock)

    def finder(self, session: Session, *, now: datetime) -> DuplicateFinder:
        """The index (built from open cases received within the window when first asked)."""
        with self._lock:
            if self._finder is None:
                rows = session.execute(
                    select(CaseRow.number, CaseRow.title, CaseRow.text, CaseRow.received_at, CaseRow.lng_wgs84,
                           CaseRow.lat_wgs84)
                    .where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]),
                           CaseRow.received_at >= now - self.window)
                    .order_by(CaseRow.received_at)
                ).all()  # fmt: skip
                self._finder = self.build([ReportRef(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows])
            return self._finder

    def hook(self, session: Session, case: CaseRow, actor: Actor, now: datetime, deps: ServiceDeps) -> None:
        """Merge the report into an open case it duplicates, or suggest the match to the operator."""
        if case.status != Status.RECEIVED.value or case.extra.get("meaningless"):
            return
        finder = self.finder(session, now=now)
        with self._lock:
            verdict = check_and_index(
                finder,
                ReportRef(case.number, case.title, case.text, case.received_at, case.lng_wgs84, case.lat_wgs84),
            )
        if verdict.other is None or verdict.action not in (MERGE, SUGGEST):
            return
        parent = session.scalar(select(CaseRow).where(CaseRow.number == verdict.other))
        if parent is None or Status(parent.status) not in OPEN_STATUSES:
            return
        info = {"number": parent.number, "similarity": round(verdict.similarity, 3), "reason": verdict.reason}
        if verdict.action == MERGE:
            from gridloop.cases.services.dispatching import system_actor

            try:
                perform(
                    session,
                    system_actor(session, now=now),
                    case.id,
                    ActionRequest(action="merge", parent=parent.number, note=f"自动并单: {verdict.reason}"),
                    deps=deps,
                )
                case.extra = {**case.extra, "duplicate_of": info}
                return
            except DomainError:
                pass  # e.g. the parent is outside the system's reach: fall back to a suggestion
        case.extra = {**case.extra, "duplicate_suggestion": info}
