"""The caller of an API request is found on the event loop, from the process's caches, when nothing needs the
database: no thread hop and no statement on the hot path; anything else still goes to the database."""

from __future__ import annotations

from sqlalchemy import event
from starlette.requests import Request

from gridloop.platform.org.services import access
from gridloop.platform.web import deps as web_deps


def _request(token: str) -> Request:
    headers = [(b"authorization", f"Bearer {token}".encode())]
    scope = {"type": "http", "method": "GET", "path": "/api/v1/me", "headers": headers, "client": ("1.2.3.4", 1)}
    return Request(scope)


def _statements(container, run):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(container.uow.engine, "before_cursor_execute", note)
    try:
        result = run()
    finally:
        event.remove(container.uow.engine, "before_cursor_execute", note)
    return result, seen


def _settled(container) -> None:  # type: ignore[no-untyped-def]
    """No periodic look due for a while (the stamps and the refused-token counts were just read)."""
    container.deps.cache.watch_due = lambda: False
    access.throttle_of(container.deps)._next_look = float("inf")


def test_a_known_token_is_answered_from_the_caches_without_a_statement(container, as_user):
    token = as_user("operator").token
    assert web_deps._actor_from_caches(_request(token), container) is None  # cold: the token was never read
    actor = web_deps._actor_from_database(_request(token), container)
    _settled(container)
    cached, statements = _statements(container, lambda: web_deps._actor_from_caches(_request(token), container))
    assert cached == actor and cached.username == "operator"
    assert statements == []


def test_a_due_look_or_an_unknown_token_goes_to_the_database(container, as_user):
    token = as_user("operator").token
    web_deps._actor_from_database(_request(token), container)
    _settled(container)
    container.deps.cache.watch_due = lambda: True  # another process may have changed users: read the stamps first
    assert web_deps._actor_from_caches(_request(token), container) is None
    _settled(container)
    access.throttle_of(container.deps)._next_look = 0.0  # refused tokens to count first
    assert web_deps._actor_from_caches(_request(token), container) is None
    _settled(container)
    # an unknown token (even one already known to be unknown) is refused by the database path, which records it
    assert web_deps._actor_from_caches(_request("glp_unknown"), container) is None


def test_a_refused_token_is_still_recorded_and_throttled_over_http(app_client, as_user):
    ok = as_user("operator")
    assert ok.get("/api/v1/me").status_code == 200
    statuses = [
        app_client.get("/api/v1/me", headers={"Authorization": "Bearer glp_same-guess"}).status_code for _ in range(31)
    ]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
