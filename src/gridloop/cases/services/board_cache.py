"""Built operations boards kept for a short time, per scope (the platform's TTL cache underneath)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Generic, TypeVar

from gridloop.kernel.org import ROLE_SCOPE, Actor
from gridloop.platform.cache import TtlCache

B = TypeVar("B")


class BoardCache(Generic[B]):
    """Keeps built boards for a short time: an operations board is refreshed once a minute, not on every load.

    Entries are keyed by what decides the numbers (scope rule, unit path, area, time bucket), so two people with
    the same scope share an entry and nobody sees another scope's counts. Grid-level boards (with case rows) are
    never kept. Storage is the platform's TTL cache.
    """

    def __init__(self, *, ttl_seconds: int = 60, max_entries: int = 512) -> None:
        self.ttl = max(1, ttl_seconds)
        self._entries: TtlCache[tuple[str, ...], B] = TtlCache(ttl=timedelta(seconds=self.ttl), max_entries=max_entries)

    def key(self, actor: Actor, area_code: str | None, now: datetime) -> tuple[str, ...]:
        """The entry a request maps to."""
        bucket = int(now.timestamp()) // self.ttl
        return (ROLE_SCOPE[actor.role].value, actor.unit_path, area_code or "", str(bucket))

    def get(self, key: tuple[str, ...], *, now: datetime) -> B | None:
        """A kept board of this time bucket, or None."""
        return self._entries.get(key, now=now)

    def put(self, key: tuple[str, ...], value: B, *, now: datetime) -> None:
        """Keep a board for the rest of its time bucket at most (the oldest dropped when full)."""
        self._entries.put(key, value, now=now)

    def __len__(self) -> int:
        return len(self._entries)
