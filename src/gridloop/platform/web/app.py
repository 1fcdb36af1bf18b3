"""The FastAPI application: routers of every feature, error handlers, the container on app.state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

from gridloop import __version__
from gridloop.platform.container import Container
from gridloop.platform.web import console, errors
from gridloop.platform.web.guard import GuardMiddleware


def build_app(
    container: Container,
    *,
    routers: Sequence[APIRouter],
    pages: Sequence[APIRouter],
    enums: Mapping[str, Any] | None = None,
    category_labels: Callable[[Container], Mapping[str, str]] | None = None,
) -> FastAPI:
    """An app bound to one container: the capabilities' API routers, then their pages (the console's error
    pages wrap the API's)."""
    app = FastAPI(
        title="gridloop API",
        version=__version__,
        description="The 12345 closed loop: intake, dispatch, handling, callback, supervision.",
        openapi_url="/openapi.json",
        docs_url=None,  # served below from vendored assets, under a CSP
        redoc_url=None,
    )
    app.state.container = container
    errors.install(app)
    for router in routers:
        app.include_router(router)
    console.install(app, pages=pages, enums=enums, category_labels=category_labels)
    app.add_api_route("/docs", _api_docs, methods=["GET"], include_in_schema=False)
    app.add_middleware(
        GuardMiddleware,
        max_body=container.settings.max_body_bytes,
        # a few photos in one form, and the multipart envelope around them
        max_upload=container.settings.attachments_max_bytes * 3 + 65_536,
    )
    app.openapi = lambda: _openapi_with_problems(app)  # type: ignore[method-assign]
    return app


_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gridloop API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script></body></html>
"""


def _api_docs() -> HTMLResponse:
    """The API explorer (Swagger UI, self-hosted; the guard middleware gives it its CSP)."""
    return HTMLResponse(_DOCS_PAGE)


#: Every error a JSON route can answer, as problem details (RFC 9457).
PROBLEM_STATUSES = {
    "400": "Bad request",
    "401": "No valid credentials (bearer token or login session)",
    "403": "Not allowed for your role",
    "404": "Not found, or outside your scope",
    "409": "Conflicts with the current state",
    "413": "Request body too large",
    "422": "Invalid input; errors[] names each field",
    "429": "Too many attempts; see Retry-After",
    "500": "Internal error (nothing was saved)",
}


def _openapi_with_problems(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI description with the problem-details schema and every error status on every operation."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status", "detail", "errors"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }
    for key in ("HTTPValidationError", "ValidationError"):
        components.pop(key, None)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    # Open311 answers its errors in its own format ([{"code", "description"}], JSON or XML), as its spec says
    foreign: dict[str, Any] = {"application/json": {}, "application/xml": {}}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            content = foreign if path.startswith("/open311/") else problem
            for status, description in PROBLEM_STATUSES.items():
                responses[status] = {"description": description, "content": content}
            if path.startswith("/open311/") and "200" in responses:
                responses["200"].setdefault("content", {}).update(foreign)
    app.openapi_schema = schema
    return schema
