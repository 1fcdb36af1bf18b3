"""Response teams: their status, and the travel-time port that ranks candidates nearest first.

`adapters/travel.py` has `StraightLine` (great-circle distance, numpy over the candidates, minutes at a fixed
speed). A road-network ETA (an OSRM/Valhalla table call, or a city's own routing service) plugs in as another
`TravelTimes`: it receives the incident point and the candidates already filtered by skill, duty and status,
and returns them soonest first; the services never know which one they use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from gridloop.kernel.labels import LabeledEnum


class TeamStatus(LabeledEnum):
    """Whether a team can be sent."""

    AVAILABLE = ("available", "待命", "Available", "#22c55e")
    DEPLOYED = ("deployed", "出动中", "Deployed", "#f59e0b")
    UNAVAILABLE = ("unavailable", "不可用", "Unavailable", "#6b7280")


@dataclass(frozen=True)
class Candidate:
    """A team that could go: id, base point (WGS 84)."""

    team_id: int
    lng: float
    lat: float


@dataclass(frozen=True)
class Ranked:
    """A candidate with its distance and estimated travel time."""

    team_id: int
    distance_km: float
    minutes: float


class TravelTimes(Protocol):
    """Orders candidates by how soon they can be at a point."""

    def rank(
        self, lng: float, lat: float, candidates: Sequence[Candidate], *, limit: int | None = None
    ) -> list[Ranked]:
        """Candidates nearest (soonest) first; only the first `limit` when given."""
        ...
