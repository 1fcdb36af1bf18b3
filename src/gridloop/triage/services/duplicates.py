"""Duplicate use cases: judge a new report against open ones on intake, and group a batch of reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from gridloop.triage.domain.duplicates import (
    EVENT_CHARS,
    MERGE,
    NONE,
    SUGGEST,
    DuplicateVerdict,
    EventPolicy,
    EventReport,
    Place,
    extract_place,
    judge_event,
)

_RANK = {MERGE: 2, SUGGEST: 1, NONE: 0}


class ReportIndex(Protocol):
    """An index of earlier reports (see adapters/nlp/dedup.py): sketch them and add them."""

    def sketches(self, items: Sequence[tuple[str, str]], *, clean: bool = False) -> list[Any]:
        """Signatures of (title, text) pairs (`clean`: already cleaned and simplified, as triage leaves them)."""
        ...

    def add(
        self,
        key: str,
        sketch: Any,
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
    ) -> None:
        """Index a report."""
        ...


class DuplicateFinder(ReportIndex, Protocol):
    """A report index that judges a new report against the best earlier match."""

    def judge(
        self,
        sketch: Any,
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
        earlier_only: bool = False,
    ) -> DuplicateVerdict:
        """Verdict against the best earlier match (`earlier_only`: received strictly before `when`)."""
        ...


@dataclass(frozen=True)
class ReportRef:
    """What duplicate search needs to know about a report."""

    key: str
    title: str
    text: str
    when: datetime | None = None
    lng: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class GroupAssignment:
    """A report's duplicate group (the key of the group's first report) and the verdict that put it there."""

    key: str
    group: str
    verdict: DuplicateVerdict


def check_and_index(
    finder: DuplicateFinder,
    report: ReportRef,
    *,
    earlier_only: bool = False,
    index: bool = True,
    sketch: Any = None,
) -> DuplicateVerdict:
    """Judge a new report against earlier ones, then index it (unless `index` is False: it is indexed already).
    `earlier_only`: judge against reports received strictly before it only, for an index that may also hold reports
    received later (read before they were judged). `sketch`: the report's sketch when made already."""
    if sketch is None:
        sketch = finder.sketches([(report.title, report.text)])[0]
    verdict = finder.judge(sketch, when=report.when, lng=report.lng, lat=report.lat, earlier_only=earlier_only)
    if index:
        finder.add(report.key, sketch, when=report.when, lng=report.lng, lat=report.lat)
    return verdict


def group_reports(
    finder: DuplicateFinder,
    reports: Sequence[ReportRef],
    *,
    known_groups: dict[str, str] | None = None,
    clean: bool = False,
    sketches: Sequence[Any] | None = None,
) -> list[GroupAssignment]:
    """Assign duplicate groups in order: a merge joins the matched group, anything else starts one.

    `known_groups` (report key → group) carries groups between calls, e.g. the chunks of one batch; it is updated.
    `clean`: the reports' texts are already cleaned and simplified (by triage), so sketching skips that pass.
    `sketches`: the reports' sketches when made already (`finder.sketches` of the same texts, e.g. in a worker).
    """
    if sketches is None:
        sketches = finder.sketches([(r.title, r.text) for r in reports], clean=clean)
    many = getattr(finder, "judge_and_add_many", None)  # a batch form of judge-then-add, when the index has one
    if many is not None:
        verdicts: list[DuplicateVerdict] = many(
            [r.key for r in reports],
            sketches,
            whens=[r.when for r in reports],
            lngs=[r.lng for r in reports],
            lats=[r.lat for r in reports],
        )
    else:
        verdicts = []
        for report, sketch in zip(reports, sketches, strict=True):
            verdicts.append(finder.judge(sketch, when=report.when, lng=report.lng, lat=report.lat))
            finder.add(report.key, sketch, when=report.when, lng=report.lng, lat=report.lat)
    group_of = known_groups if known_groups is not None else {}
    out = []
    for report, verdict in zip(reports, verdicts, strict=True):
        group = report.key
        if verdict.action == MERGE and verdict.other is not None:
            group = group_of.get(verdict.other, verdict.other)
        group_of[report.key] = group
        out.append(GroupAssignment(report.key, group, verdict))
    return out


