"""Wiring: build the engine, the unit-of-work factory, the service dependencies and the app from settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from gridloop.config import Settings, attachments_location, get_settings
from gridloop.kernel.clock import SystemClock
from gridloop.kernel.events import DomainEvent
from gridloop.kernel.ports import Clock
from gridloop.platform.container import Container
from gridloop.platform.db.engine import build_engine
from gridloop.platform.db.uow import UnitOfWorkFactory
from gridloop.platform.db.writelock import ProcessGate, WriteLock
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.events import EventBus, Handler, Subscription
from gridloop.platform.files import build_file_store
from gridloop.platform.outbox import Outbox

if TYPE_CHECKING:
    from fastapi import FastAPI

    from gridloop.platform.db.stamps import StampWatcher


def build_container(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    """Build the engine, units of work and service dependencies from settings."""
    from gridloop.cases.services import audit

    audit.install()  # every case event is chained by hash as it is written
    settings = settings or get_settings()
    engine = build_engine(settings.database_url)
    deps = ServiceDeps(
        clock=clock or SystemClock(),
        auto_dispatch_threshold=settings.auto_dispatch_threshold,
        case_number_prefix=settings.case_number_prefix,
        tz=ZoneInfo(settings.timezone),
        readings_partitions=settings.readings_partitions,
    )
    if engine.dialect.name == "sqlite":
        deps.write_lock = WriteLock(ProcessGate.for_sqlite(engine.url.database))
    deps.files = build_file_store(attachments_location(settings), endpoint_url=settings.attachments_s3_endpoint)
    deps.attachments_max_bytes = settings.attachments_max_bytes
    watcher = _stamp_watcher(engine, every=settings.reload_check_seconds)
    deps.cache.watch, deps.cache.watch_due = watcher.changed, watcher.due
    _plug_features(settings, deps, engine)
    return Container(settings=settings, uow=UnitOfWorkFactory(engine), deps=deps)


def _stamp_watcher(engine: Engine, *, every: float) -> StampWatcher:
    """What the process's caches look at to forget what another process changed (the change stamps)."""
    from gridloop.platform.db.engine import session_factory
    from gridloop.platform.db.stamps import StampWatcher, read_stamps

    factory = session_factory(engine)

    def read() -> dict[str, int]:
        with factory() as s:
            return read_stamps(s)

    return StampWatcher(read, every=every)


def _plug_features(settings: Settings, deps: ServiceDeps, engine: Engine) -> None:
    """Attach the features: geography (locator), dispatch (calendar, outbox channels), triage; then the events."""
    from gridloop.geo.adapters.lazy import LazyLocator

    deps.locator = LazyLocator(engine, street_csv=settings.shared_data_dir / "geo" / "shanghai_streets_gazetteer.csv")
    _plug_dispatch(settings, deps, engine)
    duplicates = _plug_triage(settings, deps, engine) if settings.triage_enabled else None
    deps.events = EventBus(
        Subscription(event, order, handler, isolated)
        for event, order, handler, isolated in EVENT_SUBSCRIBERS(duplicates)
    )


def EVENT_SUBSCRIBERS(duplicates: Handler | None = None) -> list[tuple[type[DomainEvent], int, Handler, bool]]:
    """Who hears which domain event, in which order (ascending; the order is this data, never a name).

    Rows are (event type, order, subscriber, isolated). Isolated subscribers (intake) that fail are rolled
    back to their savepoint and logged, and the report is kept; a lifecycle cascade that fails fails the action.
    `duplicates` (triage's duplicate search) is given when triage is on; emergencies are announced then too.
    """
    from gridloop.cases import subscribers as case_subscribers
    from gridloop.cases.services import coordination
    from gridloop.cases.services.dispatching import dispatch_received
    from gridloop.emergency.subscribers import open_or_join_incident
    from gridloop.kernel.events import (
        CaseChanged,
        CaseClosed,
        CaseDispatched,
        CaseEscalated,
        CaseReceived,
        CaseReturned,
        DeadlineMissed,
        DeadlineNear,
    )
    from gridloop.notices import subscribers as notices
    from gridloop.open311.subscribers import on_case_changed

    rows: list[tuple[type[DomainEvent], int, Handler, bool]] = [
        # after intake: triage facts are on the case; announce emergencies, merge duplicates, then auto-dispatch
        (CaseReceived, 30, dispatch_received, True),
        # an emergency report opens or joins an incident (after the duplicate merge, before auto-dispatch)
        (CaseReceived, 27, open_or_join_incident, True),
        # lifecycle cascades (三跨 coordination, merged children)
        (CaseDispatched, 10, coordination.on_dispatched, False),
        (CaseReturned, 10, case_subscribers.escalate_after_returns, False),
        (CaseClosed, 10, coordination.on_closed, False),
        # Open311 subscribers' signed webhooks (after the cascades, so the status told is the final one)
        (CaseDispatched, 80, on_case_changed, True),
        (CaseReturned, 80, on_case_changed, True),
        (CaseEscalated, 80, on_case_changed, True),
        (CaseClosed, 80, on_case_changed, True),
        # notices to people (new dispatch, return, 督办, due within 24 h, followed cases), after every cascade
        (CaseChanged, 90, notices.on_case_changed, True),
        (DeadlineMissed, 90, notices.on_deadline_missed, True),
        (DeadlineNear, 90, notices.on_deadline_near, True),
    ]
    if duplicates is not None:
        rows += [(CaseReceived, 10, case_subscribers.announce_emergency, True), (CaseReceived, 20, duplicates, True)]
    return rows


