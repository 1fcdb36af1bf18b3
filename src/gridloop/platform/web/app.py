"""The FastAPI application: routers of every feature, error handlers, the container on app.state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI

from gridloop import __version__
from gridloop.platform.container import Container
from gridloop.platform.web import console, errors


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
        docs_url="/docs",
    )
    app.state.container = container
    errors.install(app)
    for router in routers:
        app.include_router(router)
    console.install(app, pages=pages, enums=enums, category_labels=category_labels)
    return app
