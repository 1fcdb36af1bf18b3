"""GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests (POST with api_key), tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from gridloop.open311 import domain
from gridloop.open311.domain import Open311Error
from gridloop.open311.render import check_format, error, respond
from gridloop.platform.web.deps import MAX_ID, DepsDep, UowDep

router = APIRouter(prefix="/open311/v2", tags=["open311"])
ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _answer(fmt: str, root: str, produce: Callable[[], Any], *, status: int = 200) -> Response:
    try:
        check_format(fmt)
        return respond(fmt, root, produce(), status=status)
    except Open311Error as exc:
        return error(fmt, exc)


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request, deps: DepsDep) -> Response:
    """Service discovery: the endpoint, its formats, where keys come from."""
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    body = {
        "changeset": "2026-12-05T00:00:00Z",
        "contact": "12345 市民服务热线运营中心 / 12345 citizen service hotline operations centre",
        "key_service": "API keys are issued by the platform administrators (gridloop open311 key create).",
        "endpoints": [{"specification": domain.SPEC_URL, "url": base, "changeset": "2026-12-05T00:00:00Z",
                       "type": "production", "formats": list(domain.FORMATS.values())}],
    }  # fmt: skip
    return _answer(fmt, "discovery", lambda: body)


@router.get("/services.{fmt}")
def services(fmt: str, uow: UowDep) -> Response:
    """GET Service List."""
    from gridloop.open311.services.requests import service_list

    return _answer(fmt, "services", lambda: service_list(uow))


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, uow: UowDep) -> Response:
    """GET Service Definition (the attributes a request of this service may carry)."""
    from gridloop.open311.services.requests import service_definition as definition

    return _answer(fmt, "service_definition", lambda: definition(uow, service_code))


@router.post("/requests.{fmt}")
async def create_request(fmt: str, request: Request, uow: UowDep, deps: DepsDep) -> Response:
    """POST Service Request (form-encoded, api_key required); the token is in the X-Open311-Token header."""
    from fastapi.concurrency import run_in_threadpool

    from gridloop.cases.services.attachments import Upload
    from gridloop.open311.services.requests import NewRequest, submit

    form = await request.form()
    fields: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    media: Upload | None = None
    for name, value in form.multi_items():
        if not isinstance(value, str):
            if name == "media" and getattr(value, "filename", None):
                blob = await value.read(deps.attachments_max_bytes + 1)
                media = Upload(data=blob, filename=value.filename, content_type=value.content_type, step="report")
            continue
        if match := ATTRIBUTE.match(name):
            attributes.setdefault(match.group(1), []).append(value)
        elif name in NewRequest.__dataclass_fields__ and name != "attributes":
            fields[name] = value.strip()
    api_key = form.get("api_key") or request.query_params.get("api_key")
    try:
        check_format(fmt)
        made = await run_in_threadpool(
            submit, uow, NewRequest(**fields, attributes=attributes), api_key=str(api_key or ""), deps=deps,
            media=media, media_url_of=lambda aid: str(request.url_for("open311_media", attachment_id=aid)),
        )  # fmt: skip
    except Open311Error as exc:
        return error(fmt, exc)
    token = made.pop("token")
    return respond(fmt, "service_requests", [made], headers={"X-Open311-Token": token})


@router.get(
    "/media/{attachment_id}",
    name="open311_media",
    response_class=Response,
    responses={
        200: {"description": "A photo sent with a request", "content": {"image/jpeg": {}, "image/png": {}}},
        404: {"description": "No such media (the spec's error format)", "content": {"application/json": {}}},
    },
)
def media(attachment_id: str, uow: UowDep, deps: DepsDep) -> Response:
    """A photo sent with a request (the media-upload extension): our own re-encode, never the original's EXIF."""
    from gridloop.open311.services.requests import media_file

    try:
        if not (attachment_id.isascii() and attachment_id.isdigit() and 0 < int(attachment_id) <= MAX_ID):
            raise Open311Error(404, (404, f"media {attachment_id[:20]} not found"))
        stored = media_file(uow, int(attachment_id), deps=deps)
    except Open311Error as exc:
        return error("json", exc)
    return Response(stored.data, media_type=stored.media_type, headers={"X-Content-Type-Options": "nosniff"})


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request, uow: UowDep, deps: DepsDep) -> Response:
    """GET Service Requests with every filter of the spec plus paging, updated_after/before and extensions."""
    from gridloop.open311.services.requests import Query, search

    params = request.query_params
    query = Query(**{k: params.get(k, "").strip() for k in Query.__dataclass_fields__})
    return _answer(fmt, "service_requests", lambda: search(uow, query, now=deps.clock.now()))


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(service_request_id: str, fmt: str, request: Request, uow: UowDep) -> Response:
    """GET Service Request."""
    from gridloop.open311.services.requests import one

    extensions = request.query_params.get("extensions", "").lower() == "true"
    return _answer(fmt, "service_requests", lambda: one(uow, service_request_id, extensions=extensions))


@router.get("/tokens/{token}.{fmt}")
def token(token: str, fmt: str, uow: UowDep) -> Response:
    """GET service_request_id from a token."""
    from gridloop.open311.services.requests import by_token

    return _answer(fmt, "service_requests", lambda: by_token(uow, token))
