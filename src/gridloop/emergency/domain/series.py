"""The series of one station and metric, and the measures the alarm rules take over it (windowed sums, means,
rates of change, the latest value, staleness). Pure: no clock, no I/O."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Kind(StrEnum):
    """What a rule measures over the series of one station and metric."""

    THRESHOLD = "threshold"  # the latest valid value (within the window, when the step has one)
    ROLLING_SUM = "rolling_sum"  # sum of the valid values with ts in (now - window, now]
    ROLLING_MEAN = "rolling_mean"  # mean of the same values
    RATE_OF_CHANGE = "rate_of_change"  # (last - first) / hours between them, over the window
    STALENESS = "staleness"  # hours since the last valid value (or since the station was first seen)


@dataclass
class Series:
    """The valid values of one station and metric, trimmed to what the rules look at."""

    first_seen: datetime
    last_valid: datetime | None = None
    points: deque[tuple[datetime, float]] = field(default_factory=deque)

    def add(self, ts: datetime, value: float | None, keep: timedelta) -> None:
        if value is None:
            return
        self.points.append((ts, value))
        self.last_valid = ts if self.last_valid is None or ts > self.last_valid else self.last_valid
        while self.points and self.points[0][0] <= ts - keep:
            self.points.popleft()

    def measures(self, kind: Kind, windows: tuple[timedelta, ...], now: datetime) -> list[float | None]:
        """The measure over each window (ascending), in one pass from the newest value back."""
        if kind is Kind.STALENESS:
            since = self.last_valid or self.first_seen
            return [(now - since).total_seconds() / 3600.0] * len(windows)
        if kind is Kind.THRESHOLD:
            if not self.points:
                return [None] * len(windows)
            ts, value = self.points[-1]
            return [value if w <= timedelta(0) or ts > now - w else None for w in windows]
        if kind is not Kind.RATE_OF_CHANGE:
            return self._sums(kind is Kind.ROLLING_MEAN, windows, now)
        out: list[float | None] = []
        starts = [now - w for w in windows]
        total, count, i = 0.0, 0, 0
        first: tuple[datetime, float] | None = None
        last: tuple[datetime, float] | None = None
        for ts, value in reversed(self.points):
            while i < len(starts) and ts <= starts[i]:
                out.append(_finish(kind, total, count, first, last))
                i += 1
            if i == len(starts):
                break
            total += value
            count += 1
            first = (ts, value)
            if last is None:
                last = first
        while i < len(starts):
            out.append(_finish(kind, total, count, first, last))
            i += 1
        return out

    def _sums(self, mean: bool, windows: tuple[timedelta, ...], now: datetime) -> list[float | None]:
        """Rolling sums (or means) over each window: the same additions, newest first, as `_finish` would see."""
        out: list[float | None] = []
        n = len(windows)
        i = 0
        start = now - windows[0]
        total, count = 0.0, 0
        for ts, value in reversed(self.points):
            while ts <= start:  # this value and older ones are outside window i: it is complete
                out.append((total / count if mean else total) if count else None)
                i += 1
                if i == n:
                    return out
                start = now - windows[i]
            total += value
            count += 1
        value_of_all = (total / count if mean else total) if count else None
        out.extend([value_of_all] * (n - i))
        return out


def _finish(
    kind: Kind, total: float, count: int, first: tuple[datetime, float] | None, last: tuple[datetime, float] | None
) -> float | None:
    if count == 0:
        return None
    if kind is Kind.ROLLING_SUM:
        return total
    if kind is Kind.ROLLING_MEAN:
        return total / count
    assert first is not None and last is not None
    hours = (last[0] - first[0]).total_seconds() / 3600.0
    return None if hours <= 0 else (last[1] - first[1]) / hours
