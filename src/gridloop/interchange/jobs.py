"""The scheduled-exports job: produce the due "report once" exports inside `serve`."""

from __future__ import annotations

import logging
import threading
from typing import Any

from gridloop.platform.periodic import start_periodic

log = logging.getLogger("gridloop.interchange")


def run_once(container: Any) -> list[int]:
    """Produce the due exports now; returns the new run ids."""
    from gridloop.interchange.services.exports import run_due

    return run_due(
        container.uow, now=container.deps.clock.now(), deps=container.deps, out_dir=container.settings.exports_dir
    )


def start(container: Any, *, stop: threading.Event | None = None) -> threading.Thread:
    """Look for due exports every GRIDLOOP_EXPORT_TICK_SECONDS until `stop` is set; failures are logged."""
    interval = max(10, int(container.settings.export_tick_seconds))
    return start_periodic("exports", lambda: run_once(container), interval=interval, log=log,
                          what="scheduled exports", stop=stop)  # fmt: skip
