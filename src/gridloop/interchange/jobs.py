"""The scheduled-exports job: produce the due "report once" exports inside `serve`."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("gridloop.interchange")


def run_once(container: Any) -> list[int]:
    """Produce the due exports now; returns the new run ids."""
    from gridloop.interchange.services.exports import run_due

    return run_due(
        container.uow, now=container.deps.clock.now(), deps=container.deps, out_dir=container.settings.exports_dir
    )


def start(container: Any, *, stop: threading.Event | None = None) -> threading.Thread:
    """Look for due exports every GRIDLOOP_EXPORT_TICK_SECONDS until `stop` is set; failures are logged."""
    stop = stop or threading.Event()
    interval = max(10, int(container.settings.export_tick_seconds))

    def loop() -> None:
        while not stop.is_set():
            try:
                runs = run_once(container)
                if runs:
                    log.info("scheduled exports produced: runs %s", runs)
            except Exception:  # the job must survive a bad run (logged with its traceback)
                log.exception("scheduled exports failed")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="gridloop-exports", daemon=True)
    thread.start()
    return thread
