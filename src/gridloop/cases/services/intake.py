"""Intake: validate a report, number it and store it with its first audit event and a pending-triage entry.

The acknowledgement is one short transaction: locating by a given area or point (the point is validated against
the city's areas), the number, the case, its first audit event and a `triage_queue` row. Triage (classifier,
urgency, masking), locating by text, duplicates, incidents and auto-dispatch run afterwards in the triage workers
(`services/triage_queue.py`), which publish `CaseReceived` to the intake subscribers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridloop.cases.domain.intake import (
    ReportText,
    check_reported_at,
    check_short,
    default_title,
    validate_report,
)
from gridloop.cases.domain.lifecycle import Action, Channel, Crs, RequestType, Urgency, next_status
from gridloop.cases.services import audit
from gridloop.cases.services.intake_store import insert_cases, insert_statement, new_case_row, next_case_numbers
from gridloop.cases.tables import CaseEventRow, CaseRow, IdempotencyRow, TriageQueueRow
from gridloop.geo.services import convert_point
from gridloop.geo.services.geography import locate_case_area
from gridloop.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, ValidationProblems
from gridloop.kernel.events import CaseReceived
from gridloop.kernel.org import Actor, Permission
from gridloop.kernel.ports import AreaMatch
from gridloop.kernel.privacy import mask_personal_data
from gridloop.platform.cache import AreaRef
from gridloop.platform.db.exercise import exercise_run_of
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.db.writelock import first
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import CategoryRow, UnitRow


@dataclass(frozen=True)
class NewCase:
    """A report as submitted (already parsed from JSON or a form)."""

    text: str
    title: str = ""
    channel: str = Channel.PHONE.value
    request_type: str = RequestType.COMPLAINT.value
    urgency: str | None = None
    category: str | None = None
    lng: float | None = None
    lat: float | None = None
    crs: str | None = None
    address: str | None = None
    area_code: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    attachments: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    reported_at: datetime | None = None
    #: metres of uncertainty of the point (the phone's reported accuracy)
    position_accuracy: float | None = None
    #: a grid worker settled the matter on the spot: the case is created closed with this reply (就地解决)
    resolve_on_spot: str | None = None

    def fingerprint(self) -> str:
        """A hash of the request body, to tell a retry from a different request under the same key."""
        body = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()}
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _check_enums(problems: ValidationProblems, data: NewCase) -> None:
    for fname, enum, value in (
        ("channel", Channel, data.channel),
        ("request_type", RequestType, data.request_type),
        ("urgency", Urgency, data.urgency),
        ("crs", Crs, data.crs),
    ):
        if value is None:
            continue
        try:
            enum.parse(value)
        except ValueError as exc:
            problems.add(fname, str(exc))
    if data.crs is None and data.lng is not None:
        problems.add("crs", "say which CRS the point uses: wgs84 (GPS), gcj02 (Amap/Tencent) or bd09 (Baidu)")
    if len(data.attachments) > 20:
        problems.add("attachments", "at most 20 attachments")
    for i, url in enumerate(data.attachments):
        if not (url.startswith("https://") or url.startswith("http://")) or len(url) > 1000:
            problems.add(f"attachments[{i}]", "must be an http(s) URL of at most 1000 characters")
    if data.position_accuracy is not None and not (0 <= data.position_accuracy <= 100_000):
        problems.add("position_accuracy", "metres between 0 and 100000")
    if data.resolve_on_spot is not None and not data.resolve_on_spot.strip():
        problems.add("resolve_on_spot", "say what was done on the spot")
    if len(data.tags) > 20 or any(not t.strip() or len(t) > 40 for t in data.tags):
        problems.add("tags", "at most 20 tags of 1–40 characters")


def validate_new_case(session: Session, data: NewCase, *, deps: ServiceDeps) -> ValidationProblems:
    """Every problem of a new case: text rules, enums, point, known category and area."""
    problems = validate_report(
        ReportText(title=data.title, text=data.text, address=data.address),
        lng=data.lng,
        lat=data.lat,
        phone=data.reporter_phone,
    )
    _check_enums(problems, data)
    check_reported_at(problems, value=data.reported_at, now=deps.clock.now())
    check_short(problems, field="reporter.name", value=data.reporter_name, max_len=100)
    for i, tag in enumerate(data.tags):
        check_short(problems, field=f"tags[{i}]", value=tag, max_len=40)
    if data.category is not None:
        known = active_categories(session, deps=deps)
        if data.category not in known:
            listed = ", ".join(sorted(known)[:20])
            problems.add("category", f"unknown category '{data.category}'; known: {listed}")
    if data.area_code is not None and area_ref(session, data.area_code, deps=deps) is None:
        problems.add("area_code", f"unknown area '{data.area_code}'; use a district/street/community/grid code")
    return problems


def active_categories(session: Session, *, deps: ServiceDeps) -> frozenset[str]:
    """Codes of the active categories (cached for a short while)."""
    return deps.cache.categories.get_or_load(
        "active",
        now=deps.clock.now(),
        load=lambda: frozenset(session.scalars(select(CategoryRow.code).where(CategoryRow.active)).all()),
    )


def area_ref(session: Session, code: str, *, deps: ServiceDeps) -> AreaRef | None:
    """The area unit with a code, with its district and street codes (cached for a short while)."""

    def load() -> AreaRef | None:
        unit = session.scalar(select(UnitRow).where(UnitRow.area_code == code, UnitRow.kind == "area"))
        if unit is None or unit.area_code is None:
            return None
        ids = [int(p) for p in unit.path.strip("/").split("/") if p]
        codes = {
            row.level: row.area_code
            for row in session.scalars(select(UnitRow).where(UnitRow.id.in_(ids), UnitRow.kind == "area"))
        }
        return AreaRef(
            unit_id=unit.id,
            path=unit.path,
            level=unit.level,
            area_code=unit.area_code,
            district_code=codes.get("district"),
            street_code=codes.get("street"),
        )

    return deps.cache.areas.get_or_load(code, now=deps.clock.now(), load=load)


def next_case_number(session: Session, *, now: datetime, prefix: str, tz: tzinfo) -> str:
    """The next number of the day (in the configured zone), e.g. SH2026112600001; atomic on SQLite and PostgreSQL."""
    return next_case_numbers(session, 1, now=now, prefix=prefix, tz=tz)[0]


def _apply_area(session: Session, case: CaseRow, match: AreaMatch | None, method: str, deps: ServiceDeps) -> None:
    if match is None:
        return
    unit = None
    for code in (match.duty_grid_code, match.community_code, match.street_code, match.district_code):
        if code:
            unit = area_ref(session, code, deps=deps)
            if unit is not None:
                break
    case.district_code = match.district_code
    case.street_code = match.street_code
    case.grid_code = match.cell_code
    case.locate_method = method
    if unit is not None:
        case.area_unit_id = unit.unit_id
        case.area_path = unit.path
    if match.duty_grid_code:
        case.duty_grid_code = match.duty_grid_code
    if match.confidence < 1.0:
        case.locate_confidence = round(match.confidence, 3)


def _locate(session: Session, case: CaseRow, data: NewCase, deps: ServiceDeps) -> None:
    if data.area_code is not None:
        ref = area_ref(session, data.area_code, deps=deps)
        if ref is not None:
            case.area_unit_id = ref.unit_id
            case.area_path = ref.path
            case.locate_method = "given"
            case.district_code = ref.district_code
            case.street_code = ref.street_code
            if ref.level == "grid":
                case.duty_grid_code = ref.area_code
        if data.lng is None or deps.locator is None:
            return
    if deps.locator is None:
        return
    place = " ".join(p for p in (data.address, data.title, data.text) if p)
    found = locate_case_area(deps.locator, lng=data.lng, lat=data.lat, crs=data.crs, text=place)
    if data.lng is not None and found.method != "point" and getattr(deps.locator, "has_areas", True):
        raise InvalidInput(
            "The point is outside the city's areas.",
            errors=[
                FieldError(
                    "lng",
                    f"({data.lng}, {data.lat}) in {data.crs} is outside every district; "
                    "check the point and its CRS, or send only the address",
                )
            ],
        )
    if data.area_code is not None:
        if found.match is not None:  # keep the given area; add the cell the point fell in
            case.grid_code = found.match.cell_code
        return
    if found.match is not None:
        _apply_area(session, case, found.match, found.method, deps)
    elif found.candidates:
        case.locate_method = found.method
        case.area_candidates = [
            {"code": c.finest_code, "name": c.name, "confidence": round(c.confidence, 3)} for c in found.candidates[:5]
        ]


def create_case(
    session: Session,
    actor: Actor,
    data: NewCase,
    *,
    deps: ServiceDeps,
    idempotency_key: str | None = None,
) -> tuple[CaseRow, bool]:
    """Receive a report; returns (case, created). A repeated Idempotency-Key returns the first case."""
    now = deps.clock.now()
    fingerprint = data.fingerprint() if idempotency_key is not None else ""
    if idempotency_key is not None:
        seen = session.get(IdempotencyRow, f"{actor.user_id}:{idempotency_key}")
        if seen is not None:
            if seen.request_hash != fingerprint:
                raise Conflict(
                    "This Idempotency-Key was already used for a different request; use a new key for a new case."
                )
            existing = session.get(CaseRow, seen.case_id)
            assert existing is not None
            return existing, False
    case = prepare_case(session, actor, data, deps=deps, now=now)
    store_new_cases(session, [(actor, data, case)], deps=deps, now=now)
    if idempotency_key is not None:
        session.connection().execute(
            insert_statement(IdempotencyRow),
            [
                {
                    "key": f"{actor.user_id}:{idempotency_key}",
                    "user_id": actor.user_id,
                    "request_hash": fingerprint,
                    "case_id": case.id,
                    "created_at": now,
                }
            ],
        )
    if data.resolve_on_spot is not None:
        from gridloop.cases.services.lifecycle import ActionRequest, perform

        perform(session, actor, case.id, ActionRequest(action="resolve_on_spot", reply=data.resolve_on_spot), deps=deps)
    return case, True


def prepare_case(session: Session, actor: Actor, data: NewCase, *, deps: ServiceDeps, now: datetime) -> CaseRow:
    """Check a report and build its case, located by a given area or point; writes nothing (a refusal raised here
    leaves the transaction as it was)."""
    if not actor.can(Permission.CREATE_CASE):
        raise Forbidden(f"Role '{actor.role.value}' may not create cases.")
    validate_new_case(session, data, deps=deps).raise_if_any()
    case = new_case_row(
        number="",  # allocated when stored, as late as possible: the first write takes SQLite's write lock
        title=data.title.strip() or default_title(data.text),
        text=data.text,
        channel=data.channel,
        request_type=data.request_type,
        urgency=data.urgency or Urgency.NORMAL.value,
        category=data.category,
        category_confidence=1.0 if data.category else None,
        status=next_status(None, Action.RECEIVE).value,
        lng=data.lng,
        lat=data.lat,
        crs=data.crs,
        address=data.address,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        attachments=list(data.attachments),
        tags=list(dict.fromkeys(t.strip() for t in data.tags)),
        received_at=data.reported_at or now,
        created_by_id=actor.user_id,
        locate_accuracy_m=data.position_accuracy,
        updated_at=now,
        version=1,
        exercise_run_id=exercise_run_of(session),  # a drill run's session stamps its cases (docs/drills.md)
    )
    if data.lng is not None and data.lat is not None and data.crs:
        case.lng_wgs84, case.lat_wgs84 = convert_point(data.lng, data.lat, source=data.crs, target="wgs84")
    pending = needs_triage(deps)
    if not pending or data.area_code is not None or data.lng is not None:
        _locate(session, case, data, deps)  # a given area or point now (the point is validated); text later
    case.triage_status = "pending" if pending else "done"
    if not pending:
        case.triaged_at = now
    masked = mask_personal_data(case.text)  # until triage stores its own (cleaned) masked text
    if masked != case.text:
        case.masked_text = masked
    return case


def store_new_cases(
    session: Session, items: Sequence[tuple[Actor, NewCase, CaseRow]], *, deps: ServiceDeps, now: datetime
) -> None:
    """Store prepared cases with their numbers, first audit events and `triage_queue` rows: a few statements for
    the whole batch (the caller commits)."""
    if not items:
        return
    numbers = next_case_numbers(session, len(items), now=now, prefix=deps.case_number_prefix, tz=deps.tz)
    for (_actor, _data, case), number in zip(items, numbers, strict=True):
        case.number = number
    insert_cases(session, [case for _actor, _data, case in items])
    conn = session.connection()
    events = [
        {
            "case_id": case.id,
            "at": now,
            "actor_id": actor.user_id,
            "actor_name": actor.username,
            "actor_role": actor.role.value,
            "action": Action.RECEIVE.value,
            "from_status": None,
            "to_status": case.status,
            "note": None,
            "payload": _receive_payload(case),
        }
        for actor, _data, case in items
    ]
    audit.chain(conn, events, new_cases=True)
    conn.execute(insert_statement(CaseEventRow), events)
    queued = [
        {
            "case_id": case.id,
            "channel": case.channel,
            "enqueued_at": now,
            "available_at": now,
            "attempts": 0,
            "urgency_given": data.urgency is not None,
            "claimed_by": None,
            "published_at": None,
        }
        for _actor, data, case in items
        if case.triage_status == "pending"
    ]
    if queued:
        conn.execute(insert_statement(TriageQueueRow), queued)


def needs_triage(deps: ServiceDeps) -> bool:
    """Whether a stored report waits for the triage workers (no triage and no intake subscribers: nothing to do)."""
    return deps.triage is not None or bool(deps.events.subscribers(CaseReceived))


def locate_by_text(session: Session, case: CaseRow, deps: ServiceDeps) -> None:
    """Locate a stored report that came without an area or a point, from its address, title and text."""
    if case.area_unit_id is not None or case.lng is not None or case.locate_method is not None:
        return
    data = NewCase(text=case.text, title=case.title, address=case.address)
    _locate(session, case, data, deps)


def _receive_payload(case: CaseRow) -> dict[str, Any]:
    return {
        "number": case.number,
        "channel": case.channel,
        "request_type": case.request_type,
        "category": case.category,
        "category_confidence": case.category_confidence,
        "urgency": case.urgency,
        "locate_method": case.locate_method,
        "district_code": case.district_code,
    }


def receive(
    uow: UnitOfWork, actor: Actor, data: NewCase, *, deps: ServiceDeps, idempotency_key: str | None = None
) -> tuple[CaseRow, bool]:
    """Receive a report in its own transaction, committed before returning (the acknowledgement is durable); then
    wake the triage workers (`deps.triage_kick`)."""
    try:
        with first(deps.write_lock):  # an acknowledgement goes before background writers
            case, created = create_case(uow.session, actor, data, deps=deps, idempotency_key=idempotency_key)
            uow.commit()
        if created and deps.triage_kick():
            uow.session.refresh(case)  # a synchronous drain (tests) finished triage already
            uow.commit()  # end the read (a rollback would expire the case its caller reads)
    except IntegrityError:
        # A concurrent retry with the same Idempotency-Key won the race: return its case.
        uow.rollback()
        if idempotency_key is None:
            raise
        case, created = create_case(uow.session, actor, data, deps=deps, idempotency_key=idempotency_key)
        if created:
            raise
    return case, created
