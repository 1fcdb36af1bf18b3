"""The process's SQLite writer lock: reentrant, and acknowledgements go first.

SQLite has one writer. Inside one process the writers queue on this lock (waking the next at once, where SQLite's
busy handler would sleep and poll). A writer that a caller is waiting on (intake storing reports) takes it with
`first()`: while one waits, background writers (triage workers, jobs) let it go ahead, so an acknowledgement
waits for at most the transaction already running, never for a queue of background ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


class WriteLock:
    """A reentrant lock whose `first()` holders are served before plain ones."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._first_waiting = 0

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

    def wanted(self) -> bool:
        """Whether a `first` taker waits for the lock (a long background writer lets it in at its next step)."""
        return self._first_waiting > 0

    def release(self) -> None:
        """Give the lock back (the last release of the holding thread frees it)."""
        with self._cond:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a write lock this thread does not hold")
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
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
