"""The emergency supervision tick: 挂牌督办 of overdue hazards and escalation of unacknowledged tasks."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("gridloop.emergency")


def run_once(container: Any) -> dict[str, int]:
    """One tick on the container's clock; returns how many hazards and tasks moved."""
    from gridloop.emergency.services.tick import tick

    return tick(container.uow, now=container.deps.clock.now())


def start(container: Any, *, stop: threading.Event | None = None, interval: int = 60) -> threading.Thread:
    """Tick in the background every `interval` seconds until `stop` is set; a failed tick is logged."""
    from gridloop.platform.db.leader import SingletonLock

    stop = stop or threading.Event()
    leader = SingletonLock(container.uow.engine, "gridloop.emergency.tick")  # one process ticks (PostgreSQL)

    def loop() -> None:
        while not stop.is_set():
            if not leader.held():
                stop.wait(interval)
                continue
            try:
                outcome = run_once(container)
                if any(outcome.values()):
                    log.info("emergency tick: %s", outcome)
            except Exception:  # the job must survive a bad tick (logged with its traceback)
                log.exception("emergency tick failed")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="gridloop-emergency-tick", daemon=True)
    thread.start()
    return thread
