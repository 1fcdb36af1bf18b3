"""Outbox delivery for a container: the dispatcher wired to its engine, channels, clock and settings, and the
administrator's retry."""

from __future__ import annotations

from gridloop.platform.container import Container
from gridloop.platform.db import outbox as table
from gridloop.platform.outbox import Dispatcher


def dispatcher_for(container: Container) -> Dispatcher:
    """The dispatcher of a container: its engine, outbox channels, clock, write lock and settings."""
    return Dispatcher(
        container.uow.engine,
        container.deps.outbox,
        container.deps.clock,
        lock=container.deps.write_lock,
        max_attempts=container.settings.outbox_max_attempts,
    )


def retry(container: Container, *, ids: list[int], dead: bool = False) -> int:
    """Make failed or dead messages due again now (by id, or every dead one), committed; returns how many."""
    with container.deps.write_lock, container.uow() as uow:
        count = table.retry(uow.session, now=container.deps.clock.now(), ids=ids, dead=dead)
        uow.commit()
    if count:
        container.deps.outbox.signal.set()
    return count
