"""A cache that lives as long as one batch transaction (`session.info[BATCH_CACHE]`).

A batch worker (the triage workers' `finish_many`) stores many reports in one transaction; what every report of it
reads and nobody changes meanwhile in that transaction (the system's actor, the active catalogue, the root area)
is read once. Outside such a transaction nothing is cached: every caller reads as before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy.orm import Session

BATCH_CACHE = "gridloop.batch_cache"
T = TypeVar("T")


def batch_cached(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, read once per batch transaction when the session runs one; else read every time."""
    cache = session.info.get(BATCH_CACHE)
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]  # type: ignore[no-any-return]


def batch_cache(session: Session) -> dict[Hashable, object] | None:
    """The batch transaction's cache, or None outside one."""
    return session.info.get(BATCH_CACHE)
