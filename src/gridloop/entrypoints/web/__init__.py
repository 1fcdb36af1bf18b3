"""The operations console: server-rendered pages (Jinja2), static assets, login sessions."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from gridloop.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "gridloop_session"
log = logging.getLogger("gridloop.web")

_STATUS: list[tuple[type[DomainError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Forbidden, 403),
    (Unauthenticated, 401),
    (Conflict, 409),
]


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/docs", "/openapi.json", "/healthz") or path.startswith("/docs"))


def install(app: FastAPI) -> None:
    """Mount static files, the session middleware, the pages, and HTML error pages for page paths."""
    from gridloop.entrypoints.web.auth import LoginRequired, WebActorMiddleware, login_redirect_url
    from gridloop.entrypoints.web.render import render
    from gridloop.entrypoints.web.routes import router
    from gridloop.services.console import BoardCache

    settings = app.state.container.settings
    app.state.board_cache = (
        BoardCache(ttl_seconds=settings.board_cache_seconds) if settings.board_cache_seconds > 0 else None
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.add_middleware(WebActorMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.session_https_only,
    )
    json_handlers: dict[Any, Any] = dict(app.exception_handlers)

    def error_page(request: Request, status: int, detail: str) -> Response:
        return render(request, "error.html", {"status": status, "detail": detail}, status=status)

    async def on_login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(login_redirect_url(exc), status_code=303)

    async def on_domain(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            response: Response = await json_handlers[DomainError](request, exc)
            return response
        assert isinstance(exc, DomainError)
        status = next((s for cls, s in _STATUS if isinstance(exc, cls)), 400)
        return error_page(request, status, exc.detail)

    async def on_http(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            response: Response = await json_handlers[StarletteHTTPException](request, exc)
            return response
        assert isinstance(exc, StarletteHTTPException)
        return error_page(request, exc.status_code, str(exc.detail))

    async def on_validation(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            response: Response = await json_handlers[RequestValidationError](request, exc)
            return response
        return error_page(request, 422, "")

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            response: Response = await json_handlers[Exception](request, exc)
            return response
        log.exception("unexpected error on a page: %s", type(exc).__name__)
        return error_page(request, 500, "")

    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_unexpected)
