"""The working-day calendar: China's official holidays (chinese_calendar) plus an admin override table."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime

import chinese_calendar
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gridloop.dispatch.tables import CalendarOverrideRow

log = logging.getLogger(__name__)


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


class RefreshingCalendar:
    """The official calendar plus the database's overrides, reloaded every `ttl_seconds`."""

    def __init__(
        self,
        loader: Callable[[], Mapping[date, bool]],
        *,
        ttl_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._calendar: ChineseWorkCalendar | None = None
        self._loaded_at = 0.0

    def _current(self) -> ChineseWorkCalendar:
        now = self._monotonic()
        if self._calendar is None or now - self._loaded_at > self._ttl:
            self._calendar = ChineseWorkCalendar(self._loader())
            self._loaded_at = now
        return self._calendar

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day."""
        return self._current().is_workday(day)


def engine_overrides_loader(engine: Engine) -> Callable[[], dict[date, bool]]:
    """A loader of the override table; an empty table when the schema is not there yet."""

    def load() -> dict[date, bool]:
        try:
            with Session(engine) as session:
                return load_overrides(session)
        except SQLAlchemyError:
            log.warning("calendar overrides not loaded (is the database migrated?)")
            return {}

    return load
