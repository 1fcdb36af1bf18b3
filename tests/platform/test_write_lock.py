"""The process's SQLite writer lock is reentrant and serves a waiting acknowledgement before background writers."""

from __future__ import annotations

import threading
import time

from gridloop.platform.db.writelock import WriteLock, first


def _wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_the_holding_thread_takes_the_lock_again():
    lock = WriteLock()
    with lock, lock, first(lock):
        pass
    with lock:  # free again after the nested releases
        pass


def test_a_waiting_acknowledgement_goes_before_background_writers_that_waited_longer():
    lock = WriteLock()
    order: list[str] = []
    lock.acquire()
    background = [threading.Thread(target=lambda n=n: _take(lock, f"background-{n}", order)) for n in range(3)]
    for t in background:
        t.start()
    _wait_until(lambda: len(lock._cond._waiters) == 3)  # type: ignore[attr-defined]
    ack = threading.Thread(target=lambda: _take(lock, "ack", order, urgent=True))
    ack.start()
    _wait_until(lambda: lock._first_waiting == 1)
    lock.release()
    for t in [*background, ack]:
        t.join(5)
    assert order[0] == "ack", f"the acknowledgement first: {order}"
    assert sorted(order[1:]) == ["background-0", "background-1", "background-2"]


def _take(lock: WriteLock, name: str, order: list[str], *, urgent: bool = False) -> None:
    with first(lock) if urgent else lock:
        order.append(name)


def test_another_lock_passes_through_first_unchanged():
    plain = threading.Lock()
    assert first(plain) is plain
