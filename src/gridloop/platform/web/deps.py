"""FastAPI dependencies: the container, a unit of work per request, and the authenticated actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from gridloop.kernel.errors import DomainError, Unauthenticated
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
    return _identify(request, uow, container, record_refusal=True)


def _identify(request: Request, uow: UnitOfWork, container: Container, *, record_refusal: bool) -> Actor:
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
            if record_refusal:
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


class _NeedsDatabase(Exception):
    """`get_actor` would have read or written the database."""


class _NoSession:
    """A session that refuses to be used: `_identify` with it answers only from the process's caches."""

    def __getattr__(self, name: str) -> Any:
        raise _NeedsDatabase(name)


class _NoDatabase:
    """A unit of work with that session (committing or rolling back refuses too)."""

    session = _NoSession()

    def __getattr__(self, name: str) -> Any:
        raise _NeedsDatabase(name)


def _actor_from_caches(request: Request, container: Container) -> Actor | None:
    """`get_actor` when everything it needs is in the process's caches and none of its periodic looks (change
    stamps, refused tokens) is due: no database work, so it may run on the event loop. None when it would need the
    database, or would refuse the caller (the worker thread then refuses it again, and records the refusal)."""
    deps = container.deps
    if deps.cache.look_due() or access.throttle_of(deps).due():
        return None
    try:
        return _identify(request, _NoDatabase(), container, record_refusal=False)  # type: ignore[arg-type]
    except (_NeedsDatabase, DomainError):
        return None


async def resolve_actor(request: Request, container: Annotated[Container, Depends(get_container)]) -> Actor:
    """`get_actor` as a dependency: from the process's caches on the event loop when it can (most requests: no
    thread hop), else in a worker thread and a short read transaction of its own (a route that does not otherwise
    need one, such as intake's, opens no unit of work)."""
    cached = _actor_from_caches(request, container)
    if cached is not None:
        return cached
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
