"""The process's SQLite writer lock: reentrant, and acknowledgements go first.

SQLite has one writer. Inside one process the writers queue on this lock (waking the next at once, where SQLite's
busy handler would sleep and poll). A writer that a caller is waiting on (intake storing reports) takes it with
`first()`: while one waits, background writers (triage workers, jobs) let it go ahead, so an acknowledgement
waits for at most the transaction already running, never for a queue of background ones.

Between processes on one SQLite file (`serve` and its triage worker child) a `ProcessGate` does the same: a writer
holds byte-range locks of a file beside the database for its whole transaction, so a waiting writer sleeps in the
kernel and is woken at once (SQLite's busy handler sleeps and polls, and a process writing transaction after
transaction would starve it). A process whose writers `give_way()` (the triage worker) goes through one more door:
while any other process waits, it waits, so an acknowledgement waits for at most one worker transaction.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import ClassVar


class ProcessGate:
    """Mutual exclusion of the writers of several processes, with priority: three byte-range locks (`fcntl`) of
    one file. Priority writers take NEXT, then WRITE, then let NEXT go; writers that give way first queue on LOW
    (one of them at a time reaches NEXT), so a priority writer waits for at most the transaction running.
    Byte-range locks belong to the process: its threads must be serialised first (`WriteLock` does)."""

    LOW, NEXT, WRITE = 0, 1, 2
    _open: ClassVar[dict[str, ProcessGate]] = {}
    _opening: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.low = False
        # byte-range locks do not exclude threads of one process: one gate per file and process, held by one
        # thread at a time (re-entered by it when two containers on the file nest)
        self._mine = threading.RLock()
        self._depth = 0

    def _lock(self, byte: int) -> None:
        import fcntl

        fcntl.lockf(self._fd, fcntl.LOCK_EX, 1, byte)

    def _unlock(self, byte: int) -> None:
        import fcntl

        fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, byte)

    def enter(self) -> None:
        """Wait for this process's turn to write."""
        self._mine.acquire()
        self._depth += 1
        if self._depth > 1:
            return
        try:
            if self.low:
                self._lock(self.LOW)
            self._lock(self.NEXT)
            self._lock(self.WRITE)
            self._unlock(self.NEXT)
        except BaseException:
            self._depth -= 1
            self._mine.release()
            raise

    def others_waiting(self) -> bool:
        """Whether a writer of another process waits for its turn (it holds NEXT while it waits for WRITE). Asked by
        the holder between the steps of a long transaction, so it can end early and let that writer in."""
        import fcntl

        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, self.NEXT)
        except OSError:
            return True
        fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, self.NEXT)
        return False

    def leave(self) -> None:
        """Let the next process write."""
        try:
            if self._depth == 1:
                self._unlock(self.WRITE)
                if self.low:
                    self._unlock(self.LOW)
        finally:
            self._depth -= 1
            self._mine.release()

    @classmethod
    def for_sqlite(cls, database: str | None) -> ProcessGate | None:
        """The gate of a SQLite file (`<file>-writers` beside it); None for an in-memory database or off POSIX."""
        if not database or database == ":memory:" or database.startswith("file:") or os.name != "posix":
            return None
        path = os.path.abspath(f"{database}-writers")
        with cls._opening:
            if path not in cls._open:
                cls._open[path] = cls(path)
            return cls._open[path]


class WriteLock:
    """A reentrant lock whose `first()` holders are served before plain ones; with a `ProcessGate`, also held
    against the writers of other processes."""

    def __init__(self, gate: ProcessGate | None = None) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._first_waiting = 0
        self._gate = gate

    def give_way(self) -> None:
        """This process's writers go after the other processes' waiting ones (the triage worker's)."""
        if self._gate is not None:
            self._gate.low = True

    def acquire(self, *, first: bool = False) -> None:
        """Take the lock (again, if this thread holds it); plain takers wait while a `first` taker waits."""
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return
            if first:
                self._first_waiting += 1
            try:
                while self._owner is not None or (not first and self._first_waiting):
                    self._cond.wait()
            finally:
                if first:
                    self._first_waiting -= 1
            self._owner, self._depth = me, 1
        if self._gate is not None:
            try:
                self._gate.enter()
            except BaseException:
                self._free()
                raise

    def wanted(self) -> bool:
        """Whether a `first` taker of this process, or a writer of another process, waits for the lock (a long
        background writer lets it in at its next step)."""
        if self._first_waiting > 0:
            return True
        return self._gate is not None and self._owner == threading.get_ident() and self._gate.others_waiting()

    def release(self) -> None:
        """Give the lock back (the last release of the holding thread frees it)."""
        with self._cond:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a write lock this thread does not hold")
            if self._depth > 1:
                self._depth -= 1
                return
        try:
            if self._gate is not None:  # still ours: no thread of this process can enter the gate meanwhile
                self._gate.leave()
        finally:
            self._free()

    def _free(self) -> None:
        with self._cond:
            self._owner, self._depth = None, 0
            self._cond.notify_all()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    @contextmanager
    def first(self) -> Iterator[WriteLock]:
        """Hold the lock, served before the plain takers waiting for it."""
        self.acquire(first=True)
        try:
            yield self
        finally:
            self.release()


def first(lock: AbstractContextManager[object]) -> AbstractContextManager[object]:
    """`lock.first()` for the process's write lock; any other lock (none on PostgreSQL) as it is."""
    return lock.first() if isinstance(lock, WriteLock) else lock


def wanted(lock: AbstractContextManager[object]) -> bool:
    """Whether an acknowledgement waits for the process's write lock (never for any other lock)."""
    return lock.wanted() if isinstance(lock, WriteLock) else False
