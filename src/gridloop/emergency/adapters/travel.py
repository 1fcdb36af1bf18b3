"""Travel times by straight line: haversine distance over the candidates (numpy), minutes at a fixed speed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gridloop.emergency.domain.teams import Candidate, Ranked
from gridloop.kernel.errors import InvalidInput

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lng: float, lat: float, lngs: Sequence[float], lats: Sequence[float]) -> np.ndarray:
    """Great-circle distances in km from one point to many."""
    lo, la = np.radians(np.asarray(lngs, dtype=float)), np.radians(np.asarray(lats, dtype=float))
    p_lo, p_la = math.radians(lng), math.radians(lat)
    h = np.sin((la - p_la) / 2) ** 2 + math.cos(p_la) * np.cos(la) * np.sin((lo - p_lo) / 2) ** 2
    distances: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))
    return distances


@dataclass(frozen=True)
class StraightLine:
    """Straight-line distance at a fixed speed (urban default 30 km/h); ties go to the lower team id."""

    speed_kmh: float = 30.0

    def rank(
        self, lng: float, lat: float, candidates: Sequence[Candidate], *, limit: int | None = None
    ) -> list[Ranked]:
        """Candidates nearest first (ties: the lower team id); only the first `limit` when given."""
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise InvalidInput("the incident point is out of range (WGS 84 degrees)")
        if not candidates:
            return []
        km = haversine_km(lng, lat, [c.lng for c in candidates], [c.lat for c in candidates])
        order = np.lexsort((np.asarray([c.team_id for c in candidates]), km))[:limit]
        return [
            Ranked(candidates[i].team_id, round(float(km[i]), 3), round(float(km[i]) / self.speed_kmh * 60, 1))
            for i in order
        ]
