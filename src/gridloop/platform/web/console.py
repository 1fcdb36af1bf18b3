"""The operations console: server-rendered pages (Jinja2), static assets, login sessions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridloop.kernel.errors import DomainError
from gridloop.platform.web.errors import status_of

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "gridloop_session"
log = logging.getLogger("gridloop.web")


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/docs", "/openapi.json", "/healthz") or path.startswith("/docs"))


def install(
    app: FastAPI,
    *,
    pages: Sequence[APIRouter],
    enums: Mapping[str, Any] | None = None,
    category_labels: Callable[[Any], Mapping[str, str]] | None = None,
) -> None:
    """Mount static files, the session middleware, the pages, and HTML error pages for page paths."""
    from gridloop.platform.web.auth import (
        CsrfFailed,
        LoginRequired,
        ServerSessionMiddleware,
        WebActorMiddleware,
        login_redirect_url,
    )
    from gridloop.platform.web.render import render

    settings = app.state.container.settings
    app.state.page_enums = dict(enums or {})
    app.state.category_labels = category_labels
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in pages:
        app.include_router(router, include_in_schema=False)
    app.add_middleware(WebActorMiddleware)
    app.add_middleware(
        ServerSessionMiddleware,
        container=app.state.container,
        secret_key=settings.secret_key,
        cookie=SESSION_COOKIE,
        hours=settings.session_hours,
        https_only=settings.session_https_only,
    )
    json_handlers: dict[Any, Any] = dict(app.exception_handlers)

    def error_page(request: Request, status: int, detail: str, *, kind: str = "") -> Response:
        # Chinese pages show a service's detail only when it is written in Chinese (the English one is for the API)
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in detail)
        ctx = {"status": status, "detail": detail, "kind": kind, "detail_is_chinese": chinese}
        return render(request, "error.html", ctx, status=status)

    async def on_login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(login_redirect_url(exc), status_code=303)

    async def on_domain(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            response: Response = await json_handlers[DomainError](request, exc)
            return response
        assert isinstance(exc, DomainError)
        status = status_of(exc)
        return error_page(request, status, exc.detail, kind="csrf" if isinstance(exc, CsrfFailed) else "")

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
