"""Triage's subscriber of `CaseReceived`: merge the report into an open case it duplicates, or suggest the match.

It reads and changes cases only through the cases capability's services (`cases.services.reports`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock

from sqlalchemy.orm import Session

from gridloop.cases.services import reports
from gridloop.kernel.events import CaseReceived
from gridloop.platform.deps import ServiceDeps
from gridloop.triage.domain.duplicates import MERGE, SUGGEST
from gridloop.triage.services.duplicates import DuplicateFinder, ReportRef, check_and_index


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
                rows = reports.open_reports(session, since=now - self.window)
                self._finder = self.build(
                    [ReportRef(r.number, r.title, r.text, r.received_at, r.lng, r.lat) for r in rows]
                )
            return self._finder

    def merge_duplicates(self, session: Session, event: CaseReceived, deps: ServiceDeps) -> None:
        """Subscriber of `CaseReceived`: merge into the open case the report duplicates, or suggest the match."""
        facts = reports.report_facts(session, event.case_id)
        if facts is None or facts.status != "received" or facts.meaningless:
            return
        finder = self.finder(session, now=event.at)
        with self._lock:
            verdict = check_and_index(
                finder, ReportRef(facts.number, facts.title, facts.text, facts.received_at, facts.lng, facts.lat)
            )
        if verdict.other is None or verdict.action not in (MERGE, SUGGEST):
            return
        if not reports.is_open(session, verdict.other):
            return
        merged = verdict.action == MERGE and reports.merge_duplicate(
            session, event.case_id, parent=verdict.other, note=f"自动并单: {verdict.reason}", deps=deps
        )
        reports.note_duplicate(
            session,
            event.case_id,
            of=verdict.other,
            merged=merged,
            similarity=round(verdict.similarity, 3),
            reason=verdict.reason,
        )
