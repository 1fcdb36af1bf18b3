"""The working-day calendar (China's official plan + an administrator's overrides) as use cases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from gridloop.dispatch.adapters.calendar import ChineseWorkCalendar, calendar_from_db, load_overrides, set_override
from gridloop.dispatch.tables import CalendarOverrideRow
from gridloop.platform.db.uow import UnitOfWork


def declare_day(
    uow: UnitOfWork, *, day: date, is_workday: bool, reason: str, by: str, now: datetime
) -> CalendarOverrideRow:
    """Declare a day a working day or not (a typhoon day, a local holiday) and commit."""
    row = set_override(uow.session, day=day, is_workday=is_workday, reason=reason, by=by, now=now)
    uow.commit()
    return row


def overrides(session: Session) -> dict[date, bool]:
    """The administrator's overrides: day → is a working day."""
    return load_overrides(session)


def work_calendar(session: Session) -> ChineseWorkCalendar:
    """The official calendar with the database's overrides."""
    return calendar_from_db(session)
