"""Time limits (时限) and working-time arithmetic over a calendar port.

Conventions (documented in docs/sla.md):

* Days are counted in Asia/Shanghai (configurable zone); every returned instant is aware UTC.
* ``N work_day`` = the N-th working day *after* the local day of receipt; the deadline is the **end of that
  day**, 23:59:59 local time. Receipt on a holiday or late at night changes nothing: the day of receipt never
  counts. ``0wd`` means the end of the day of receipt.
* ``N work_hour`` = N hours of working time, counted inside the working periods (default 09:00–12:00 and
  13:00–17:30) of working days, from the moment of receipt (or the next period start when received outside
  working time). A limit used up exactly at a period's end is due at that end.
* ``N natural_day`` = end (23:59:59 local) of the N-th calendar day after the day of receipt.
* ``N natural_hour`` = receipt + N hours.
* An extension of N working days moves a deadline to the end of the N-th working day after the local day on
  which it fell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.labels import LabeledEnum

SHANGHAI = "Asia/Shanghai"
END_OF_DAY = time(23, 59, 59)
#: How far ahead working-day arithmetic may look before giving up (a calendar with no working days).
MAX_SCAN_DAYS = 3660


class LimitUnit(LabeledEnum):
    """The unit a time limit is counted in."""

    WORK_DAY = ("work_day", "工作日", "Working days")
    WORK_HOUR = ("work_hour", "工作时", "Working hours")
    NATURAL_DAY = ("natural_day", "自然日", "Calendar days")
    NATURAL_HOUR = ("natural_hour", "小时", "Hours")


_SUFFIX: dict[str, LimitUnit] = {
    "wd": LimitUnit.WORK_DAY,
    "wh": LimitUnit.WORK_HOUR,
    "d": LimitUnit.NATURAL_DAY,
    "h": LimitUnit.NATURAL_HOUR,
}
_LIMIT_RE = re.compile(r"^\s*(\d{1,4})\s*(wd|wh|d|h)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TimeLimit:
    """An amount of time in one unit, written like "5wd", "4wh", "3d", "2h"."""

    amount: int
    unit: LimitUnit

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        """Parse "5wd" / "4wh" / "3d" / "2h"; InvalidInput otherwise."""
        match = _LIMIT_RE.match(text or "")
        if not match:
            raise InvalidInput(
                f"Bad time limit {text!r}: write a whole number and a unit, e.g. 5wd (working days), "
                "4wh (working hours), 3d (calendar days) or 2h (hours)."
            )
        return cls(int(match.group(1)), _SUFFIX[match.group(2).lower()])

    def __str__(self) -> str:
        suffix = next(k for k, v in _SUFFIX.items() if v is self.unit)
        return f"{self.amount}{suffix}"

    def label(self) -> str:
        """Chinese wording, e.g. "5个工作日"."""
        word = {"work_day": "个工作日", "work_hour": "个工作时", "natural_day": "天", "natural_hour": "小时"}
        return f"{self.amount}{word[self.unit.value]}"


class WorkCalendar(Protocol):
    """Says which days are working days (official holidays, adjusted days, local overrides)."""

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day."""
        ...


class WeekdayCalendar:
    """Monday–Friday, with optional overrides; a fallback and a test double."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})

    def is_workday(self, day: date) -> bool:
        """Overrides first, then Monday–Friday."""
        if day in self._overrides:
            return self._overrides[day]
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkingHours:
    """The working periods of a working day, in local time, sorted and disjoint."""

    periods: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 0), time(17, 30)))

    def __post_init__(self) -> None:
        last = time(0, 0)
        if not self.periods:
            raise InvalidInput("Working hours need at least one period.")
        for start, end in self.periods:
            if not (last <= start < end):
                raise InvalidInput("Working periods must be sorted, non-empty and not overlap.")
            last = end

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Parse "09:00-12:00,13:00-17:30"."""
        periods: list[tuple[time, time]] = []
        try:
            for part in text.split(","):
                a, b = part.strip().split("-")
                periods.append((time.fromisoformat(a.strip()), time.fromisoformat(b.strip())))
        except ValueError:
            raise InvalidInput(f"Bad working hours {text!r}; write e.g. 09:00-12:00,13:00-17:30.") from None
        return cls(tuple(periods))

    def seconds_per_day(self) -> int:
        """Working seconds in one working day."""
        return sum(_seconds(end) - _seconds(start) for start, end in self.periods)


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("Times must carry a time zone (e.g. 2026-10-09T10:00:00+08:00).")
    return moment