def _plug_triage(settings: Settings, deps: ServiceDeps, engine: Engine) -> Handler:
    """Classifier + urgency + personal data (lazy model); returns the duplicate search of open cases."""
    from gridloop.platform.db.engine import session_factory
    from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer
    from gridloop.triage.plug import build_triage
    from gridloop.triage.services.duplicates import ReportRef
    from gridloop.triage.subscribers import OpenCaseIndex

    def build_index(refs: Sequence[ReportRef]) -> DuplicateIndex:
        index = DuplicateIndex(SketchVectorizer(reference=[r.text for r in refs]))
        for ref, sketch in zip(refs, index.sketches([(r.title, r.text) for r in refs]), strict=True):
            index.add(ref.key, sketch, when=ref.when, lng=ref.lng, lat=ref.lat)
        return index

    deps.triage = build_triage(settings, session_factory=session_factory(engine))
    return OpenCaseIndex(build_index).merge_duplicates


def _plug_dispatch(settings: Settings, deps: ServiceDeps, engine: Engine) -> None:
    """Working-day deadlines (official calendar + overrides), the outbox's channels (log, webhook)."""
    from gridloop.dispatch.adapters.calendar import RefreshingCalendar, engine_overrides_loader
    from gridloop.kernel.sla import WorkdayDeadlinePolicy, WorkingHours
    from gridloop.platform.notify import AddressedWebhookNotifier, build_channels, build_person_channels

    calendar = RefreshingCalendar(engine_overrides_loader(engine))
    deps.deadlines = WorkdayDeadlinePolicy(
        calendar, working=WorkingHours.parse(settings.working_hours), tz=settings.timezone
    )
    deps.outbox = Outbox(
        channels=build_channels(settings.webhook_url, webhook_timeout=settings.webhook_timeout),
        addressed={
            "subscriber": AddressedWebhookNotifier(timeout=settings.webhook_timeout),
            **build_person_channels(settings.notice_channels),
        },
    )


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    """The ASGI application."""
    from gridloop.cases.api import attachments, cases, kpis, meta, metrics
    from gridloop.cases.api import history as history_api
    from gridloop.cases.api import maps as geo_api
    from gridloop.cases.pages import attachments as case_files
    from gridloop.cases.pages import cases as case_pages
    from gridloop.cases.pages import history as history_pages
    from gridloop.cases.pages import intake, work
    from gridloop.citizen import pages as citizen_pages
    from gridloop.dispatch import api as dispatch_api
    from gridloop.drills import pages as drill_pages
    from gridloop.emergency.api import cap as emergency_cap
    from gridloop.emergency.api import hazards as emergency_hazards
    from gridloop.emergency.api import incidents as emergency_incidents
    from gridloop.emergency.api import sensors as emergency_sensors
    from gridloop.emergency.api import teams as emergency_teams
    from gridloop.emergency.pages import console as emergency_pages
    from gridloop.emergency.pages import sensors as emergency_sensor_pages
    from gridloop.exportcontrol import api as exportcontrol_api
    from gridloop.exportcontrol import pages as exportcontrol_pages
    from gridloop.fieldwork import api as fieldwork_api
    from gridloop.fieldwork import pages as fieldwork_pages
    from gridloop.interchange import pages as interchange_pages
    from gridloop.knowledge import api as knowledge_api
    from gridloop.knowledge.pages import editor as kb_editor_pages
    from gridloop.knowledge.pages import intake as kb_intake_pages
    from gridloop.knowledge.pages import reports as kb_report_pages
    from gridloop.notices import api as notices_api
    from gridloop.notices import pages as notices_pages
    from gridloop.open311 import api as open311_api
    from gridloop.participation import api as participation_api
    from gridloop.participation import console as participation_console
    from gridloop.participation import console_meetings as participation_meetings
    from gridloop.participation import pages as participation_pages
    from gridloop.petitions import api as petitions_api
    from gridloop.petitions import pages as petitions_pages
    from gridloop.platform.web import org_api, org_pages
    from gridloop.platform.web.app import build_app
    from gridloop.triage import api as triage_api

    container = container or build_container(settings)
    container.settings = container.settings.model_copy(update={"secret_key": installation_secret_key(container)})
    return build_app(
        container,
        routers=[meta.router, metrics.router, cases.router, attachments.router, org_api.router, geo_api.router,
                 dispatch_api.router, kpis.router, triage_api.router, exportcontrol_api.router, knowledge_api.router,
                 petitions_api.router, participation_api.router, participation_api.public_router, open311_api.router,
                 emergency_hazards.router, emergency_incidents.router, emergency_teams.router, emergency_cap.router,
                 fieldwork_api.router, emergency_sensors.router, notices_api.router, history_api.router],
        pages=[org_pages.router, intake.router, case_pages.router, case_files.router, work.router,
               exportcontrol_pages.router, participation_pages.router, emergency_pages.router, fieldwork_pages.router,
               interchange_pages.router, citizen_pages.router, kb_intake_pages.router, kb_report_pages.router,
               kb_editor_pages.router, drill_pages.router, emergency_sensor_pages.router, participation_console.router,
               petitions_pages.router, participation_meetings.router, notices_pages.router, history_pages.router],
        enums=PAGE_ENUMS(),
        category_labels=_category_labels,
    )  # fmt: skip


