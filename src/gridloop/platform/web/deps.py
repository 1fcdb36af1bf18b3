"""FastAPI dependencies: the container, a unit of work per request, and the authenticated actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Unauthenticated
from gridloop.kernel.org import Actor
from gridloop.org.services.org import authenticate_token
from gridloop.platform.container import Container
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps


async def get_container(request: Request) -> Container:
    """The app's container."""
    container: Container = request.app.state.container
    return container


async def get_uow(container: Annotated[Container, Depends(get_container)]) -> AsyncIterator[UnitOfWork]:
    """A unit of work for the request; only services commit it (no I/O happens until the first query)."""
    with container.uow() as uow:
        yield uow


async def get_session(uow: Annotated[UnitOfWork, Depends(get_uow)]) -> Session:
    """The request's session, for read-only routes."""
    return uow.session


async def get_deps(container: Annotated[Container, Depends(get_container)]) -> ServiceDeps:
    """Service dependencies (clock, deadlines, notifier, triage, locator)."""
    return container.deps


def get_actor(
    request: Request,
    uow: Annotated[UnitOfWork, Depends(get_uow)],
    container: Annotated[Container, Depends(get_container)],
) -> Actor:
    """The caller, from a bearer token or the web login session."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return authenticate_token(
            uow.session, header[7:].strip(), now=container.deps.clock.now(), cache=container.deps.cache.tokens
        )
    web_actor = getattr(request.state, "web_actor", None)
    if isinstance(web_actor, Actor):
        return web_actor
    raise Unauthenticated(
        "Send 'Authorization: Bearer <token>'; create a token with `gridloop token create --user NAME`."
    )


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(get_actor)]
DepsDep = Annotated[ServiceDeps, Depends(get_deps)]
