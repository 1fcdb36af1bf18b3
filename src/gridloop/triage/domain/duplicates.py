"""When two reports are the same event: thresholds on text similarity, time apart and distance, as data."""

from __future__ import annotations

import math
from dataclasses import dataclass

MERGE = "merge"
SUGGEST = "suggest"
NONE = "none"


@dataclass(frozen=True)
class DuplicatePolicy:
    """Thresholds (measured in docs/models.md on pairs labelled from hot_issues.csv)."""

    merge_similarity: float = 0.4
    suggest_similarity: float = 0.2
    window_hours: float = 30 * 24
    merge_window_hours: float = 7 * 24
    same_place_m: float = 300.0
    far_apart_m: float = 2000.0


@dataclass(frozen=True)
class DuplicateVerdict:
    """What to do with a new report given its best earlier match."""

    action: str
    other: str | None = None
    similarity: float = 0.0
    reason: str = ""


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, a)))


def judge_pair(
    similarity: float,
    *,
    hours_apart: float | None,
    distance_m: float | None,
    policy: DuplicatePolicy = DuplicatePolicy(),
) -> tuple[str, str]:
    """Action for one candidate pair and the reason: merge, suggest or none."""
    if hours_apart is not None and hours_apart > policy.window_hours:
        return NONE, f"{hours_apart / 24:.0f} days apart"
    if distance_m is not None and distance_m > policy.far_apart_m:
        return NONE, f"{distance_m:.0f} m apart"
    if similarity < policy.suggest_similarity:
        return NONE, f"text similarity {similarity:.2f}"
    where = f", {distance_m:.0f} m apart" if distance_m is not None else ""
    when = f", {hours_apart:.0f} h apart" if hours_apart is not None else ""
    close_in_time = hours_apart is None or hours_apart <= policy.merge_window_hours
    same_place = distance_m is None or distance_m <= policy.same_place_m
    if similarity >= policy.merge_similarity and close_in_time and same_place:
        return MERGE, f"text similarity {similarity:.2f}{when}{where}"
    return SUGGEST, f"text similarity {similarity:.2f}{when}{where}"