@dataclass
class _Pending:
    """A report at a place, read into an `EventReport` only when a later report there needs it (most places
    see one report in a window: reading every report up front cost more than the comparisons)."""

    text: str
    when: datetime | None
    category: str | None
    kind: str | None
    lng: float | None
    lat: float | None
    place: Place | None = None  # the text's place, read already to find its bucket
    _report: EventReport | None = None

    def report(self) -> EventReport:
        if self._report is None:
            self._report = EventReport.of(
                self.text,
                when=self.when,
                category=self.category,
                kind=self.kind,
                lng=self.lng,
                lat=self.lat,
                place=self.place,
            )
        return self._report


def place_bucket(place: Place) -> str | None:
    """The key under which reports at a place are compared: road suffix + 弄/号, or the landmark."""
    if place.road and place.number:
        return f"{place.road[-2:]}|{place.number}"
    if place.landmark:
        return f"@{place.landmark}"
    return None


def place_terms(place: Place) -> tuple[str, ...]:
    """Words every report at the same place contains (for a database pre-filter: `LIKE %term%` on each)."""
    if place.road and place.number:
        return (place.road[-2:], place.number)
    if place.landmark:
        return (place.landmark,)
    return ()


@dataclass(frozen=True)
class EventCandidate:
    """An earlier report to judge a new one against (from the database or the batch)."""

    key: str
    text: str
    when: datetime | None = None
    category: str | None = None
    kind: str | None = None
    lng: float | None = None
    lat: float | None = None


def judge_event_among(
    candidates: Sequence[EventCandidate],
    text: str,
    *,
    when: datetime | None = None,
    category: str | None = None,
    kind: str | None = None,
    lng: float | None = None,
    lat: float | None = None,
    policy: EventPolicy | None = None,
) -> DuplicateVerdict:
    """The best verdict of a new report against earlier ones (newest first; a merge stops the search). Stateless:
    intake passes the open reports at the same place read from the database, so reports received by other
    processes count too."""
    pol = policy or EventPolicy()
    report = EventReport.of(text, when=when, category=category, kind=kind, lng=lng, lat=lat)
    if place_bucket(report.place) is None:
        return DuplicateVerdict(NONE, reason="未识别到地址或地标")
    best = DuplicateVerdict(NONE)
    window = pol.suggest_hours * 3600
    for c in sorted(candidates, key=lambda c: c.when or datetime.min.replace(tzinfo=when.tzinfo if when else None),
                    reverse=True):  # fmt: skip
        if when is not None and c.when is not None and abs((when - c.when).total_seconds()) > window:
            continue
        other = EventReport.of(c.text, when=c.when, category=c.category, kind=c.kind, lng=c.lng, lat=c.lat)
        v = judge_event(other, report, policy=pol)
        if _RANK[v.action] > _RANK[best.action]:
            best = DuplicateVerdict(v.action, c.key, v.similarity, v.reason)
            if v.action == MERGE:
                break
    return best


