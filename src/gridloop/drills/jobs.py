"""The drill clock inside `serve`: every few seconds, deliver the injects whose run minute has come."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("gridloop.drill")


def run_once(container: Any) -> dict[int, list[str]]:
    """Advance every running exercise run once; returns the injects delivered per run."""
    from gridloop.drills.services import runs

    with container.uow() as work:
        ids = [r.id for r in runs.list_runs(work.session) if r.status == runs.RUNNING and r.mode == runs.EXERCISE]
    out: dict[int, list[str]] = {}
    for run_id in ids:
        with container.deps.write_lock, container.uow() as work:
            delivered = runs.advance(work, run_id, deps=container.deps)
        if delivered:
            out[run_id] = delivered
            container.deps.triage_kick()  # the injected calls are triaged by the server's worker
    return out


def start(container: Any, *, stop: threading.Event | None = None, interval: float = 5.0) -> threading.Thread:
    """Advance running drills every `interval` seconds until `stop` is set; a failed pass is logged."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                moved = run_once(container)
                if moved:
                    log.info("drill injects delivered: %s", moved)
            except Exception:  # the job must survive a bad pass (logged with its traceback)
                log.exception("drill clock pass failed")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="gridloop-drill-clock", daemon=True)
    thread.start()
    return thread
