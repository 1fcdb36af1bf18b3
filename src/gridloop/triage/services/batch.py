"""Batch triage: many messages in, one result record per message (category, urgency, area, duplicates…)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridloop.kernel.ports import Locator, Triage, TriageResult
from gridloop.triage.domain.duplicates import EVENT_CHARS, MERGE, NONE, DuplicateVerdict, Place, extract_place
from gridloop.triage.services.duplicates import (
    DuplicateFinder,
    EventIndex,
    GroupAssignment,
    ReportIndex,
    ReportRef,
    combine,
    group_reports,
)


@dataclass(frozen=True)
class InputMessage:
    """One line of the input file, already parsed."""

    id: str
    title: str
    text: str
    reported_at: datetime | None = None
    lng: float | None = None
    lat: float | None = None
    crs: str | None = None
    address: str | None = None


def _area(locator: Locator | None, m: InputMessage) -> dict[str, Any] | None:
    if locator is None:
        return None
    match = None
    if m.lng is not None and m.lat is not None:
        match = locator.locate_point(m.lng, m.lat, m.crs or "wgs84")
    if match is None:
        found = locator.locate_text(m.address or f"{m.title} {m.text}"[:300])
        match = found[0] if found else None
    if match is None:
        return None
    return {
        "district_code": match.district_code,
        "street_code": match.street_code,
        "community_code": match.community_code,
        "grid_code": match.duty_grid_code or match.cell_code,
        "name": match.name,
        "method": match.method,
    }


@dataclass(frozen=True)
class Analysed:
    """What one message's triage stage found, before duplicate grouping: the triage result, and for a message that
    is not meaningless its wording sketch and its place (`None` when duplicates are not sought)."""

    result: TriageResult
    sketch: Any = None
    place: Place | None = None


def analyse_chunk(
    items: Sequence[tuple[str, str]],
    *,
    triage: Triage,
    finder: ReportIndex | None = None,
    events: bool = False,
) -> list[Analysed]:
    """The per-message stage of a batch, for (title, text) pairs: triage, and with `finder` each wording sketch,
    with `events` each place. Depends on no other message, so it may run in another process (see cli/batch.py)."""
    results = triage.analyse_many(items)
    judged = [i for i, r in enumerate(results) if not r.meaningless]
    sketches: list[Any] = [None] * len(results)
    places: list[Place | None] = [None] * len(results)
    if finder is not None and judged:
        # the cleaned, simplified text triage already produced (saves a second OpenCC pass)
        cleaned = [_cleaned(results[i], items[i]) for i in judged]
        for i, sk in zip(judged, finder.sketches(cleaned, clean=True), strict=True):
            sketches[i] = sk
        if events:
            for i, (_, text) in zip(judged, cleaned, strict=True):
                places[i] = extract_place(text[:EVENT_CHARS])
    return [Analysed(r, sk, pl) for r, sk, pl in zip(results, sketches, places, strict=True)]


def _cleaned(result: TriageResult, item: tuple[str, str]) -> tuple[str, str]:
    return str(result.extra.get("clean_title", item[0])), str(result.extra.get("clean_text", item[1]))


def triage_chunk(
    messages: Sequence[InputMessage],
    *,
    triage: Triage,
    finder: DuplicateFinder | None = None,
    locator: Locator | None = None,
    groups: dict[str, str] | None = None,
    events: EventIndex | None = None,
) -> list[dict[str, Any]]:
    """Result records for a chunk of messages (the duplicate indexes, and `groups` when given, carry over between
    chunks). With `events`, a report is also judged by event (place, time, problem): the stronger verdict wins."""
    analysed = analyse_chunk(
        [(m.title, m.text) for m in messages], triage=triage, finder=finder, events=events is not None
    )
    return group_chunk(messages, analysed, finder=finder, locator=locator, groups=groups, events=events)


def group_chunk(
    messages: Sequence[InputMessage],
    analysed: Sequence[Analysed],
    *,
    finder: DuplicateFinder | None = None,
    locator: Locator | None = None,
    groups: dict[str, str] | None = None,
    events: EventIndex | None = None,
) -> list[dict[str, Any]]:
    """The order-dependent stage of a batch: duplicate groups (wording, then event) of analysed messages, in input
    order, against everything indexed before; then the result records."""
    results = [a.result for a in analysed]
    assigned: dict[int, GroupAssignment] | None = None
    if finder is not None:
        # meaningless messages (empty, emoji only…) describe no event: never grouped, never indexed
        judged = [i for i, r in enumerate(results) if not r.meaningless]
        refs = []
        for i in judged:
            m = messages[i]
            title, text = _cleaned(results[i], (m.title, m.text))
            refs.append(ReportRef(m.id, title, text, m.reported_at, m.lng, m.lat))
        sketches = [analysed[i].sketch for i in judged]
        found = group_reports(finder, refs, known_groups=groups, clean=True, sketches=sketches) if refs else []
        if events is not None:
            group_of = groups if groups is not None else {g.key: g.group for g in found}
            for n, (i, g) in enumerate(zip(judged, found, strict=True)):
                r = results[i]
                kind = r.extra.get("incident_kind")
                ev = events.judge_and_add(
                    g.key,
                    refs[n].text,
                    when=refs[n].when,
                    category=r.category,
                    kind=str(kind) if kind else None,
                    lng=refs[n].lng,
                    lat=refs[n].lat,
                    place=analysed[i].place,
                )
                mine = events.place_of(g.key)
                theirs = events.place_of(g.verdict.other) if g.verdict.other else None
                best = combine(ev, g.verdict, places_differ=bool(mine and theirs and mine != theirs))
                if best.action != g.verdict.action or best.other != g.verdict.other or best.reason != g.verdict.reason:
                    group = group_of.get(best.other or "", best.other) if best.action == MERGE else g.key
                    group_of[g.key] = group or g.key
                    found[n] = GroupAssignment(g.key, group or g.key, best)
        assigned = dict(zip(judged, found, strict=True))
    out = []
    for i, (m, r) in enumerate(zip(messages, results, strict=True)):
        rec: dict[str, Any] = {
            "id": m.id,
            "category": r.category,
            "confidence": round(r.confidence, 4),
            "needs_review": bool(r.extra.get("needs_review", r.category is None)),
            "category_reason": r.reason,
            "meaningless": r.meaningless,
            "urgency": r.urgency,
            "urgency_reason": r.urgency_reason,
            "incident_type": r.incident_type,
            "area": _area(locator, m),
            "masked_title": r.extra.get("masked_title", ""),
            "masked_text": r.masked_text,
        }
        if assigned is not None:
            g = assigned.get(i) or GroupAssignment(m.id, m.id, DuplicateVerdict(NONE, reason="meaningless text"))
            rec["duplicate_group"] = g.group
            rec["duplicate_action"] = g.verdict.action
            rec["duplicate_of"] = g.verdict.other
            rec["duplicate_similarity"] = g.verdict.similarity
            rec["duplicate_reason"] = g.verdict.reason
        out.append(rec)
    return out