class EventIndex:
    """Recent reports by place (road + 弄/号, or landmark), for duplicates by event: a new report is judged
    against earlier ones at the same place only, so the cost does not grow with the number of reports.
    In memory (one batch run); intake judges against the database instead (`judge_event_among`)."""

    def __init__(self, *, policy: EventPolicy | None = None, per_place: int = 8) -> None:
        self.policy = policy or EventPolicy()
        self.per_place = per_place
        self._by_place: dict[str, list[tuple[str, _Pending]]] = {}
        self._place_of: dict[str, str] = {}

    def place_of(self, key: str) -> str | None:
        """The place bucket of an indexed report (None when it named no place or is unknown)."""
        return self._place_of.get(key)

    @staticmethod
    def _bucket(place: Place) -> str | None:
        return place_bucket(place)

    def judge_and_add(
        self,
        key: str,
        text: str,
        *,
        when: datetime | None = None,
        category: str | None = None,
        kind: str | None = None,
        lng: float | None = None,
        lat: float | None = None,
        place: Place | None = None,
    ) -> DuplicateVerdict:
        """The best verdict against earlier reports at the same place; then the report is indexed. `place`: the
        text's `extract_place` (of its first `EVENT_CHARS` characters) when the caller has it already."""
        if place is None:
            place = extract_place(text[:EVENT_CHARS])
        bucket = self._bucket(place)
        if bucket is None:
            return DuplicateVerdict(NONE, reason="未识别到地址或地标")
        self._place_of[key] = bucket
        pending = _Pending(text, when, category, kind, lng, lat, place)
        entries = self._by_place.setdefault(bucket, [])
        best = DuplicateVerdict(NONE)
        window = self.policy.suggest_hours * 3600
        for other_key, other in reversed(entries):
            if when is not None and other.when is not None and abs((when - other.when).total_seconds()) > window:
                continue  # outside the time window: cannot be the same event
            v = judge_event(other.report(), pending.report(), policy=self.policy)
            if _RANK[v.action] > _RANK[best.action]:
                best = DuplicateVerdict(v.action, other_key, v.similarity, v.reason)
                if v.action == MERGE:
                    break
        entries.append((key, pending))
        if len(entries) > self.per_place:
            del entries[0]
        return best


def stronger(a: DuplicateVerdict, b: DuplicateVerdict) -> DuplicateVerdict:
    """The verdict with the stronger action (the first on a tie)."""
    return b if _RANK[b.action] > _RANK[a.action] else a


def judge_intake(
    report: EventCandidate,
    *,
    candidates: Sequence[EventCandidate],
    sketch: DuplicateVerdict,
    sketch_other: EventCandidate | None = None,
    policy: EventPolicy | None = None,
) -> DuplicateVerdict:
    """Intake's verdict for a new report: by event (place, time window, category, problem and text, against the
    open reports at the same place: `candidates`) and by wording (`sketch`, the best match of the sketch index,
    whose report is `sketch_other`). Merge only when confident, suggest otherwise:
    - a merge by event stands (same place, close in time, same problem);
    - a merge by wording alone becomes a suggestion when the two reports name different places (the same
      complaint at another address is another event);
    - otherwise the stronger verdict, the event's on a tie. Reasons are in Chinese for the operator.
    One report per call; a batch worker calls it once per report of its batch, in order (each report's
    candidates come from the database, so earlier reports of the batch must be stored first)."""
    event = judge_event_among(
        candidates,
        report.text,
        when=report.when,
        category=report.category,
        kind=report.kind,
        lng=report.lng,
        lat=report.lat,
        policy=policy,
    )
    mine = place_bucket(extract_place(report.text[:EVENT_CHARS]))
    theirs = place_bucket(extract_place(sketch_other.text[:EVENT_CHARS])) if sketch_other is not None else None
    return combine(event, sketch, places_differ=mine is not None and theirs is not None and mine != theirs)


def combine(event: DuplicateVerdict, sketch: DuplicateVerdict, *, places_differ: bool) -> DuplicateVerdict:
    """One decision from the event judge and the wording judge, the same in intake and the batch: a merge by
    wording alone becomes a suggestion when the two reports name different places; then the stronger verdict,
    the event's on a tie. The wording judge's reason is put in Chinese."""
    if sketch.action != NONE:
        said = f"文字相似度{sketch.similarity:.2f}"
        if sketch.action == MERGE and places_differ:
            sketch = DuplicateVerdict(SUGGEST, sketch.other, sketch.similarity, f"{said}，但地址不同：仅建议")
        else:
            sketch = DuplicateVerdict(sketch.action, sketch.other, sketch.similarity, said)
    return stronger(event, sketch)
