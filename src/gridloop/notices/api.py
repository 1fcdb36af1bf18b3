"""Notice API (/api/v1/notices): my notices, read marks, the live stream (server-sent events), follows,
preferences. Everything is the caller's own: nobody reads another person's notices."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gridloop.kernel.org import Actor
from gridloop.notices.services import centre
from gridloop.platform.container import Container
from gridloop.platform.web.deps import ActorDep, DepsDep, IdPath, SessionDep, UowDep, get_actor

router = APIRouter(prefix="/api/v1/notices", tags=["notices"])

#: Seconds between heartbeats (a comment line) on an idle stream, and between looks for new notices.
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 1.0
#: The browser waits this long before reconnecting (it sends Last-Event-ID and misses nothing).
RETRY_MS = 3000

KindName = Literal["dispatch", "return", "supervision", "deadline", "followed"]
ChannelName = Literal["in_app", "sms", "wechat"]


class Choice(BaseModel):
    kind: KindName
    channel: ChannelName
    enabled: bool


class PreferencesBody(BaseModel):
    choices: list[Choice] = Field(max_length=50)


@router.get("")
def my_notices(
    session: SessionDep,
    actor: ActorDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """My notices, newest first, and how many are unread."""
    rows = centre.list_notices(session, actor, unread_only=unread, limit=limit)
    return {"items": [centre.notice_to_dict(r) for r in rows], "unread": centre.unread_count(session, actor)}


@router.get("/unread-count")
def my_unread_count(session: SessionDep, actor: ActorDep) -> dict[str, int]:
    """How many of my notices are unread (the bell's number)."""
    return {"unread": centre.unread_count(session, actor)}


@router.post("/{notice_id}/read")
def read_one(notice_id: IdPath, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Mark one of my notices read."""
    row = centre.mark_read(uow, actor, notice_id, now=deps.clock.now())
    return centre.notice_to_dict(row)


@router.post("/read-all")
def read_all(uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, int]:
    """Mark all my notices read."""
    return {"marked": centre.mark_all_read(uow, actor, now=deps.clock.now())}


@router.get("/follows/{case_id}")
def following(case_id: IdPath, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Whether I follow a case."""
    return {"case_id": case_id, "following": centre.is_following(session, actor, case_id)}


@router.put("/follows/{case_id}")
def follow(case_id: IdPath, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Follow a case: its changes become my notices."""
    return {"case_id": case_id, "following": centre.follow(uow, actor, case_id, now=deps.clock.now())}


@router.delete("/follows/{case_id}")
def unfollow(case_id: IdPath, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Stop following a case."""
    return {"case_id": case_id, "following": centre.follow(uow, actor, case_id, now=deps.clock.now(), on=False)}


@router.get("/preferences")
def my_preferences(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """For every kind × channel: on or off for me, and the role's default."""
    return {"items": centre.preferences(session, actor)}


@router.put("/preferences")
def set_my_preferences(body: PreferencesBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Choose channels per kind (a choice equal to the role's default is dropped)."""
    choices: dict[tuple[str, str], bool] = {(c.kind, c.channel): c.enabled for c in body.choices}
    return {"items": centre.set_preferences(uow, actor, choices)}


EVENT_SCHEMA = {"type": "string", "description": "text/event-stream: `id:`, `event: notice`, `data:` (JSON)"}
STREAM_DOC = (
    "Server-sent events: one `notice` event per new notice (id = the notice id, data = the notice as JSON), a "
    "comment line every 15 s as a heartbeat, `retry: 3000`. Reconnect with `Last-Event-ID` (or `?last_id=`) "
    "to get what was missed; without either the stream starts after your newest notice. The stream ends after "
    "`max_seconds` and the browser reconnects."
)


def _open_stream(
    request: Request, container: Container, last_event_id: str | None, last_id: int | None
) -> tuple[Actor, int]:
    """Authenticate (token or console session) and find where the stream starts, in a short transaction."""
    with container.uow() as uow:
        actor = get_actor(request, uow, container)
        start = last_id
        if start is None and last_event_id and last_event_id.strip().isdigit():
            start = min(int(last_event_id.strip()), 2**63 - 1)
        if start is None:
            start = centre.latest_id(uow.session, actor.user_id)
    return actor, start


def _next(container: Container, user_id: int, last_id: int) -> list[dict[str, Any]]:
    with container.uow() as uow:
        return [centre.notice_to_dict(r) for r in centre.after(uow.session, user_id, last_id)]


@router.get(
    "/stream",
    description=STREAM_DOC,
    response_class=StreamingResponse,
    responses={200: {"description": "An event stream", "content": {"text/event-stream": {"schema": EVENT_SCHEMA}}}},
)
async def stream(
    request: Request,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
    last_id: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
    max_seconds: Annotated[int, Query(ge=1, le=3600)] = 300,
) -> StreamingResponse:
    """My new notices as they are written (server-sent events)."""
    container: Container = request.app.state.container
    actor, start = await run_in_threadpool(_open_stream, request, container, last_event_id, last_id)

    async def events() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        ends = loop.time() + max_seconds
        sent, quiet = start, 0.0
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        while loop.time() < ends:
            if await request.is_disconnected():
                return
            items = await run_in_threadpool(_next, container, actor.user_id, sent)
            for item in items:
                sent = item["id"]
                yield f"id: {sent}\nevent: notice\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"
            quiet = 0.0 if items else quiet + POLL_SECONDS
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": heartbeat\n\n"
            await asyncio.sleep(min(POLL_SECONDS, max(ends - loop.time(), 0)))

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
