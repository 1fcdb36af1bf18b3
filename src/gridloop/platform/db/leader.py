"""One holder at a time across processes: a PostgreSQL session-level advisory lock (`pg_try_advisory_lock`) held
on a dedicated connection. When the holder dies its connection closes and the server releases the lock, so the
next process that tries takes over (failover within one try period). SQLite serves one process: always held."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy import Engine, text

log = logging.getLogger("gridloop.leader")


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class SingletonLock:
    """`held()` says whether this process holds the named lock now, taking it when free."""

    def __init__(self, engine: Engine, name: str) -> None:
        self._engine = engine
        self.name = name
        self._key = lock_key(name)
        self._conn: Any = None
        self._held = False

    @property
    def shared(self) -> bool:
        """Whether other processes can compete (PostgreSQL), or this process is alone (SQLite)."""
        return self._engine.dialect.name == "postgresql"

    def held(self) -> bool:
        """True when this process holds the lock (checked on its connection; retaken after a lost connection)."""
        if not self.shared:
            return True
        try:
            if self._conn is None:
                self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                self._held = False
            if self._held:
                self._conn.execute(text("SELECT 1"))  # the connection (and so the lock) is still alive
                return True
            self._held = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar())
            if self._held:
                log.info("this process now holds %s", self.name)
            return self._held
        except Exception:  # connection lost: the server released the lock; try again next time
            log.warning("lost the connection holding %s", self.name)
            self.release()
            return False

    def release(self) -> None:
        """Give the lock up: the connection is closed for real (not returned to the pool), which releases it."""
        conn, held, self._conn, self._held = self._conn, self._held, None, False
        if conn is not None:
            try:
                if held:  # unlock now: the server notices a closed connection only a moment later
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                conn.invalidate()
                conn.close()
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)
