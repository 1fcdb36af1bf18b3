"""Problem-details JSON (RFC 9457) for every error: one mapping from error class to HTTP status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridloop.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    Unauthenticated,
    UnsupportedMedia,
)

STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    Unauthenticated: 401,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMedia: 415,
}

log = logging.getLogger("gridloop.api")


def status_of(exc: DomainError) -> int:
    """The HTTP status of a domain error, for the API and the console's pages alike (400 when unlisted; 429 for
    an error that says when to retry)."""
    if isinstance(getattr(exc, "retry_after", None), int):
        return 429
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem-details response."""
    body = {
        "type": f"https://gridloop.dev/problems/{type_}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body["errors"] = errors or []
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _loc(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""

    @app.exception_handler(DomainError)
    async def _domain(_req: Request, exc: DomainError) -> JSONResponse:
        status = status_of(exc)
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if isinstance(retry, int) else None
        return problem(status, exc.title, exc.detail, type_=exc.code, errors=errors, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _loc(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))} for e in exc.errors()]
        return problem(
            422,
            "Invalid input",
            "The request has problems; see errors[].",
            type_="invalid-input",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), type_=f"http-{exc.status_code}")

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
        if _out_of_range(exc):
            return problem(
                422, "Invalid input", "A number or date in the request is out of range.", type_="invalid-input"
            )
        log.exception("unexpected error: %s", type(exc).__name__)
        return problem(500, "Internal error", "Something went wrong on our side; nothing was saved.", type_="internal")


def _out_of_range(exc: BaseException) -> bool:
    """A value no database column or calendar can hold (an id of 30 digits, year 0): the client's input, not a
    fault of ours — the safety net behind the routes' own checks."""
    from sqlalchemy.exc import DataError, StatementError

    if isinstance(exc, OverflowError | DataError):
        return True
    if isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError | ValueError):
        return True
    return isinstance(exc, ValueError) and "out of range" in str(exc)
