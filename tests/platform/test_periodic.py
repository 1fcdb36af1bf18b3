"""A background job keeps running after a failed run, logs what it did, and stops when told."""

from __future__ import annotations

import logging
import threading
import time

from gridloop.platform.periodic import start_periodic


def test_a_failed_run_is_logged_and_the_next_run_still_happens(caplog):
    calls: list[int] = []

    def run() -> str | None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return "moved 2" if len(calls) == 2 else None

    stop = threading.Event()
    with caplog.at_level(logging.INFO, logger="test.periodic"):
        thread = start_periodic("test-job", run, interval=0.01, log=logging.getLogger("test.periodic"),
                                what="test job", stop=stop)  # fmt: skip
        deadline = time.monotonic() + 5
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        thread.join(timeout=2)
    assert len(calls) >= 3 and not thread.is_alive()
    assert thread.name == "gridloop-test-job"
    messages = [r.getMessage() for r in caplog.records]
    assert "test job failed" in messages and "test job: moved 2" in messages
    assert sum(m.startswith("test job:") for m in messages) == 1  # a run that did nothing is not logged


def test_a_process_that_does_not_hold_the_leader_lock_never_runs_the_job():
    class Elsewhere:
        def held(self) -> bool:
            return False

    calls: list[int] = []
    stop = threading.Event()
    thread = start_periodic("test-led", lambda: calls.append(1), interval=0.01, log=logging.getLogger("t"),
                            what="led", stop=stop, leader=Elsewhere())  # type: ignore[arg-type]  # fmt: skip
    time.sleep(0.2)
    stop.set()
    thread.join(timeout=2)
    assert calls == []
