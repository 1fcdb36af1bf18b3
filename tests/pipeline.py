"""Deterministic triage for tests: the intake kick drains the triage queue at once, with the real worker code
(`cases.services.triage_queue.drain`), so a test sees triage's result when POST returns. Production wakes the
worker threads instead (`cases.jobs.start_triage_workers`)."""

from __future__ import annotations

from gridloop.platform.container import Container


def triage_on_kick(container: Container) -> Container:
    """Make `container`'s intake kick drain the triage queue synchronously; returns the container."""
    from gridloop.cases.services.triage_queue import drain

    def kick() -> bool:
        drain(container.uow, deps=container.deps, worker="test")
        return True

    container.deps.triage_kick = kick
    return container


def drain_triage(container: Container) -> int:
    """Triage every pending report now; how many were finished."""
    from gridloop.cases.services.triage_queue import drain

    return drain(container.uow, deps=container.deps, worker="test")
