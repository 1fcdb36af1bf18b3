"""The reference cache forgets after its TTL (so revocations and new areas show up)."""

from __future__ import annotations

from datetime import timedelta

from gridloop.platform.cache import TtlCache
from tests.conftest import T0


def test_cached_value_is_reused_within_ttl_and_reloaded_after():
    cache: TtlCache[str, int] = TtlCache(ttl=timedelta(seconds=30))
    loads = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get_or_load("k", now=T0, load=load) == 1
    assert cache.get_or_load("k", now=T0 + timedelta(seconds=29), load=load) == 1
    assert cache.get_or_load("k", now=T0 + timedelta(seconds=31), load=load) == 2


def test_cache_is_bounded():
    cache: TtlCache[int, int] = TtlCache(max_entries=3)
    for i in range(5):
        cache.get_or_load(i, now=T0, load=lambda i=i: i)
    assert len(cache._data) == 3
