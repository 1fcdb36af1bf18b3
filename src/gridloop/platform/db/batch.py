"""A cache that lives as long as one batch transaction (`session.info[BATCH_CACHE]`).

A batch worker (the triage workers' `finish_many`) stores many reports in one transaction; what every report of it
reads and nobody changes meanwhile in that transaction (the system's actor, the active catalogue, the root area)
is read once. Outside such a transaction nothing is cached: every caller reads as before.

The worker also says which cases the transaction works on (`BatchScope`), so a subscriber can ask once for all of
them whether any has what it looks for (a follower, an Open311 request) instead of asking per case.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
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
        with session.no_autoflush:  # what is cached does not depend on this transaction's pending changes
            cache[key] = load()
    return cache[key]  # type: ignore[no-any-return]


def batch_cache(session: Session) -> dict[Hashable, object] | None:
    """The batch transaction's cache, or None outside one."""
    return session.info.get(BATCH_CACHE)


@dataclass(frozen=True)
class BatchScope:
    """The cases one batch transaction works on (the reports it stores), by id and by number."""

    case_ids: frozenset[int]
    case_numbers: frozenset[str]


_SCOPE = "gridloop.batch_scope"


def start_batch(session: Session, *, case_ids: Iterable[int] = (), case_numbers: Iterable[str] = ()) -> None:
    """Begin the batch cache of a new transaction (what the last one cached is dropped), with the cases it works on."""
    session.info[BATCH_CACHE] = {_SCOPE: BatchScope(frozenset(case_ids), frozenset(case_numbers))}


def batch_scope(session: Session) -> BatchScope | None:
    """The cases the batch transaction works on, or None outside one."""
    cache = session.info.get(BATCH_CACHE)
    scope = cache.get(_SCOPE) if cache is not None else None
    return scope if isinstance(scope, BatchScope) else None
