"""The knowledge base's background job for `serve`: expiry alerts to article owners, once an hour."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("gridloop.knowledge")
#: Owners are alerted this many days before a published version's last valid day.
ALERT_DAYS = 30


def run_once(container: Any, *, days: int = ALERT_DAYS) -> int:
    """Queue the alerts not sent yet (outbox); returns how many."""
    from gridloop.knowledge.services.editing import send_expiry_alerts

    with container.uow() as uow:
        return send_expiry_alerts(uow, container.deps, days=days)


def start(container: Any, *, stop: threading.Event | None = None, interval: int = 3600) -> threading.Thread:
    """Run every `interval` seconds until `stop` is set; a failed run is logged, never fatal."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                sent = run_once(container)
                if sent:
                    log.info("knowledge expiry alerts queued: %d", sent)
            except Exception:  # the job must survive a bad run (logged with its traceback)
                log.exception("knowledge expiry alerts failed")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="gridloop-kb-expiry", daemon=True)
    thread.start()
    return thread
