"""Knowledge-base API: search the valid, published articles; list an article's versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from gridloop.platform.web.deps import ActorDep, DepsDep, SessionDep

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge"])


@router.get("/search")
def search(
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """The best articles for a question, each with its matched passage."""
    from gridloop.knowledge.services.search import search_with_passages

    today = deps.clock.now().astimezone(deps.tz).date()
    return {"query": q, "results": search_with_passages(session, q, top=top, today=today)}
