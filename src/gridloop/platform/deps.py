"""What services need from the outside world, bundled once by bootstrap (fakes in tests)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from gridloop.kernel.ports import Clock, DeadlinePolicy, Locator, Triage
from gridloop.platform.cache import ReferenceCache
from gridloop.platform.events import EventBus
from gridloop.platform.outbox import Outbox


class WeekdayDeadlines:
    """Fallback deadline policy: working days are Monday–Friday, due at the end of the last one (UTC+8).

    The working-day calendar with China's holidays replaces this when configured.
    """

    _LIMITS: ClassVar[dict[str, int]] = {
        "inquiry": 1,
        "suggestion": 1,
        "praise": 1,
        "help": 5,
        "complaint": 5,
        "report": 5,
    }

    def _add(self, start: datetime, days: int) -> datetime:
        tz_offset = timedelta(hours=8)
        local = start + tz_offset
        day = local.date()
        added = 0
        while added < days:
            day += timedelta(days=1)
            if day.weekday() < 5:
                added += 1
        end_local = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=start.tzinfo)
        return end_local - tz_offset

    def sign_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """One working day."""
        return start + timedelta(hours=2) if urgency == "emergency" else self._add(start, 1)

    def contact_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """One working day."""
        return start + timedelta(hours=2) if urgency == "emergency" else self._add(start, 1)

    def reply_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """1 or 5 working days by request type."""
        return self._add(start, self._LIMITS.get(request_type, 5))

    def extend(self, due: datetime, *, work_days: int) -> datetime:
        """Move a deadline by working days."""
        return self._add(due, work_days)


@dataclass
class ServiceDeps:
    """The ports a service call may use."""

    clock: Clock
    deadlines: DeadlinePolicy = field(default_factory=WeekdayDeadlines)
    #: Messages that leave the process are written here, in the transaction, and delivered after commit.
    outbox: Outbox = field(default_factory=Outbox)
    triage: Triage | None = None
    locator: Locator | None = None
    #: Subscribers of domain events (intake: announce, merge duplicates, auto-dispatch; lifecycle cascades).
    events: EventBus = field(default_factory=EventBus)
    auto_dispatch_threshold: float = 0.6
    case_number_prefix: str = "SH"
    #: The zone in which days are counted and times shown (GRIDLOOP_TIMEZONE).
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    cache: ReferenceCache = field(default_factory=ReferenceCache)
    #: Serialises write transactions in this process. SQLite has one writer: queueing on a lock wakes the next
    #: writer at once, where SQLite's busy handler would sleep and poll (long tail latencies). No-op elsewhere.
    write_lock: AbstractContextManager[object] = field(default_factory=nullcontext)