def installation_secret_key(container: Container) -> str:
    """The key that signs session cookies: GRIDLOOP_SECRET_KEY if set, else the one `init`/`demo` stored."""
    from gridloop.platform.org.services import installation

    with container.uow() as uow:
        return installation.effective_secret_key(uow.session, container.settings.secret_key)


def insecure_key_refusal(container: Container) -> str | None:
    """Why `serve` must not start (the built-in key on a real database), or None."""
    from gridloop.platform.org.services import installation

    with container.uow() as uow:
        key = installation.effective_secret_key(uow.session, container.settings.secret_key)
        if key != installation.DEFAULT_SECRET_KEY or installation.is_demo(uow.session):
            return None
    return (
        "refusing to serve with the built-in secret key: run `gridloop init` (stores a random key with the "
        "installation) or set GRIDLOOP_SECRET_KEY to a long random value"
    )


def PAGE_ENUMS() -> dict[str, object]:
    """The labelled enums the console's pages show (status, action, channel …)."""
    from gridloop.cases.domain.attachments import AttachmentStep
    from gridloop.cases.domain.lifecycle import Action, Channel, RequestType, Satisfaction, Status, Urgency
    from gridloop.emergency.domain import hazards, incidents, teams

    return {"status": Status, "action": Action, "channel": Channel, "request_type": RequestType,
            "urgency": Urgency, "satisfaction": Satisfaction,
            "hazard_status": hazards.HazardStatus, "hazard_action": hazards.HazardAction,
            "incident_type": incidents.IncidentType, "grade": incidents.Grade,
            "incident_status": incidents.IncidentStatus, "incident_action": incidents.IncidentAction,
            "task_status": incidents.TaskStatus, "task_action": incidents.TaskAction,
            "team_status": teams.TeamStatus, "attachment_step": AttachmentStep}  # fmt: skip


def _category_labels(container: Container) -> dict[str, str]:
    """English labels of the case categories (the Chinese label is the code)."""
    from gridloop.platform.org.services import admin

    with container.uow() as uow:
        return {c.code: c.name_en for c in admin.list_categories(uow)}