def add_workdays(day: date, n: int, *, calendar: WorkCalendar) -> date:
    """The n-th working day after `day` (n ≥ 1); `day` itself when n == 0."""
    current = day
    remaining = n
    scanned = 0
    while remaining > 0:
        current += timedelta(days=1)
        scanned += 1
        if scanned > MAX_SCAN_DAYS:
            raise InvalidInput("The calendar has no working day in the next ten years.")
        if calendar.is_workday(current):
            remaining -= 1
    return current


def workdays_between(start: date, end: date, *, calendar: WorkCalendar) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -workdays_between(end, start, calendar=calendar)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if calendar.is_workday(current):
            count += 1
    return count


def end_of_day(day: date, *, tz: ZoneInfo) -> datetime:
    """23:59:59 local time of `day`, in UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz).astimezone(UTC)


def _add_work_hours(
    start_local: datetime, hours: int, *, calendar: WorkCalendar, working: WorkingHours, tz: ZoneInfo
) -> datetime:
    remaining = hours * 3600
    day = start_local.date()
    from_second = _seconds(start_local.time())
    scanned = 0
    while True:
        if calendar.is_workday(day):
            for p_start, p_end in working.periods:
                begin = max(_seconds(p_start), from_second)
                finish = _seconds(p_end)
                if begin >= finish:
                    continue
                available = finish - begin
                if remaining <= available:
                    at = datetime.combine(day, time(0, 0), tzinfo=tz) + timedelta(seconds=begin + remaining)
                    return at.astimezone(UTC)
                remaining -= available
        day += timedelta(days=1)
        from_second = 0
        scanned += 1
        if scanned > MAX_SCAN_DAYS:
            raise InvalidInput("The calendar has no working time in the next ten years.")


def due_at(
    start: datetime,
    limit: TimeLimit,
    *,
    calendar: WorkCalendar,
    working: WorkingHours | None = None,
    tz: str = SHANGHAI,
) -> datetime:
    """The deadline (aware UTC) of `limit` counted from `start`, by the conventions of this module."""
    zone = ZoneInfo(tz)
    local = _aware(start).astimezone(zone)
    if limit.unit is LimitUnit.NATURAL_HOUR:
        return (local + timedelta(hours=limit.amount)).astimezone(UTC)
    if limit.unit is LimitUnit.NATURAL_DAY:
        return end_of_day(local.date() + timedelta(days=limit.amount), tz=zone)
    if limit.unit is LimitUnit.WORK_DAY:
        return end_of_day(add_workdays(local.date(), limit.amount, calendar=calendar), tz=zone)
    return _add_work_hours(local, limit.amount, calendar=calendar, working=working or WorkingHours(), tz=zone)


def extend_due(due: datetime, *, work_days: int, calendar: WorkCalendar, tz: str = SHANGHAI) -> datetime:
    """A deadline moved to the end of the `work_days`-th working day after the local day it fell on."""
    if work_days < 1:
        raise InvalidInput("An extension is at least one working day.")
    zone = ZoneInfo(tz)
    day = _aware(due).astimezone(zone).date()
    return end_of_day(add_workdays(day, work_days, calendar=calendar), tz=zone)


class Step(LabeledEnum):
    """The timed steps of a case."""

    SIGN = ("sign", "签收", "Sign")
    CONTACT = ("contact", "先行联系", "First contact")
    REPLY = ("reply", "办结反馈", "Reply")


@dataclass(frozen=True)
class StepLimits:
    """Time limits per step, request type and urgency; the defaults follow Shanghai's 12345 rules."""

    sign: TimeLimit = TimeLimit(1, LimitUnit.WORK_DAY)
    contact: TimeLimit = TimeLimit(1, LimitUnit.WORK_DAY)
    reply_by_type: Mapping[str, TimeLimit] = field(
        default_factory=lambda: {
            "inquiry": TimeLimit(1, LimitUnit.WORK_DAY),
            "suggestion": TimeLimit(1, LimitUnit.WORK_DAY),
            "praise": TimeLimit(1, LimitUnit.WORK_DAY),
            "help": TimeLimit(5, LimitUnit.WORK_DAY),
            "complaint": TimeLimit(5, LimitUnit.WORK_DAY),
            "report": TimeLimit(5, LimitUnit.WORK_DAY),
        }
    )
    complex_reply: TimeLimit = TimeLimit(15, LimitUnit.WORK_DAY)
    #: Urgency overrides per step: emergencies are signed within an hour and contacted within two.
    by_urgency: Mapping[str, Mapping[str, TimeLimit]] = field(
        default_factory=lambda: {
            "emergency": {
                "sign": TimeLimit(1, LimitUnit.NATURAL_HOUR),
                "contact": TimeLimit(2, LimitUnit.NATURAL_HOUR),
                "reply": TimeLimit(1, LimitUnit.NATURAL_DAY),
            },
            "urgent": {
                "sign": TimeLimit(4, LimitUnit.WORK_HOUR),
                "contact": TimeLimit(4, LimitUnit.WORK_HOUR),
            },
        }
    )

    def limit(self, step: Step, *, request_type: str, urgency: str = "normal") -> TimeLimit:
        """The limit of one step for a request type and urgency."""
        override = self.by_urgency.get(urgency, {}).get(step.value)
        if override is not None:
            return override
        if step is Step.SIGN:
            return self.sign
        if step is Step.CONTACT:
            return self.contact
        try:
            return self.reply_by_type[request_type]
        except KeyError:
            raise InvalidInput(f"No reply time limit for request type {request_type!r}.") from None


