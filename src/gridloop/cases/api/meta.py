"""Routes about the system itself: health and the lifecycle table."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from gridloop.cases.domain.lifecycle import lifecycle_as_dict
from gridloop.platform.web.deps import SessionDep

router = APIRouter(tags=["meta"])


@router.get("/api/v1/lifecycle")
def lifecycle() -> dict[str, Any]:
    """The case lifecycle table: statuses, actions (with roles and required inputs) and transitions."""
    return lifecycle_as_dict()


@router.get("/healthz")
def health(session: SessionDep) -> dict[str, str]:
    """Liveness and database reachability."""
    session.execute(text("SELECT 1"))
    return {"status": "ok"}
