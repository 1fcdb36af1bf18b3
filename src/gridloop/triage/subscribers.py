"""Triage's subscriber of `CaseReceived`: merge the report into an open case it duplicates, or suggest the match.

Two judges (services/duplicates.judge_intake): by event — the open reports at the same place (road + lane, or
landmark) read from the database, so reports received by any process count — and by wording (the sketch index
of open cases, loaded from the database on first use and brought up to date before every report with the cases
stored since, by id, by any process). Merge only when confident, suggest otherwise; the reason is in Chinese
("同一地址 长寿路500弄，相隔40分钟，均为渗漏水").

It reads and changes cases only through the cases capability's services (`cases.services.reports`).
The handler keeps the `handler(session, event, deps)` shape, so a batch worker can call it report by report.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock
from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases.services import reports
from gridloop.kernel.events import CaseReceived
from gridloop.platform.db.batch import batch_cache
from gridloop.platform.deps import ServiceDeps
from gridloop.triage.domain.duplicates import (
    EVENT_CHARS,
    MERGE,
    SUGGEST,
    EventPolicy,
    extract_place,
    place_key,
    place_keys,
)
from gridloop.triage.domain.urgency import assess_urgency
from gridloop.triage.services.duplicates import (
    DuplicateFinder,
    EventCandidate,
    ReportRef,
    check_and_index,
    judge_intake,
    place_terms,
)

#: At most this many sketches of reports read before they were judged are kept (see `OpenCaseIndex._unjudged`).
_UNJUDGED_KEPT = 10_000

_GAP_SECONDS = 30.0
"""How long an id missing below the newest one seen is looked for again (a report whose transaction took its id
before a newer one and committed after it); after that it is taken for a rolled-back insert."""


def _candidate(r: reports.ReportFacts) -> EventCandidate:
    text = f"{r.title} {r.text}".strip() if r.title and r.title not in r.text else r.text
    kind = assess_urgency(text[:EVENT_CHARS].lower()).kind
    return EventCandidate(r.number, text, r.received_at, r.category, kind, r.lng, r.lat)


@dataclass
class _AtPlace:
    """The reports naming one place: when each was received (epoch seconds) and its number, in the order indexed
    (mostly by time). Two flat sequences, about 16 bytes a report (the number's string is the one `_seen` holds)."""

    whens: array[float] = field(default_factory=lambda: array("d"))
    numbers: list[str] = field(default_factory=list)

    def add(self, when: float, number: str) -> None:
        self.whens.append(when)
        self.numbers.append(number)

    def drop_before(self, oldest: float) -> None:
        # the first is the oldest but for reports indexed out of order; one older left behind is still outside the
        # window asked for (`between`), so looking at the first is enough
        if self.whens and self.whens[0] < oldest:
            keep = [i for i, w in enumerate(self.whens) if w >= oldest]
            self.whens = array("d", (self.whens[i] for i in keep))
            self.numbers = [self.numbers[i] for i in keep]

    def remove(self, number: str) -> None:
        for i in range(len(self.numbers) - 1, -1, -1):  # a report just indexed is near the end
            if self.numbers[i] == number:
                del self.numbers[i]
                del self.whens[i]
                return

    def between(self, since: float, before: float) -> set[str]:
        return {n for w, n in zip(self.whens, self.numbers, strict=True) if since <= w < before}


@dataclass
class OpenCaseIndex:
    """The wording index of recent open cases: built from the database on first use, then brought up to date with
    it before every report by reading only the cases stored since (by id, by any process), so a report another
    process took is found as a duplicate as surely as one this process took."""

    build: Callable[[Sequence[ReportRef]], DuplicateFinder]
    window: timedelta = timedelta(days=30)
    policy: EventPolicy = field(default_factory=EventPolicy)
    monotonic: Callable[[], float] = time.monotonic
    _finder: DuplicateFinder | None = None
    _seen: set[str] = field(default_factory=set)
    #: The highest case id read so far.
    _high: int = 0
    #: Ids below `_high` not read yet (their transaction had not committed), with when they were first missed.
    _gaps: dict[int, float] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)
    #: Sketches of reports read by a catch-up before they were judged (made in one pass), until they are judged.
    _unjudged: dict[str, Any] = field(default_factory=dict)
    #: The reports indexed, by the places they name (`place_keys`).
    _by_place: dict[str, _AtPlace] = field(default_factory=dict)

    def _add_places(
        self, number: str, title: str | None, text: str, when: datetime, keys: set[str] | None = None
    ) -> None:
        for key in place_keys(f"{title} {text}" if title else text) if keys is None else keys:
            at = self._by_place.get(key)
            if at is None:
                at = self._by_place[key] = _AtPlace()
            at.add(when.timestamp(), number)

    def _drop_places(self, number: str, keys: set[str]) -> None:
        """Take a report out of the index of places (merged: no longer an open report to compare with)."""
        with self._lock:
            for key in keys:
                at = self._by_place.get(key)
                if at is not None:
                    at.remove(number)

    def at_place(self, key: str, *, since: datetime, before: datetime, now: datetime) -> set[str]:
        """The numbers of the reports indexed that name the place of `key`, received in [since, before); entries
        older than the window are dropped on the way."""
        with self._lock:
            at = self._by_place.get(key)
            if at is None:
                return set()
            at.drop_before((now - self.window).timestamp())
            return at.between(since.timestamp(), before.timestamp())

    def finder(self, session: Session, *, now: datetime, skip: str | None = None) -> DuplicateFinder:
        """The index, with every open case stored since the last look (by any process) added, except `skip`."""
        with self._lock:
            if self._finder is None:
                self._high = reports.newest_case_id(session)  # first: what is stored after it is read next time
                rows = [r for r in reports.open_reports(session, since=now - self.window) if r.number != skip]
                self._finder = self.build(
                    [ReportRef(r.number, r.title, r.text, r.received_at, r.lng, r.lat) for r in rows]
                )
                self._seen.update(r.number for r in rows)
                for r in rows:
                    self._add_places(r.number, r.title, r.text, r.received_at)
            else:
                # once per batch transaction: the reports it stores were read by the first catch-up (and what
                # this transaction stores is no new case); outside one, before every report
                cache = batch_cache(session)
                key = ("duplicate index caught up", id(self))
                if cache is None or key not in cache:
                    self._catch_up(session, now=now, skip=skip)
                    if cache is not None:
                        cache[key] = True
            return self._finder

    def _catch_up(self, session: Session, *, now: datetime, skip: str | None) -> None:
        assert self._finder is not None
        found = reports.reports_after(session, after_id=self._high, also=self._gaps.keys())
        mono = self.monotonic()
        read = {case_id for case_id, _ in found}
        newest = max(read, default=self._high)
        if newest - self._high <= len(read) + 1000:  # not a jump of the id sequence (explicit ids, a restore)
            for missing in range(self._high + 1, newest):
                if missing not in read:
                    self._gaps[missing] = mono
        for case_id in read:
            self._gaps.pop(case_id, None)
        for case_id, since in list(self._gaps.items()):
            if mono - since > _GAP_SECONDS:
                del self._gaps[case_id]
        self._high = max(self._high, newest)
        oldest = now - self.window
        new = [
            r
            for _, r in found
            if r is not None and r.number not in self._seen and r.number != skip and r.received_at >= oldest
        ]
        if new:
            sketches = self._finder.sketches([(r.title, r.text) for r in new])
            if len(self._unjudged) > _UNJUDGED_KEPT:  # judged elsewhere (another process took them)
                self._unjudged.clear()
            for r, sk in zip(new, sketches, strict=True):
                self._finder.add(r.number, sk, when=r.received_at, lng=r.lng, lat=r.lat)
                self._seen.add(r.number)
                self._add_places(r.number, r.title, r.text, r.received_at)
                if r.status == "received":
                    self._unjudged[r.number] = sk

    def merge_duplicates(self, session: Session, event: CaseReceived, deps: ServiceDeps) -> None:
        """Subscriber of `CaseReceived`: merge into the open case the report duplicates, or suggest the match."""
        # what it reads is other reports, received before this one: this report's pending changes need not be
        # written first (they are, with the merge's or a later flush)
        with session.no_autoflush:
            self._merge_duplicates(session, event, deps)

    def _merge_duplicates(self, session: Session, event: CaseReceived, deps: ServiceDeps) -> None:
        facts = reports.report_facts(session, event.case_id)
        if facts is None or facts.status != "received" or facts.meaningless:
            return
        finder = self.finder(session, now=event.at, skip=facts.number)
        # the index also holds reports stored but not judged yet (read while they waited for a triage worker, by
        # any process): a report is judged against the ones received before it only, never itself or a later one,
        # so the verdict does not depend on the order or the batches in which workers take the reports
        with self._lock:
            ref = ReportRef(facts.number, facts.title, facts.text, facts.received_at, facts.lng, facts.lat)
            new = facts.number not in self._seen
            sketch = check_and_index(
                finder, ref, earlier_only=True, index=new, sketch=self._unjudged.pop(facts.number, None)
            )
            self._seen.add(facts.number)
            keys = place_keys(f"{facts.title} {facts.text}" if facts.title else facts.text) if new else None
            if keys is not None:
                self._add_places(facts.number, facts.title, facts.text, facts.received_at, keys)
        mine = _candidate(facts)
        since = facts.received_at - timedelta(hours=self.policy.suggest_hours)
        place = extract_place(mine.text[:EVENT_CHARS])
        key = place_key(place)
        # the earlier reports naming this place, from the index of places (kept up to date with every process's
        # reports with the wording index); a place without a key is searched by its words in every open report
        among = None if key is None else self.at_place(key, since=since, before=facts.received_at, now=event.at)
        near = reports.open_reports_mentioning(
            session,
            terms=place_terms(place),
            since=since,
            exclude=facts.number,
            before=facts.received_at,
            among=among,
        )
        other = None
        other_facts = None
        if sketch.other is not None and sketch.action in (MERGE, SUGGEST):
            found = next((r for r in near if r.number == sketch.other), None)
            other_facts = found or reports.report_facts_by_number(session, sketch.other)
            other = _candidate(other_facts) if other_facts else None
        verdict = judge_intake(
            mine, candidates=[_candidate(r) for r in near], sketch=sketch, sketch_other=other, policy=self.policy
        )
        if verdict.other is None or verdict.action not in (MERGE, SUGGEST):
            return
        # the statuses (and ids) read for this report just now (nothing changed since); else ask
        read = {r.number: r for r in near} | ({other_facts.number: other_facts} if other_facts else {})
        known = read.get(verdict.other)
        if not (reports.status_is_open(known.status) if known is not None else reports.is_open(session, verdict.other)):
            return
        merged = verdict.action == MERGE and reports.merge_duplicate(
            session, event.case_id, parent=verdict.other, note=f"自动并单: {verdict.reason}", deps=deps
        )
        if merged:
            # one event reported a thousand times must not make every later report read a thousand merged numbers
            # (were this transaction rolled back, the report is taken again and merged again)
            self._drop_places(
                facts.number, keys or place_keys(f"{facts.title} {facts.text}" if facts.title else facts.text)
            )
        reports.note_duplicate(
            session,
            event.case_id,
            of=verdict.other,
            merged=merged,
            similarity=round(verdict.similarity, 3),
            reason=verdict.reason,
            of_id=known.case_id if known is not None else None,
        )
