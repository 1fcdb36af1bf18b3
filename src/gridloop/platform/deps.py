"""What services need from the outside world, bundled once by bootstrap (fakes in tests)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from gridloop.kernel.ports import Clock, DeadlinePolicy, Locator, Triage
from gridloop.kernel.sla import WeekdayCalendar, WorkdayDeadlinePolicy
from gridloop.platform.cache import ReferenceCache
from gridloop.platform.events import EventBus
from gridloop.platform.files import FileStore
from gridloop.platform.outbox import Outbox


@dataclass
class ServiceDeps:
    """The ports a service call may use."""

    clock: Clock
    #: Monday–Friday until the wiring installs China's official calendar with the administrator's overrides.
    deadlines: DeadlinePolicy = field(default_factory=lambda: WorkdayDeadlinePolicy(WeekdayCalendar()))
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
    #: Where uploaded attachments live (GRIDLOOP_ATTACHMENTS_DIR); None refuses uploads.
    files: FileStore | None = None
    #: Largest attachment accepted, in bytes.
    attachments_max_bytes: int = 10 * 1024 * 1024
    #: Called after a transaction stored reports for triage: wakes the embedded triage worker or the JetStream
    #: relay (the wiring installs it; tests install a synchronous drain and return True: "triage may be done,
    #: read the case again"). The queue is durable without it.
    triage_kick: Callable[[], bool] = field(default=lambda: False)
    #: Station partitions of the live monitoring (GRIDLOOP_READINGS_PARTITIONS): readings go to their partition.
    readings_partitions: int = 1
    #: The capabilities' single-writer queues of this process, made on first use (cases: the intake writer).
    writers: dict[str, object] = field(default_factory=dict)
