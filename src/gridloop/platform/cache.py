"""The one TTL cache of the process (cachetools on the injected clock) and the reference data kept in it.

Entries live for `ttl` seconds, so an administrator's change (a new area, a revoked token) takes effect within
that time in every worker; the clock is injected like everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock
from typing import Any, Generic, TypeVar

import cachetools

K = TypeVar("K")
#: The change stamp moved when a user's role, state or sessions change (read by every process's cache).
USERS_STAMP = "users"
#: The change stamp moved when units (areas) or categories change.
REFERENCE_STAMP = "reference"
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """A thread-safe mapping whose entries expire `ttl` after they were stored, bounded by `max_entries` (least
    recently used dropped first): cachetools' TTLCache on the injected clock (callers pass `now`)."""

    def __init__(self, ttl: timedelta = timedelta(seconds=30), max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self._now = 0.0
        self._data: cachetools.TTLCache[K, V] = cachetools.TTLCache(
            maxsize=max_entries, ttl=ttl.total_seconds(), timer=lambda: self._now
        )
        self._lock = Lock()

    def _at(self, now: datetime) -> None:
        self._now = max(self._now, now.timestamp())  # the cache's timer never goes back

    def get(self, key: K, *, now: datetime) -> V | None:
        """The value stored less than `ttl` ago, or None."""
        with self._lock:
            self._at(now)
            return self._data.get(key)

    def put(self, key: K, value: V, *, now: datetime) -> None:
        """Store a value for `ttl`."""
        with self._lock:
            self._at(now)
            self._data[key] = value

    def get_or_load(self, key: K, *, now: datetime, load: Callable[[], V]) -> V:
        """The cached value, or `load()` stored for `ttl` (a None result is cached too)."""
        with self._lock:
            self._at(now)
            if key in self._data:
                return self._data[key]
        value = load()
        self.put(key, value, now=now)
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

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
    #: Users by id (role, unit, active): read on every request, kept briefly, cleared when a user changes.
    actors: TtlCache[int, object] = field(default_factory=lambda: TtlCache(ttl=timedelta(seconds=5)))

    #: org.services.access.Throttle, made on first use (refused logins and tokens by address).
    throttle: Any = None
    #: Rate limiters of capabilities by name (e.g. caller-history lookups per person), made on first use.
    limiters: dict[str, Any] = field(default_factory=dict)
    #: The change stamps that moved since the last look (platform.db.stamps.StampWatcher.changed), set by the
    #: wiring: how a change made by another process reaches this one's caches.
    watch: Callable[[], set[str]] | None = None
    #: Whether `watch` would read the database now (None: it may always; set with `watch` by the wiring).
    watch_due: Callable[[], bool] | None = None

    def look_due(self) -> bool:
        """Whether `refresh()` would read the database now (else it costs nothing)."""
        return self.watch is not None and (self.watch_due is None or self.watch_due())

    def refresh(self) -> None:
        """Drop what another process changed (a user's role or state: the `users` stamp; units or categories: the
        `reference` stamp); the look costs one small read at most every GRIDLOOP_RELOAD_CHECK_SECONDS."""
        if self.watch is None:
            return
        changed = self.watch()
        if USERS_STAMP in changed:
            self.forget_users()
        if REFERENCE_STAMP in changed:
            self.forget_reference()

    def forget_users(self) -> None:
        """Drop what is known of users and tokens (after a role change, a disabling, a token revocation)."""
        self.actors.clear()
        self.tokens.clear()

    def forget_reference(self) -> None:
        """Drop cached areas and categories (after a unit or a category was added or changed)."""
        self.areas.clear()
        self.categories.clear()
