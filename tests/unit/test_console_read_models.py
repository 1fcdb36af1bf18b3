"""Console read models: the board cache (same scope and minute share an entry) and dispatch suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridloop.cases.services.board_cache import BoardCache
from gridloop.kernel.org import Actor, Role

T = datetime(2026, 11, 26, 2, 0, 30, tzinfo=UTC)


def _actor(role: Role, path: str, uid: int = 1) -> Actor:
    return Actor(user_id=uid, username=f"u{uid}", role=role, unit_id=uid, unit_path=path)


def test_two_people_with_the_same_scope_share_an_entry():
    cache = BoardCache(ttl_seconds=60)
    assert cache.key(_actor(Role.SUPERVISOR, "/1/5/", 1), None, T) == cache.key(
        _actor(Role.ANALYST, "/1/5/", 2), None, T
    )


def test_other_unit_area_scope_rule_or_minute_gets_another_entry():
    cache = BoardCache(ttl_seconds=60)
    base = cache.key(_actor(Role.SUPERVISOR, "/1/5/"), None, T)
    assert base != cache.key(_actor(Role.SUPERVISOR, "/1/6/"), None, T)
    assert base != cache.key(_actor(Role.SUPERVISOR, "/1/5/"), "310107", T)
    assert base != cache.key(_actor(Role.HANDLER, "/1/5/"), None, T)
    assert base != cache.key(_actor(Role.SUPERVISOR, "/1/5/"), None, T + timedelta(seconds=60))


def test_entries_of_an_older_minute_are_dropped_and_size_is_bounded():
    cache = BoardCache(ttl_seconds=60, max_entries=2)
    a = _actor(Role.SUPERVISOR, "/1/5/")
    old = cache.key(a, None, T)
    cache.put(old, "board-1", now=T)  # type: ignore[arg-type]
    later = T + timedelta(minutes=1)
    new = cache.key(a, None, later)
    cache.put(new, "board-2", now=later)  # type: ignore[arg-type]
    assert cache.get(old, now=later) is None and cache.get(new, now=later) == "board-2"
    for area in ("a", "b", "c"):
        cache.put(cache.key(a, area, later), "x", now=later)  # type: ignore[arg-type]
    assert len(cache) == 2


def test_dispatch_suggestion_is_shown_until_auto_dispatch_dispatched_the_case():
    from gridloop.cases.services.console import dispatch_suggestion
    from gridloop.cases.tables import CaseRow

    waiting = CaseRow(
        dispatch_auto=False,
        suggested_unit="310107-FG",
        suggested_co_units=["310107001"],
        suggest_reason="目录规则 城乡建设",
    )
    assert dispatch_suggestion(waiting) == {
        "suggested_unit": "310107-FG",
        "suggested_co_units": "310107001",
        "suggest_reason": "目录规则 城乡建设",
    }
    assert dispatch_suggestion(CaseRow(suggested_unit="310110-FG"))["suggested_unit"] == "310110-FG"
    assert dispatch_suggestion(CaseRow(dispatch_auto=True, suggested_unit="310107-FG"))["suggested_unit"] is None
    assert dispatch_suggestion(CaseRow())["suggested_unit"] is None
