"""A small per-process cache of reference data read on every request (areas, categories, tokens).

Entries live for `ttl` seconds, so an administrator's change (a new area, a revoked token) takes effect within
that time in every worker; the clock is injected like everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class TtlCache(Generic[K, V]):
    """A thread-safe mapping whose entries expire after `ttl`; bounded by `max_entries` (oldest dropped)."""

    ttl: timedelta = timedelta(seconds=30)
    max_entries: int = 10_000
    _data: dict[K, tuple[datetime, V]] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def get_or_load(self, key: K, *, now: datetime, load: Callable[[], V]) -> V:
        """The cached value, or `load()` stored for `ttl` (a None result is cached too)."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                return hit[1]
        value = load()
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data.pop(next(iter(self._data)))
            self._data[key] = (now, value)
        return value

    def clear(self) -> None:
        """Forget everything (after an administrator's change in this process)."""
        with self._lock:
            self._data.clear()


@dataclass(frozen=True)
class AreaRef:
    """An area unit and the codes of its district and street, as intake needs them."""

    unit_id: int
    path: str
    level: str
    area_code: str
    district_code: str | None
    street_code: str | None


@dataclass
class ReferenceCache:
    """The caches a process keeps."""

    areas: TtlCache[str, AreaRef | None] = field(default_factory=TtlCache)
    categories: TtlCache[str, frozenset[str]] = field(default_factory=TtlCache)
    tokens: TtlCache[str, object] = field(default_factory=TtlCache)
