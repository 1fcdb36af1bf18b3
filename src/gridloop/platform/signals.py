"""Stop a long-running command on SIGTERM/SIGINT without deadlocking.

A Python signal handler runs in the main thread between two bytecodes, possibly while that thread holds a lock:
inside `threading.Event.wait` it holds the event's own lock for a moment. A handler that calls `event.set()` then
waits for a lock its own thread holds, for ever (seen: a triage worker child, told twice to stop as its parent
`uvicorn` ended, hung and lived on as an orphan). So the handler here only writes a byte to a pipe (no lock), and a
thread reading that pipe sets the event.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType


def stop_on_signals(
    stop: threading.Event, signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT)
) -> Callable[[], None]:
    """Set `stop` when one of `signals` arrives (install from the main thread). Returns a function that puts the
    previous handlers back."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)  # a handler never waits

    def relay() -> None:
        try:
            os.read(read_end, 1)
        except OSError:
            return
        stop.set()

    threading.Thread(target=relay, name="gridloop-signals", daemon=True).start()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):  # the pipe is full (a stop is on its way already) or closed
            os.write(write_end, b"!")

    previous = {s: signal.signal(s, handler) for s in signals}

    def restore() -> None:
        for s, old in previous.items():
            signal.signal(s, old)

    return restore
