"""Wiring: build the engine, the unit-of-work factory, the service dependencies and the app from settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from threading import RLock
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
    if engine.dialect.name == "sqlite":
        deps.write_lock = RLock()
    _plug_features(settings, deps, engine)
    return Container(settings=settings, uow=UnitOfWorkFactory(engine), deps=deps)


def _plug_features(settings: Settings, deps: ServiceDeps, engine: Engine) -> None:
    """Attach the features: geography (locator), dispatch (calendar, notifiers, auto-dispatch)."""
    from gridloop.adapters.geo.lazy import LazyLocator

    deps.locator = LazyLocator(engine, street_csv=settings.shared_data_dir / "geo" / "shanghai_streets_gazetteer.csv")
    _plug_dispatch(settings, deps, engine)
    if settings.triage_enabled:
        _plug_triage(settings, deps, engine)
    # order: triage facts are on the case; announce emergencies, merge duplicates, then auto-dispatch
    deps.after_receive.sort(key=lambda hook: _HOOK_ORDER.get(getattr(hook, "__name__", ""), 50))


_HOOK_ORDER = {"announce_emergency": 10, "hook": 20, "auto_dispatch_hook": 30}


def _plug_triage(settings: Settings, deps: ServiceDeps, engine: Engine) -> None:
    """Classifier + urgency + personal data (lazy model), emergency notices, duplicates of open cases."""
    from gridloop.adapters.db.engine import session_factory
    from gridloop.adapters.nlp.dedup import DuplicateIndex, SketchVectorizer
    from gridloop.adapters.nlp.factory import build_triage
    from gridloop.services.duplicates import ReportRef
    from gridloop.services.intake_hooks import OpenCaseIndex, announce_emergency

    def build_index(refs: Sequence[ReportRef]) -> DuplicateIndex:
        index = DuplicateIndex(SketchVectorizer(reference=[r.text for r in refs]))
        for ref, sketch in zip(refs, index.sketches([(r.title, r.text) for r in refs]), strict=True):
            index.add(ref.key, sketch, when=ref.when, lng=ref.lng, lat=ref.lat)
        return index

    deps.triage = build_triage(settings, session_factory=session_factory(engine))
    deps.after_receive.append(announce_emergency)
    deps.after_receive.append(OpenCaseIndex(build_index).hook)


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
