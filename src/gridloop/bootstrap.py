"""Wiring: build the engine, the unit-of-work factory, the service dependencies and the app from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from gridloop.adapters.clock import SystemClock
from gridloop.adapters.db.engine import build_engine
from gridloop.adapters.db.uow import UnitOfWorkFactory
from gridloop.config import Settings, get_settings
from gridloop.services.deps import ServiceDeps
from gridloop.services.ports import Clock

if TYPE_CHECKING:
    from fastapi import FastAPI


@dataclass
class Container:
    """Everything an entrypoint needs, built once per process (or per test)."""

    settings: Settings
    uow: UnitOfWorkFactory
    deps: ServiceDeps


def build_container(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    """Build the engine, units of work and service dependencies from settings."""
    settings = settings or get_settings()
    engine = build_engine(settings.database_url)
    deps = ServiceDeps(
        clock=clock or SystemClock(),
        auto_dispatch_threshold=settings.auto_dispatch_threshold,
        case_number_prefix=settings.case_number_prefix,
    )
    _plug_features(settings, deps, engine)
    return Container(settings=settings, uow=UnitOfWorkFactory(engine), deps=deps)


def _plug_features(settings: Settings, deps: ServiceDeps, engine: Engine) -> None:
    """Attach the features: geography (locator), dispatch (calendar, notifiers, auto-dispatch)."""
    from gridloop.adapters.geo.lazy import LazyLocator

    deps.locator = LazyLocator(engine, street_csv=settings.shared_data_dir / "geo" / "shanghai_streets_gazetteer.csv")
    _plug_dispatch(settings, deps, engine)


def _plug_dispatch(settings: Settings, deps: ServiceDeps, engine: Engine) -> None:
    """Working-day deadlines (official calendar + overrides), notifiers, auto-dispatch after intake."""
    from gridloop.adapters.calendar import RefreshingCalendar, engine_overrides_loader
    from gridloop.adapters.notify import build_notifier
    from gridloop.domain.sla import WorkdayDeadlinePolicy, WorkingHours
    from gridloop.services.dispatching import auto_dispatch_hook

    calendar = RefreshingCalendar(engine_overrides_loader(engine))
    deps.deadlines = WorkdayDeadlinePolicy(
        calendar, working=WorkingHours.parse(settings.working_hours), tz=settings.timezone
    )
    deps.notifier = build_notifier(settings.webhook_url)
    deps.after_receive.append(auto_dispatch_hook)


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    """The ASGI application."""
    from gridloop.entrypoints.api.app import build_app

    return build_app(container or build_container(settings))
