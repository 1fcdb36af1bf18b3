"""Duplicate use cases: judge a new report against open ones on intake, and group a batch of reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from gridloop.triage.domain.duplicates import MERGE, DuplicateVerdict


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
        self, sketch: Any, *, when: datetime | None = None, lng: float | None = None, lat: float | None = None
    ) -> DuplicateVerdict:
        """Verdict against the best earlier match."""
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


def check_and_index(finder: DuplicateFinder, report: ReportRef) -> DuplicateVerdict:
    """Judge a new report against earlier ones, then index it."""
    sketch = finder.sketches([(report.title, report.text)])[0]
    verdict = finder.judge(sketch, when=report.when, lng=report.lng, lat=report.lat)
    finder.add(report.key, sketch, when=report.when, lng=report.lng, lat=report.lat)
    return verdict


def group_reports(
    finder: DuplicateFinder,
    reports: Sequence[ReportRef],
    *,
    known_groups: dict[str, str] | None = None,
    clean: bool = False,
) -> list[GroupAssignment]:
    """Assign duplicate groups in order: a merge joins the matched group, anything else starts one.

    `known_groups` (report key → group) carries groups between calls, e.g. the chunks of one batch; it is updated.
    `clean`: the reports' texts are already cleaned and simplified (by triage), so sketching skips that pass.
    """
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
