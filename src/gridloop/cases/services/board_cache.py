"""Built operations boards kept for a short time, per scope (the platform's TTL cache underneath)."""

from __future__ import annotations

from datetime import datetime, timedelta
from threading import Lock
from typing import Generic, TypeVar

from gridloop.kernel.org import ROLE_SCOPE, Actor
from gridloop.platform.cache import TtlCache

B = TypeVar("B")


class BoardCache(Generic[B]):
    """Keeps built boards for a short time: an operations board is refreshed once a minute, not on every load.

    Entries are keyed by what decides the numbers (scope rule, unit path, area, time bucket), so two people with
    the same scope share an entry and nobody sees another scope's counts. Grid-level boards (with case rows) are
    never kept. Storage is the platform's TTL cache.

    Refresh ahead (`gridloop serve`): the scopes looked at in the last `keep_warm_seconds` are rebuilt in a background
    thread half a bucket before their next bucket starts (`due`, `board.refresh_boards`), so page loads read a kept
    board and no request waits for a rebuild while someone keeps looking; a board is then at most 1.5 buckets old.
    """

    def __init__(self, *, ttl_seconds: int = 60, max_entries: int = 512, keep_warm_seconds: int = 600) -> None:
        self.ttl = max(1, ttl_seconds)
        self.keep_warm = timedelta(seconds=keep_warm_seconds)
        self.max_entries = max_entries
        # an entry lives two buckets, so one built ahead of its bucket (`due`) is still there at the bucket's end;
        # the time bucket in the key keeps a request from ever reading an older bucket's board
        self._entries: TtlCache[tuple[str, ...], B] = TtlCache(
            ttl=timedelta(seconds=2 * self.ttl), max_entries=max_entries
        )
        self._wanted: dict[tuple[str, ...], tuple[Actor, str | None, datetime]] = {}
        self._lock = Lock()

    def key(self, actor: Actor, area_code: str | None, now: datetime) -> tuple[str, ...]:
        """The entry a request maps to."""
        bucket = int(now.timestamp()) // self.ttl
        return (ROLE_SCOPE[actor.role].value, actor.unit_path, area_code or "", str(bucket))

    def wanted(self, actor: Actor, area_code: str | None, now: datetime) -> None:
        """Remember that someone looked at this scope's board (refreshed ahead for `keep_warm_seconds` after)."""
        with self._lock:
            self._wanted[self.key(actor, area_code, now)[:3]] = (actor, area_code, now)
            if len(self._wanted) > self.max_entries:  # bounded without the refresh thread too: the oldest go
                for scope, _ in sorted(self._wanted.items(), key=lambda kv: kv[1][2])[: len(self._wanted) // 4]:
                    del self._wanted[scope]

    def due(self, now: datetime, *, ahead: float) -> list[tuple[Actor, str | None, tuple[str, ...]]]:
        """Boards to build now so they are kept before their bucket starts: for each scope looked at within
        `keep_warm_seconds`, the entry of the bucket `ahead` seconds from now, if it is not kept yet."""
        later = now + timedelta(seconds=ahead)
        with self._lock:
            for scope, (_, _, seen) in list(self._wanted.items()):
                if now - seen > self.keep_warm:
                    del self._wanted[scope]
            wanted = list(self._wanted.values())
        out = []
        for actor, area_code, _ in wanted:
            key = self.key(actor, area_code, later)
            if self._entries.get(key, now=now) is None:
                out.append((actor, area_code, key))
        return out

    def get(self, key: tuple[str, ...], *, now: datetime) -> B | None:
        """A kept board of this time bucket, or None (never an older bucket's board, whatever its age)."""
        if int(key[-1]) < int(now.timestamp()) // self.ttl:
            return None
        return self._entries.get(key, now=now)

    def put(self, key: tuple[str, ...], value: B, *, now: datetime) -> None:
        """Keep a board for the rest of its time bucket at most (the oldest dropped when full)."""
        self._entries.put(key, value, now=now)

    def __len__(self) -> int:
        return len(self._entries)
