"""Domain events: facts a capability publishes inside its transaction for others to act on.

Events are frozen plain data (ids, numbers, codes, the acting `Actor`), never ORM rows: a subscriber that
needs the case loads it from its own session by id. Publishing and subscribing go through the platform's
`EventBus` (`gridloop.platform.events`); the wiring (`bootstrap.py`) lists who subscribes, in which order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gridloop.kernel.org import Actor


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that happened at `at` (aware, UTC)."""

    at: datetime


@dataclass(frozen=True, kw_only=True)
class CaseEvent(DomainEvent):
    """Something that happened to one case, done by `actor`."""

    case_id: int
    number: str
    actor: Actor


@dataclass(frozen=True, kw_only=True)
class CaseReceived(CaseEvent):
    """A report was received and stored (status received, or closed when answered at once)."""

    urgency: str = "normal"


@dataclass(frozen=True, kw_only=True)
class CaseDispatched(CaseEvent):
    """A case was given a lead unit (dispatch, redispatch, or a return upheld)."""

    action: str
    lead_unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class CaseReturned(CaseEvent):
    """The lead unit returned a case as not theirs."""

    return_count: int


@dataclass(frozen=True, kw_only=True)
class CaseEscalated(CaseEvent):
    """A case went to the coordinating level (三跨)."""

    coordinating_unit: str | None = None
    level: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CaseClosed(CaseEvent):
    """A case was closed after its callback."""


@dataclass(frozen=True, kw_only=True)
class DeadlineMissed(DomainEvent):
    """A step of a case passed its deadline and the supervision tick opened or raised a 督办."""

    case_id: int
    number: str
    step: str
    level: int
    addressed_unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class CaseChanged(CaseEvent):
    """Any lifecycle action was taken on a case (after the action's own event): followers hear of it."""

    action: str
    from_status: str | None = None
    to_status: str = ""
    #: The reason or note given with the action (free text: mask personal data before it leaves the process).
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class DeadlineNear(DomainEvent):
    """The current step of a case became due soon (the supervision tick's 催办, once per deadline)."""

    case_id: int
    number: str
    step: str
    due_at: datetime
    lead_unit: str | None = None
