"""The periodic supervision job for `serve`: a daemon thread running one tick every `sla_tick_seconds`."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("gridloop.supervision")


def run_once(container: Any) -> dict[str, Any]:
    """One tick with the container's settings, clock and outbox; returns what it did."""
    from gridloop.cases.services.supervision import scheduled_tick

    result = scheduled_tick(
        container.uow,
        settings=container.settings,
        outbox=container.deps.outbox,
        deps=container.deps,
        now=container.deps.clock.now(),
    )
    return result.as_dict()


def start(container: Any, *, stop: threading.Event | None = None) -> threading.Thread:
    """Start ticking in the background until `stop` is set; errors are logged and the next tick still runs."""
    stop = stop or threading.Event()
    interval = max(int(container.settings.sla_tick_seconds), 1)

    def loop() -> None:
        while not stop.is_set():
            try:
                outcome = run_once(container)
                if outcome["notices"]:
                    log.info("supervision tick: %s", outcome)
            except Exception:  # the job must survive a bad tick (logged with its traceback)
                log.exception("supervision tick failed")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="gridloop-sla-tick", daemon=True)
    thread.start()
    return thread
