"""The simulated clock of a drill run: piecewise linear in real time, so any real instant maps to run time.

The clock is a list of segments `(real, sim, speed)`: from real instant `real` on, run time is
`sim + (t − real) × speed` seconds. Speed 0 is paused; a step jumps the run time and pauses. Changes only append
a segment, so the mapping of past instants never changes (scores stay comparable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_SPEED = 3600.0


@dataclass(frozen=True)
class Segment:
    """From `real` on, run seconds = `sim` + elapsed real seconds × `speed`."""

    real: datetime
    sim: float
    speed: float

    def as_dict(self) -> dict[str, Any]:
        """JSON form (stored on the run)."""
        return {"real": self.real.isoformat(), "sim": self.sim, "speed": self.speed}

    @classmethod
    def of(cls, d: dict[str, Any]) -> Segment:
        """From the JSON form."""
        return cls(datetime.fromisoformat(d["real"]), float(d["sim"]), float(d["speed"]))


def check_speed(speed: float) -> float:
    """A speed of 0 (paused) up to MAX_SPEED; ValueError otherwise."""
    if not (0 <= speed <= MAX_SPEED):
        raise ValueError(f"speed is 0 (paused) … {MAX_SPEED:g}")
    return float(speed)


def sim_seconds(segments: list[Segment], real: datetime) -> float:
    """Run seconds at a real instant (before the start: 0)."""
    if not segments or real < segments[0].real:
        return 0.0
    seg = segments[0]
    for s in segments:
        if s.real <= real:
            seg = s
        else:
            break
    return seg.sim + (real - seg.real).total_seconds() * seg.speed


def set_speed(segments: list[Segment], now: datetime, speed: float) -> list[Segment]:
    """Continue from now at another speed (0 pauses)."""
    return [*segments, Segment(now, sim_seconds(segments, now), check_speed(speed))]


def jump(segments: list[Segment], now: datetime, to_sim: float) -> list[Segment]:
    """Step: the run time jumps forward to `to_sim` and the clock pauses there."""
    here = sim_seconds(segments, now)
    return [*segments, Segment(now, max(here, to_sim), 0.0)]


def speed_now(segments: list[Segment]) -> float:
    """The current speed."""
    return segments[-1].speed if segments else 0.0
