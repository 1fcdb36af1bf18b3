"""Service requests through Open311: the service list, create (with a key), query many, query one, tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gridloop.cases.services import Channel, attachments, intake, queries
from gridloop.kernel.errors import DomainError, InvalidInput, NotFound
from gridloop.kernel.org import Actor, Role
from gridloop.kernel.privacy import mask_personal_data
from gridloop.open311 import domain
from gridloop.open311.domain import Category, Open311Error
from gridloop.open311.services.keys import authorise
from gridloop.open311.tables import Open311RequestRow
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.services import admin


def categories(uow: UnitOfWork) -> dict[str, Category]:
    """Active case categories by code."""
    return {c.code: Category(c.code, c.name_zh, c.name_en, c.parent_code, c.kind) for c in admin.list_categories(uow)}


def service_list(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every service (one per active case category)."""
    return [domain.service(c) for c in categories(uow).values()]


def service_definition(uow: UnitOfWork, code: str) -> dict[str, Any]:
    """The definition of one service; 404 when the code is unknown."""
    if code not in categories(uow):
        raise Open311Error(404, (404, f"service_code '{code}' not found"))
    return domain.definition(code)


@dataclass(frozen=True)
class NewRequest:
    """The POST arguments of the spec (attribute[CODE] values as lists)."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _point(req: NewRequest) -> tuple[float | None, float | None]:
    if not req.lat and not req.long:
        return None, None
    try:
        lat, lng = float(req.lat), float(req.long)
    except ValueError:
        raise Open311Error(400, (400, "lat and long must both be decimal WGS84 degrees")) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Open311Error(400, (400, "lat/long out of range"))
    return lat, lng


def submit(
    uow: UnitOfWork,
    req: NewRequest,
    *,
    api_key: str | None,
    deps: ServiceDeps,
    media: attachments.Upload | None = None,
    media_url_of: Callable[[int], str] | None = None,
) -> dict[str, Any]:
    """Create a request: the key is checked and throttled, the case is received; returns the number and a token.

    `media` is the media-upload extension's file (multipart `media`): checked before the case is made, stored
    after as the case's attachment (re-encoded, no EXIF), and its public address (`media_url_of(attachment id)`)
    becomes the request's `media_url`."""
    now = deps.clock.now()
    session = uow.session
    key, actor = authorise(session, api_key, now=now)
    errors: list[tuple[int, str]] = []
    services = categories(uow)
    if not req.service_code:
        errors.append((400, "service_code is required"))
    elif req.service_code not in services:
        raise Open311Error(404, (404, f"service_code '{req.service_code}' not found"))
    if bool(req.lat) != bool(req.long):
        errors.append((400, "lat and long must be given together"))
    if not ((req.lat and req.long) or req.address_string or req.address_id):
        errors.append((400, "a location is required: lat and long, address_string or address_id"))
    if len(req.description) > domain.MAX_DESCRIPTION:
        errors.append((400, f"description is longer than {domain.MAX_DESCRIPTION} characters"))
    errors += domain.check_attributes(req.attributes)
    if media is not None:
        if not (media.content_type or "").startswith("image/"):
            errors.append((400, "media must be an image (JPEG, PNG, WebP, GIF)"))
        else:
            try:
                attachments.check_upload(media, max_bytes=deps.attachments_max_bytes)
            except DomainError as exc:
                errors.append((400, f"media: {exc.detail}"))
    if errors:
        raise Open311Error(400, *errors)
    lat, lng = _point(req)
    service = services[req.service_code]
    where = req.address_string or (f"address_id {req.address_id}" if req.address_id else "")
    text = req.description.strip() or f"{service.name_zh}：{where or '见定位'}"
    name = " ".join(p for p in (req.first_name, req.last_name) if p) or None
    data = intake.NewCase(
        text=text,
        title=(req.attributes.get("title") or [""])[0][:100],
        channel=Channel.APP.value,
        request_type=(req.attributes.get("request_type") or ["complaint"])[0],
        category=req.service_code,
        lng=lng,
        lat=lat,
        crs="wgs84" if lat is not None else None,
        address=req.address_string or None,
        reporter_name=name,
        reporter_phone=req.phone or None,
        attachments=[req.media_url] if req.media_url else [],
        tags=["open311", f"open311:{key.name}"],
    )
    token = str(uuid.uuid4())
    try:
        with deps.write_lock:
            case, _ = intake.create_case(session, actor, data, deps=deps)
            session.add(Open311RequestRow(token=token, key_id=key.id, case_number=case.number, created_at=now,
                                          last_status=case.status))  # fmt: skip
            uow.commit()
    except DomainError as exc:
        uow.rollback()
        details = [(400, f"{e.field}: {e.message}") for e in exc.errors] or [(400, exc.detail)]
        raise Open311Error(400, *details) from None
    notice = "已受理 Received"
    if media is not None:
        try:
            row, _ = attachments.add_attachment(
                uow, actor, case.id, media, deps=deps, idempotency_key=f"open311-{token}"
            )
            if media_url_of is not None:
                attachments.link_media_url(uow, case.id, media_url_of(row.id))
        except DomainError as exc:  # the request stands; the file is refused with the reason
            uow.rollback()
            notice += f"; media not stored: {exc.detail}"
    deps.triage_kick()  # the stored request waits for the triage workers like any report
    made = {"service_request_id": case.number, "service_notice": notice, "token": token}
    return made | ({"account_id": req.account_id} if req.account_id else {})


