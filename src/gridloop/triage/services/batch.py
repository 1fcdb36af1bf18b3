"""Batch triage: many messages in, one result record per message (category, urgency, area, duplicates…)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridloop.kernel.ports import Locator, Triage
from gridloop.triage.domain.duplicates import MERGE, NONE, DuplicateVerdict
from gridloop.triage.services.duplicates import (
    DuplicateFinder,
    EventIndex,
    GroupAssignment,
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
    results = triage.analyse_many([(m.title, m.text) for m in messages])
    assigned: dict[int, GroupAssignment] | None = None
    if finder is not None:
        # meaningless messages (empty, emoji only…) describe no event: never grouped, never indexed
        judged = [i for i, r in enumerate(results) if not r.meaningless]
        # the cleaned, simplified text triage already produced (saves a second OpenCC pass)
        refs = [
            ReportRef(
                messages[i].id,
                str(results[i].extra.get("clean_title", messages[i].title)),
                str(results[i].extra.get("clean_text", messages[i].text)),
                messages[i].reported_at,
                messages[i].lng,
                messages[i].lat,
            )
            for i in judged
        ]
        found = group_reports(finder, refs, known_groups=groups, clean=True) if refs else []
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
