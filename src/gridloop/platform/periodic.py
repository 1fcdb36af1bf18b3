"""Background jobs of `serve`: one daemon thread calling a function every few seconds until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from gridloop.platform.db.leader import SingletonLock


def start_periodic(
    name: str,
    run: Callable[[], Any],
    *,
    interval: float,
    log: logging.Logger,
    what: str,
    stop: threading.Event | None = None,
    leader: SingletonLock | None = None,
) -> threading.Thread:
    """Call `run()` every `interval` seconds until `stop` is set. A truthy result is logged as "<what>: <result>";
    a failed run is logged with its traceback and the next one still runs. With a `leader` lock, only the process
    holding it runs the job (another takes over when it dies)."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            if leader is None or leader.held():
                try:
                    result = run()
                    if result:
                        log.info("%s: %s", what, result)
                except Exception:  # the job must survive a bad run (logged with its traceback)
                    log.exception("%s failed", what)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name=f"gridloop-{name}", daemon=True)
    thread.start()
    return thread
