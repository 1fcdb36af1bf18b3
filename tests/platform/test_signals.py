"""Long-running commands stop on SIGTERM/SIGINT, even when the signal lands while the main thread holds the stop
event's own lock (a handler calling `event.set()` then waited for that lock for ever: an orphaned worker)."""

from __future__ import annotations

import os
import signal
import sys
import threading

import pytest

from gridloop.platform.signals import stop_on_signals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def test_a_signal_arriving_while_the_stop_events_lock_is_held_does_not_deadlock() -> None:
    stop = threading.Event()
    restore = stop_on_signals(stop, [signal.SIGTERM])
    try:
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        finished = threading.Event()

        def land_inside_wait() -> None:
            with stop._cond:  # what `Event.wait` holds for a moment: the moment a signal may land in
                handler(signal.SIGTERM, None)
                finished.set()

        worker = threading.Thread(target=land_inside_wait, daemon=True)
        worker.start()
        worker.join(timeout=5)
        assert finished.is_set(), "the handler blocked on the stop event's lock"
        assert stop.wait(timeout=5), "the stop event was not set after the lock was let go"
    finally:
        restore()


def test_a_real_sigterm_sets_the_stop_event_and_the_old_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    stop = threading.Event()
    restore = stop_on_signals(stop, [signal.SIGTERM])
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(timeout=5)
    finally:
        restore()
    assert signal.getsignal(signal.SIGTERM) is before