class WorkdayDeadlinePolicy:
    """The DeadlinePolicy port over a working-day calendar, step limits and working hours."""

    def __init__(
        self,
        calendar: WorkCalendar,
        *,
        limits: StepLimits | None = None,
        working: WorkingHours | None = None,
        tz: str = SHANGHAI,
    ) -> None:
        self.calendar = calendar
        self.limits = limits or StepLimits()
        self.working = working or WorkingHours()
        self.tz = tz

    def due(self, start: datetime, limit: TimeLimit) -> datetime:
        """Deadline of any limit from `start` with this policy's calendar and hours."""
        return due_at(start, limit, calendar=self.calendar, working=self.working, tz=self.tz)

    def step_due(self, step: Step, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """Deadline of one step."""
        return self.due(start, self.limits.limit(step, request_type=request_type, urgency=urgency))

    def sign_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """When signing is due for a case dispatched at `start`."""
        return self.step_due(Step.SIGN, start, request_type=request_type, urgency=urgency)

    def contact_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """When first contact is due for a case dispatched at `start`."""
        return self.step_due(Step.CONTACT, start, request_type=request_type, urgency=urgency)

    def reply_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """When the reply is due for a case dispatched at `start`."""
        return self.step_due(Step.REPLY, start, request_type=request_type, urgency=urgency)

    def extend(self, due: datetime, *, work_days: int) -> datetime:
        """A deadline moved by `work_days` working days."""
        return extend_due(due, work_days=work_days, calendar=self.calendar, tz=self.tz)
