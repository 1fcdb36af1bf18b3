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


#: A process that writes transaction after transaction through the gate, giving way (the triage worker's part).
BUSY_WRITER = """
import sys, time
from pathlib import Path
from gridloop.platform.db.writelock import ProcessGate
gate = ProcessGate(sys.argv[1])
gate.low = sys.argv[3] == "low"
ready = Path(sys.argv[2])
end = time.monotonic() + float(sys.argv[4])
while time.monotonic() < end:
    gate.enter()
    ready.touch()
    time.sleep(0.05)  # one transaction
    gate.leave()
"""


def _busy_writer(tmp_path, role: str, seconds: float):
    import subprocess
    import sys

    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", BUSY_WRITER, str(tmp_path / "db-writers"), str(ready), role,
                             str(seconds)])  # fmt: skip
    _wait_until(ready.exists, 30)
    return proc


def test_a_server_writer_waits_for_at_most_one_transaction_of_a_worker_process_writing_back_to_back(tmp_path):
    from gridloop.platform.db.writelock import ProcessGate

    worker = _busy_writer(tmp_path, "low", 4)
    gate = ProcessGate(str(tmp_path / "db-writers"))
    waits = []
    try:
        for _ in range(15):
            t = time.perf_counter()
            gate.enter()
            waits.append(time.perf_counter() - t)
            time.sleep(0.005)
            gate.leave()
            time.sleep(0.02)
    finally:
        worker.wait(30)
    assert max(waits) < 0.5, f"the worker's writes went first: waits {[round(w, 3) for w in waits]}"


def test_the_gate_keeps_writers_of_two_processes_apart(tmp_path):
    from gridloop.platform.db.writelock import ProcessGate

    worker = _busy_writer(tmp_path, "high", 1.5)
    gate = ProcessGate(str(tmp_path / "db-writers"))
    try:
        entered = 0
        for _ in range(5):
            (tmp_path / "ready").unlink(missing_ok=True)
            gate.enter()
            time.sleep(0.06)  # longer than the other process's transaction: it would have touched the file
            assert not (tmp_path / "ready").exists(), "the other process wrote while this one held the gate"
            gate.leave()
            entered += 1
            time.sleep(0.02)
    finally:
        worker.wait(30)
    assert entered == 5


#: A process that takes its turn once (a server writer) and says when it got it.
ONE_WRITE = """
import sys
from pathlib import Path
from gridloop.platform.db.writelock import ProcessGate
gate = ProcessGate(sys.argv[1])
gate.enter()
Path(sys.argv[2]).touch()
gate.leave()
"""


def test_the_holder_sees_a_writer_of_another_process_waiting_so_a_long_transaction_can_end_early(tmp_path):
    import subprocess
    import sys

    from gridloop.platform.db.writelock import ProcessGate

    gate = ProcessGate(str(tmp_path / "db-writers"))
    lock = WriteLock(gate)
    done = tmp_path / "done"
    with lock:
        assert not lock.wanted(), "nobody waits yet"
        other = subprocess.Popen([sys.executable, "-c", ONE_WRITE, str(tmp_path / "db-writers"), str(done)])
        _wait_until(lock.wanted, 30)
        assert not done.exists(), "the other process wrote while this one held the gate"
    other.wait(30)
    assert done.exists()
    with lock:
        assert not lock.wanted(), "the other writer is gone"
