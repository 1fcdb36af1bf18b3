"""Database errors that mean "try the same transaction again": PostgreSQL chose this transaction as a deadlock's
victim, or could not serialise it. Nothing of it was committed, so running it again is safe."""

from __future__ import annotations

#: SQLSTATEs: serialization_failure, deadlock_detected.
TRANSIENT = frozenset({"40001", "40P01"})


def is_transient(exc: BaseException) -> bool:
    """Whether `exc` (a SQLAlchemy error or the driver's own) is a deadlock or a serialisation failure."""
    seen: set[int] = set()
    err: BaseException | None = exc
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        state = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None)
        if state in TRANSIENT:
            return True
        err = getattr(err, "orig", None) or err.__cause__
    return False
