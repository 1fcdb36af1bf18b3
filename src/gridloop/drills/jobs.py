"""The drill clock inside `serve`: every few seconds, deliver the injects whose run minute has come."""

from __future__ import annotations

import logging
import threading
from typing import Any

from gridloop.platform.periodic import start_periodic

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
    return start_periodic("drill-clock", lambda: run_once(container), interval=interval, log=log,
                          what="drill clock", stop=stop)  # fmt: skip
