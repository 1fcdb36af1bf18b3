"""The caller's history at intake (POST, so the number stays out of URLs and access logs)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridloop.cases.services import history
from gridloop.platform.web.deps import ActorDep, DepsDep, UowDep

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])


class LookupBody(BaseModel):
    """What the operator typed: the caller's number and/or the address."""

    phone: str = Field(default="", max_length=40, description="the caller's number, e.g. 13812345678")
    address: str = Field(default="", max_length=500)


@router.post("/caller-history", summary="Earlier cases of a caller and open cases at the same address")
def caller_history(body: LookupBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Earlier cases from the number (newest first) and open cases at the address, in your scope, with status and
    what a repeat call can become (follow_up, merge, reopen). Names and numbers are masked for roles that may not
    see personal data. Each look-up by number is throttled (429) and written to the personal-data access log."""
    return history.lookup(uow, actor, history.Lookup(phone=body.phone, address=body.address), deps=deps)
