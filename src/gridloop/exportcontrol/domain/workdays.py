"""The working-day port used for reporting deadlines (structurally the same as gridloop's SLA calendar)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

MAX_SCAN_DAYS = 3660


class WorkCalendar(Protocol):
    """Says which days are working days."""

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day."""
        ...


class WeekdayCalendar:
    """Monday–Friday: the fallback when no official calendar is wired, and a test double."""

    def is_workday(self, day: date) -> bool:
        """Monday–Friday."""
        return day.weekday() < 5


def add_workdays(day: date, n: int, *, calendar: WorkCalendar) -> date:
    """The n-th working day after `day` (the day itself never counts)."""
    found = 0
    current = day
    for _ in range(MAX_SCAN_DAYS):
        if found == n:
            return current
        current += timedelta(days=1)
        if calendar.is_workday(current):
            found += 1
    if found == n:
        return current
    raise ValueError(f"no {n} working days within {MAX_SCAN_DAYS} days after {day.isoformat()}")