def reader(uow: UnitOfWork) -> Actor:
    """The public reader: sees every case at the city, never personal data (the Open311 shape has none anyway)."""
    city = admin.list_units(uow, level="city")
    if not city:
        raise Open311Error(400, (400, "No organisation configured yet."))
    return Actor(user_id=0, username="open311", role=Role.ANALYST, unit_id=city[0].id, unit_path=city[0].path)


def to_request(case: Any, *, services: dict[str, Category], agency: str | None, extensions: bool) -> dict[str, Any]:
    """A case as an Open311 request: no personal data, the point rounded, the status translated."""
    status, notes = domain.open311_status(case.status)
    service = services.get(case.category or "")
    text = mask_personal_data(case.masked_text or case.text)
    media = next((a for a in case.attachments if a.startswith(("http://", "https://"))), None)
    out: dict[str, Any] = {
        "service_request_id": case.number,
        "status": status,
        "status_notes": notes,
        "service_name": service.name_zh if service else (case.category or ""),
        "service_code": case.category or "",
        "description": text[: domain.MAX_DESCRIPTION],
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": domain.w3c(case.received_at),
        "updated_datetime": domain.w3c(case.closed_at if status == "closed" and case.closed_at else case.updated_at),
        "expected_datetime": domain.w3c(case.reply_due_at),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": domain.blur(case.lat_wgs84),
        "long": domain.blur(case.lng_wgs84),
        "media_url": media,
    }
    if extensions:
        out["extended_attributes"] = {
            "channel": case.channel,
            "gridloop_status": case.status,
            "district_code": case.district_code,
            "street_code": case.street_code,
            "grid_code": case.grid_code,
            "request_type": case.request_type,
        }
    return out


@dataclass(frozen=True)
class Query:
    """GET requests' parameters (raw strings; empty means absent, as the spec says)."""

    service_request_id: str = ""
    service_code: str = ""
    start_date: str = ""
    end_date: str = ""
    status: str = ""
    updated_after: str = ""
    updated_before: str = ""
    page: str = ""
    page_size: str = ""
    extensions: str = ""


def _date(name: str, value: str) -> datetime | None:
    if not value:
        return None
    try:
        return domain.parse_w3c(value)
    except ValueError as exc:
        raise Open311Error(400, (400, f"{name}: not a W3C datetime with timezone ({exc})")) from None


