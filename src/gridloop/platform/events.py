"""The event bus: subscribers registered explicitly with a numeric order, run in the publisher's transaction.

The order is data (`Subscription.order`), never derived from a name. A subscriber marked `isolated` runs in a
savepoint: if it fails, its own writes are rolled back, the failure is logged with its traceback, and the
publisher's work (the stored report) and the next subscribers go on. Other subscribers' failures propagate
and the whole action rolls back (a cascade that must happen with the action, such as closing merged cases).
Subscribers never send anything out of the process: they write to the outbox (`platform.db.outbox`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gridloop.kernel.events import DomainEvent

log = logging.getLogger("gridloop.events")

#: `session.info` key: run isolated subscribers without their savepoint. For a caller that runs the whole
#: publication in a savepoint of its own and, when anything fails, rolls it back and does it again without this
#: flag (a triage worker's batch): the outcome is the same, one savepoint instead of one per subscriber.
INLINE = "gridloop.events.inline"


class InlineSubscriberFailed(Exception):
    """An isolated subscriber run inline failed (not a domain error, so no caller on the way mistakes it for one):
    the caller that asked for inline subscribers rolls its savepoint back and does the work again, isolated."""


#: A subscriber: called with the publisher's session, the event and the service dependencies (`ServiceDeps`,
#: which holds this bus: typed loosely here so the bus does not import its holder).
Handler = Callable[[Session, Any, Any], None]


@dataclass(frozen=True)
class Subscription:
    """One row of the wiring's table: this handler hears this event type, at this place in the order."""

    event: type[DomainEvent]
    order: int
    handler: Handler
    isolated: bool = False

    @property
    def name(self) -> str:
        """The handler's name, for logs and the admin's listing."""
        return str(getattr(self.handler, "__qualname__", None) or type(self.handler).__name__)


class EventBus:
    """Synchronous, in-process publish/subscribe; each event type's subscribers run by ascending `order`."""

    def __init__(self, subscriptions: Iterable[Subscription] = ()) -> None:
        self._by_type: dict[type[DomainEvent], list[Subscription]] = {}
        for sub in subscriptions:
            self.add(sub)

    def add(self, subscription: Subscription) -> None:
        """Register one subscription; two subscribers of one event type may not share an order."""
        subs = self._by_type.setdefault(subscription.event, [])
        clash = next((s for s in subs if s.order == subscription.order), None)
        if clash is not None:
            raise ValueError(
                f"{subscription.event.__name__}: order {subscription.order} is taken by {clash.name}; "
                f"choose another for {subscription.name}"
            )
        subs.append(subscription)
        subs.sort(key=lambda s: s.order)

    def subscribe(
        self, event: type[DomainEvent], order: int, handler: Handler, *, isolated: bool = False
    ) -> Subscription:
        """Register `handler` for `event` at `order` (see `add`)."""
        sub = Subscription(event, order, handler, isolated)
        self.add(sub)
        return sub

    def subscribers(self, event: type[DomainEvent]) -> list[Subscription]:
        """The subscriptions of one event type, in the order they run."""
        return list(self._by_type.get(event, ()))

    def all(self) -> list[Subscription]:
        """Every subscription, by event type name then order."""
        return [s for t in sorted(self._by_type, key=lambda t: t.__name__) for s in self._by_type[t]]

    def without(self, *events: type[DomainEvent]) -> EventBus:
        """A copy of this bus with no subscribers for the given event types."""
        return EventBus(s for s in self.all() if s.event not in events)

    def publish(self, session: Session, event: DomainEvent, *, deps: Any) -> None:
        """Run the event's subscribers now, in the caller's transaction, in order."""
        inline = bool(getattr(session, "info", {}).get(INLINE))  # (tests publish with no session)
        for sub in self._by_type.get(type(event), ()):
            if not sub.isolated:
                sub.handler(session, event, deps)
                continue
            if inline:
                try:
                    sub.handler(session, event, deps)
                except Exception as exc:
                    raise InlineSubscriberFailed(f"subscriber {sub.name} failed on {event}") from exc
                continue
            try:
                with session.begin_nested():
                    sub.handler(session, event, deps)
            except Exception:  # an isolated subscriber must never lose the publisher's work
                log.exception("subscriber %s failed on %s; its changes were rolled back", sub.name, event)
