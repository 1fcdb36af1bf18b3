"""Clocks: the system clock for production, a settable one for tests and simulations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real time, aware, in UTC."""

    def now(self) -> datetime:
        """Now."""
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        """The set instant."""
        return self._now

    def advance(self, **kwargs: float) -> None:
        """Move forward by a timedelta's keyword arguments."""
        self._now += timedelta(**kwargs)

    def set(self, when: datetime) -> None:
        """Jump to an instant."""
        self._now = when