def _positive(name: str, value: str, default: int, upper: int) -> int:
    if not value:
        return default
    if not value.isdigit() or not (1 <= int(value) <= upper):
        raise Open311Error(400, (400, f"{name} must be an integer from 1 to {upper}"))
    return int(value)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def search(uow: UnitOfWork, q: Query, *, now: datetime) -> list[dict[str, Any]]:
    """GET requests: service_request_id overrides every other filter; otherwise the last 90 days by default."""
    page = _positive("page", q.page, 1, 1_000_000)
    size = _positive("page_size", q.page_size, domain.DEFAULT_PAGE_SIZE, domain.MAX_PAGE_SIZE)
    if q.service_request_id:
        f = queries.CaseFilter(numbers=_split(q.service_request_id))
    else:
        start, end = _date("start_date", q.start_date), _date("end_date", q.end_date)
        after, before = _date("updated_after", q.updated_after), _date("updated_before", q.updated_before)
        if start and end and end - start > domain.MAX_SPAN:
            raise Open311Error(400, (400, "start_date to end_date spans more than 90 days"))
        if start and end and end < start:
            raise Open311Error(400, (400, "end_date is before start_date"))
        if start is None and end is None and after is None and before is None:
            start = now - domain.MAX_SPAN
        elif start is None and end is not None:
            start = end - domain.MAX_SPAN
        statuses: list[str] = []
        for s in _split(q.status):
            if s not in domain.OPEN311_STATUSES:
                raise Open311Error(400, (400, f"status must be open or closed, not '{s}'"))
            statuses += domain.gridloop_statuses(s)
        f = queries.CaseFilter(categories=_split(q.service_code) or None, status=statuses or None,
                               received_from=start, received_to=end, updated_from=after, updated_to=before)  # fmt: skip
    actor = reader(uow)
    try:
        rows, _ = queries.list_cases(uow.session, actor, f, now=now, page=page, per_page=size, with_total=False)
    except InvalidInput as exc:
        raise Open311Error(400, (400, exc.detail)) from None
    return _shape(uow, rows, extensions=q.extensions.lower() == "true")


def _shape(uow: UnitOfWork, rows: list[Any], *, extensions: bool) -> list[dict[str, Any]]:
    services = categories(uow)
    units = queries.unit_codes(uow.session, rows)
    return [
        to_request(
            c,
            services=services,
            agency=units.get(c.lead_unit_id, ("", None))[1] if c.lead_unit_id else None,
            extensions=extensions,
        )
        for c in rows
    ]


def one(uow: UnitOfWork, number: str, *, extensions: bool = False) -> list[dict[str, Any]]:
    """GET one request by its number (a list of one, as the spec shapes it); 404 when unknown."""
    try:
        case = queries.get_case_by_number(uow.session, reader(uow), number)
    except NotFound:
        raise Open311Error(404, (404, f"service_request_id '{number}' not found")) from None
    return _shape(uow, [case], extensions=extensions)


def by_token(uow: UnitOfWork, token: str) -> list[dict[str, Any]]:
    """GET the request id for a token (the id is empty while the request is not yet numbered); 404 when unknown."""
    row = uow.session.scalar(select(Open311RequestRow).where(Open311RequestRow.token == token))
    if row is None:
        raise Open311Error(404, (404, f"token '{token}' not found"))
    return [{"service_request_id": row.case_number, "token": row.token}]


def media_file(uow: UnitOfWork, attachment_id: int, *, deps: ServiceDeps) -> Any:
    """A photo sent with an Open311 request (the media-upload extension), for anyone who may read the request:
    only files uploaded through Open311 are served here, as our own re-encode (no EXIF)."""
    owner = attachments.owner_of(uow.session, attachment_id)
    sent = owner is not None and uow.session.scalar(
        select(Open311RequestRow.id).where(Open311RequestRow.case_number == owner[1])
    )
    if not sent or owner is None:
        raise Open311Error(404, (404, f"media {attachment_id} not found"))
    return attachments.read_attachment(uow.session, reader(uow), owner[0], attachment_id, deps=deps)
