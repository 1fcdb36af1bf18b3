"""FastAPI dependencies: the container, a unit of work per request, and the authenticated actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Unauthenticated
from gridloop.kernel.org import Actor
from gridloop.platform.container import Container
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.services import access
from gridloop.platform.org.services.org import actor_by_id, authenticate_token


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


def client_address(request: Request) -> str:
    """The caller's address (the proxy's forwarded one only when `serve` was told to trust the proxy)."""
    return request.client.host if request.client else "unknown"


def get_actor(
    request: Request,
    uow: Annotated[UnitOfWork, Depends(get_uow)],
    container: Annotated[Container, Depends(get_container)],
) -> Actor:
    """The caller, from a bearer token or the web login session."""
    container.deps.cache.refresh()
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        address = client_address(request)
        access.token_wait(uow.session, address=address, deps=container.deps)
        try:
            return authenticate_token(
                uow.session,
                header[7:].strip()[:200],
                now=container.deps.clock.now(),
                cache=container.deps.cache.tokens,
                actors=container.deps.cache.actors,
            )
        except Unauthenticated:
            access.refused_token(uow, address=address, deps=container.deps)
            raise
    web_user_id = getattr(request.state, "web_user_id", None)
    if isinstance(web_user_id, int):
        return actor_by_id(uow.session, web_user_id, now=container.deps.clock.now(), cache=container.deps.cache.actors)
    raise Unauthenticated(
        "Send 'Authorization: Bearer <token>'; create a token with `gridloop token create --user NAME`."
    )


def _actor_from_database(request: Request, container: Container) -> Actor:
    with container.uow() as uow:
        return get_actor(request, uow, container)


async def resolve_actor(request: Request, container: Annotated[Container, Depends(get_container)]) -> Actor:
    """`get_actor` as a dependency, in a worker thread and a short read transaction of its own (a route that does
    not otherwise need one, such as intake's, opens no unit of work)."""
    resolved: Actor = await run_in_threadpool(_actor_from_database, request, container)
    return resolved


#: Row ids fit a signed 64-bit integer: anything larger is refused at the edge (422), never sent to the database.
MAX_ID = 2**63 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
PageQuery = Annotated[int, Query(ge=1, le=100_000)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(resolve_actor)]
DepsDep = Annotated[ServiceDeps, Depends(get_deps)]
ContainerDep = Annotated[Container, Depends(get_container)]
