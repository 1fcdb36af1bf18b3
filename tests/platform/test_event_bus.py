"""The event bus: subscribers run by the order given as data, never by name; isolated failures keep the work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gridloop.kernel.events import CaseClosed, CaseReceived
from gridloop.kernel.org import Actor, Role
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.events import EventBus, Subscription

ACTOR = Actor(user_id=1, username="operator", role=Role.OPERATOR, unit_id=1, unit_path="/1/")
AT = datetime(2026, 11, 26, 2, tzinfo=UTC)


def received(case_id: int = 1) -> CaseReceived:
    return CaseReceived(at=AT, case_id=case_id, number=f"SH{case_id}", actor=ACTOR)


def recorder(calls: list[str], label: str, name: str):
    def handler(_session, _event, _deps) -> None:
        calls.append(label)

    handler.__name__ = handler.__qualname__ = name
    return handler


def test_subscribers_run_by_their_order_whatever_their_names():
    calls: list[str] = []
    # names sort the other way round from the order: a name sort would run dispatch first
    bus = EventBus(
        [
            Subscription(CaseReceived, 30, recorder(calls, "dispatch", "a_dispatch")),
            Subscription(CaseReceived, 10, recorder(calls, "announce", "z_announce")),
            Subscription(CaseReceived, 20, recorder(calls, "merge", "hook")),
        ]
    )
    bus.publish(None, received(), deps=ServiceDeps(clock=None))  # type: ignore[arg-type]
    assert calls == ["announce", "merge", "dispatch"], calls


def test_renaming_a_subscriber_does_not_change_when_it_runs():
    def run(names: tuple[str, str, str]) -> list[str]:
        calls: list[str] = []
        bus = EventBus()
        for (label, order), name in zip((("announce", 10), ("merge", 20), ("dispatch", 30)), names, strict=True):
            bus.subscribe(CaseReceived, order, recorder(calls, label, name))
        bus.publish(None, received(), deps=ServiceDeps(clock=None))  # type: ignore[arg-type]
        return calls

    assert run(("announce_emergency", "hook", "auto_dispatch_hook")) == run(("zz", "mm", "aa"))


def test_two_subscribers_of_one_event_may_not_share_an_order():
    bus = EventBus([Subscription(CaseReceived, 10, recorder([], "a", "a"))])
    with pytest.raises(ValueError, match="order 10 is taken"):
        bus.subscribe(CaseReceived, 10, recorder([], "b", "b"))


def test_subscribers_hear_only_their_event_type():
    calls: list[str] = []
    bus = EventBus([Subscription(CaseClosed, 10, recorder(calls, "closed", "closed"))])
    bus.publish(None, received(), deps=ServiceDeps(clock=None))  # type: ignore[arg-type]
    assert calls == []


def test_without_drops_the_subscribers_of_the_given_events():
    bus = EventBus(
        [
            Subscription(CaseReceived, 10, recorder([], "r", "r")),
            Subscription(CaseClosed, 10, recorder([], "c", "c")),
        ]
    )
    quiet = bus.without(CaseReceived)
    assert quiet.subscribers(CaseReceived) == [] and len(quiet.subscribers(CaseClosed)) == 1


def test_the_wiring_runs_intake_subscribers_announce_merge_dispatch():
    from gridloop.bootstrap import EVENT_SUBSCRIBERS

    def duplicates(_session, _event, _deps) -> None:
        return None

    rows = EVENT_SUBSCRIBERS(duplicates)
    bus = EventBus(Subscription(e, o, h, i) for e, o, h, i in rows)
    names = [s.handler.__name__ for s in bus.subscribers(CaseReceived)]
    assert names == ["announce_emergency", "duplicates", "open_or_join_incident", "dispatch_received"], names
    assert all(s.isolated for s in bus.subscribers(CaseReceived)), "an intake subscriber must not lose the report"
