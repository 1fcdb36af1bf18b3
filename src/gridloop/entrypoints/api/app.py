"""The FastAPI application: routers of every feature, error handlers, the container on app.state."""

from __future__ import annotations

from fastapi import FastAPI

from gridloop import __version__
from gridloop.bootstrap import Container
from gridloop.entrypoints.api import errors


def build_app(container: Container) -> FastAPI:
    """An app bound to one container (settings, database, services)."""
    from gridloop.entrypoints.api import cases, meta, org

    app = FastAPI(
        title="gridloop API",
        version=__version__,
        description="The 12345 closed loop: intake, dispatch, handling, callback, supervision.",
        openapi_url="/openapi.json",
        docs_url="/docs",
    )
    app.state.container = container
    errors.install(app)
    for module in (meta, cases, org):
        app.include_router(module.router)
    _include_features(app)
    return app


def _include_features(app: FastAPI) -> None:
    """Routers and pages of the features (the console's pages last: its error pages wrap the API's)."""
    from gridloop.entrypoints import web
    from gridloop.entrypoints.api import catalogue, geo, kpis, triage

    for module in (geo, catalogue, kpis, triage):
        app.include_router(module.router)
    web.install(app)
