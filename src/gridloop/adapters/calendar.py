"""The working-day calendar: China's official holidays (chinese_calendar) plus an admin override table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.adapters.db.tables_dispatch import CalendarOverrideRow


class ChineseWorkCalendar:
    """Official holidays and adjusted days; overrides win; years the package lacks fall back to Mon–Fri."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._cache: dict[date, bool] = {}  # the package's lookup is slow (it validates the year every call)

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day."""
        if day in self._overrides:
            return self._overrides[day]
        known = self._cache.get(day)
        if known is not None:
            return known
        try:
            answer = bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # the package covers 2004 up to its release year
            answer = day.weekday() < 5
        self._cache[day] = answer
        return answer

    @staticmethod
    def covers(day: date) -> bool:
        """Whether the official data covers the year of `day` (otherwise Mon–Fri is assumed)."""
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True


def load_overrides(session: Session) -> dict[date, bool]:
    """Every override row as {day: is_workday}."""
    return {row.day: row.is_workday for row in session.scalars(select(CalendarOverrideRow))}


def calendar_from_db(session: Session) -> ChineseWorkCalendar:
    """The calendar with the overrides stored in the database."""
    return ChineseWorkCalendar(load_overrides(session))


def set_override(
    session: Session, *, day: date, is_workday: bool, reason: str, by: str, now: datetime
) -> CalendarOverrideRow:
    """Add or replace the override of one day (the caller commits)."""
    row = session.get(CalendarOverrideRow, day)
    if row is None:
        row = CalendarOverrideRow(day=day)
        session.add(row)
    row.is_workday = is_workday
    row.reason = reason
    row.created_by = by
    row.created_at = now
    return row
