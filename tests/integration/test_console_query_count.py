"""Console pages cost a fixed number of SQL queries, however many cases a page shows."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.web_helpers import login


@contextmanager
def _counting(engine):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_cases(container, clock, n, seed):
    from gridloop.demo.bulk import bulk_demo_cases as bulk_cases

    with container.uow() as uow:
        bulk_cases(uow.session, count=n, now=clock.now(), days=30, seed=seed)
        uow.commit()


@pytest.mark.parametrize(
    ("user", "url", "limit"),
    [
        ("admin", "/cases?per_page=50", 8),
        ("admin", "/cases?per_page=50&status=in_progress&sort=due_at", 8),
        ("dispatcher", "/queue?tab=new", 7),
        ("admin", "/inbox", 6),  # four lists; an inbox row shows no units, so none are loaded
        ("gridworker", "/inbox", 6),  # a grid: read per area unit on PostgreSQL
        ("gridworker", "/cases?per_page=50", 8),
        ("supervisor", "/cases?per_page=5&page=3&after=1_2026-01-01T00:00:00%2B00:00", 8),  # a pager link
        ("analyst", "/board", 10),
        ("admin", "/cases/1", 10),  # + the case's photos and files, + whether I follow it
    ],  # each page: one query for the server-side session (with its user), then the page's own
)
def test_page_costs_the_same_queries_with_60_or_600_cases(app_client, container, clock, user, url, limit):
    login(app_client, user)
    app_client.app.state.board_cache = None  # measure the queries, not the cache
    _add_cases(container, clock, 60, seed=1)
    with _counting(container.uow.engine) as small:
        assert app_client.get(url).status_code == 200
    _add_cases(container, clock, 540, seed=2)
    with _counting(container.uow.engine) as large:
        assert app_client.get(url).status_code == 200
    assert len(small) == len(large), (small, large)
    assert len(large) <= limit, large


def test_board_is_reused_within_a_minute_for_the_same_scope_only(app_client, container, clock):
    login(app_client, "analyst")  # lands on the board
    clock.advance(seconds=61)
    with _counting(container.uow.engine) as first:
        app_client.get("/board")
    with _counting(container.uow.engine) as again:
        app_client.get("/board")
    assert len(again) < len(first)  # only the login user is loaded
    clock.advance(seconds=61)
    with _counting(container.uow.engine) as later:
        app_client.get("/board")
    assert len(later) == len(first)


def test_board_looked_at_is_built_ahead_so_the_next_minute_reads_it_kept(app_client, container, clock):
    from gridloop.cases.services import board

    login(app_client, "analyst")
    cache = app_client.app.state.board_cache if hasattr(app_client.app.state, "board_cache") else None
    if cache is None:
        from gridloop.cases.services.board_cache import BoardCache

        cache = app_client.app.state.board_cache = BoardCache(ttl_seconds=60)
    clock.advance(seconds=60 - clock.now().timestamp() % 60 + 1)  # one second into a bucket
    with _counting(container.uow.engine) as first:
        app_client.get("/board")
    with _counting(container.uow.engine) as kept:
        app_client.get("/board")
    assert board.refresh_boards(container.uow, cache, now=clock.now(), tz=container.deps.tz) == 0  # not due yet
    clock.advance(seconds=40)  # 19 s before the next bucket: due (half a bucket ahead)
    with _counting(container.uow.engine) as ahead:
        assert board.refresh_boards(container.uow, cache, now=clock.now(), tz=container.deps.tz) == 1
    assert 0 < len(ahead) <= len(first) - len(kept)  # the board's own queries, off the request path
    assert board.refresh_boards(container.uow, cache, now=clock.now(), tz=container.deps.tz) == 0  # kept now
    clock.advance(seconds=20)  # into the next bucket
    with _counting(container.uow.engine) as later:
        app_client.get("/board")
    assert not [q for q in later if "FROM cases" in q], later  # no board query on the request path
    clock.advance(seconds=60 * 11)  # nobody looked for longer than keep_warm: not rebuilt any more
    assert board.refresh_boards(container.uow, cache, now=clock.now(), tz=container.deps.tz) == 0
