"""The public CAP endpoints: an Atom feed of the stored warning messages and each message's CAP 1.2 XML."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from gridloop.emergency.services import warnings as svc
from gridloop.platform.web.deps import ActorDep, DepsDep, UowDep

router = APIRouter(tags=["emergency"])


@router.get(
    "/api/v1/cap/feed.atom",
    summary="Atom feed of CAP messages (public)",
    responses={200: {"content": {"application/atom+xml": {}}}},
)
def cap_feed(
    request: Request, uow: UowDep, deps: DepsDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Response:
    """The newest messages first; each entry links to its CAP XML. Warnings are public: no login."""
    base = str(request.base_url).rstrip("/")
    body = svc.feed(uow.session, base_url=base, now=deps.clock.now(), limit=limit)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get(
    "/api/v1/cap/{identifier}.xml",
    summary="One CAP 1.2 message (public)",
    responses={200: {"content": {"application/xml": {}}}},
)
def cap_message(identifier: str, uow: UowDep) -> Response:
    """The message exactly as it was validated and stored."""
    return Response(svc.message_xml(uow.session, identifier), media_type="application/cap+xml; charset=utf-8")


@router.get("/api/v1/emergency/warnings", summary="Active warnings and recent messages")
def warnings(uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """The newest message of each chain not cancelled (most severe first), and the last 50 messages."""
    return {"active": svc.active_warnings(uow.session), "recent": svc.recent_messages(uow.session)}
