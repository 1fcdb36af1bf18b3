"""Petition API (/api/v1/petitions): register, the lifecycle steps, coordination records, limits, 诉访分离 advice.

Every read and write is limited to petitions the caller's own unit handles."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gridloop.platform.web.deps import ActorDep, DepsDep, SessionDep, UowDep

router = APIRouter(prefix="/api/v1/petitions", tags=["petitions"])


class PetitionBody(BaseModel):
    """A petition as the office registers it."""

    petition_class: str = Field(description="claim | opinion | accusation")
    channel: str = Field(description="letter | email | fax | phone | online | visit")
    petitioner_name: str
    subject: str
    facts: str
    petitioner_phone: str = ""
    petitioner_id_number: str = ""
    request: str = ""
    respondent: str = ""
    respondent_unit_code: str | None = None
    group_size: int = 1
    representatives: int = 1


class AcceptBody(BaseModel):
    handling_unit_code: str
    note: str = ""


class ReasonBody(BaseModel):
    reason: str


class TextBody(BaseModel):
    text: str = ""


class GuideBody(BaseModel):
    channel: str | None = None
    note: str = ""


class ReviewRequestBody(BaseModel):
    unit_code: str
    level: Literal["review", "rereview"] = "review"


class ReviewDecisionBody(BaseModel):
    level: Literal["review", "rereview"] = "review"
    text: str


class TransferBody(BaseModel):
    legal_unit: str = Field(description="court | procuratorate | public_security | justice_bureau")
    unit_code: str
    note: str = ""


class LimitBody(BaseModel):
    days: int


@router.get("")
def list_petitions(
    session: SessionDep, actor: ActorDep, status: Annotated[str | None, Query()] = None
) -> list[dict[str, Any]]:
    """Petitions the caller's unit handles, newest first."""
    from gridloop.petitions.services.petitions import list_petitions as run

    return run(session, actor, status=status)


@router.post("", status_code=201)
def register(body: PetitionBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Register a petition at the caller's unit; the answer carries the 诉访分离 advice and any repeat link."""
    from gridloop.petitions.services.petitions import PetitionIn
    from gridloop.petitions.services.petitions import register as run

    return run(uow, actor, PetitionIn(**body.model_dump()), now=deps.clock.now(), tz=deps.tz)


@router.get("/overdue")
def overdue(session: SessionDep, actor: ActorDep, deps: DepsDep) -> list[dict[str, Any]]:
    """Visible petitions whose office time limit has run out."""
    from gridloop.petitions.services.petitions import overdue as run

    return run(session, actor, now=deps.clock.now())


@router.get("/coordination/overdue")
def coordination_overdue(session: SessionDep, actor: ActorDep, deps: DepsDep) -> list[dict[str, Any]]:
    """Coordination records with a late step (督办), for the caller's unit."""
    from gridloop.petitions.services.coordination import supervision

    return supervision(session, actor, now=deps.clock.now())


@router.get("/limits")
def limits(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The time limits in force (calendar days), each with its basis and citation."""
    from gridloop.petitions.services.petitions import limit_to_dict, load_limits

    return [limit_to_dict(v) for v in load_limits(session).values()]


@router.put("/limits/{key}")
def set_limit(key: str, body: LimitBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """An administrator overrides one limit."""
    from gridloop.petitions.services.petitions import set_limit as run

    return run(uow, actor, key=key, days=body.days, now=deps.clock.now())


@router.post("/separate")
def separate(body: TextBody, actor: ActorDep) -> dict[str, Any]:
    """诉访分离 advice for a text (nothing stored): channel, unit, guidance and the rules that fired."""
    from gridloop.petitions.services.petitions import separation_advice

    return separation_advice(body.text)


@router.get("/{petition_id}")
def show(petition_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """One petition with its history and coordination records (404 unless the caller's unit handles it)."""
    from gridloop.petitions.services.petitions import show as run

    return run(session, actor, petition_id)


@router.post("/{petition_id}/accept")
def accept(petition_id: int, body: AcceptBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Accept and send to the handling organ (the 60-day clock starts)."""
    from gridloop.petitions.services.petitions import accept as run

    return run(uow, actor, petition_id, handling_unit_code=body.handling_unit_code, note=body.note,
               now=deps.clock.now(), tz=deps.tz)  # fmt: skip


@router.post("/{petition_id}/reject")
def reject(petition_id: int, body: ReasonBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Decide not to accept, with the reason."""
    from gridloop.petitions.services.petitions import reject as run

    return run(uow, actor, petition_id, reason=body.reason, now=deps.clock.now(), tz=deps.tz)


@router.post("/{petition_id}/guide-legal")
def guide_legal(petition_id: int, body: GuideBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """诉访分离: guide the matter to its legal channel (the detected one unless `channel` is given)."""
    from gridloop.petitions.services.petitions import guide_to_legal

    return guide_to_legal(uow, actor, petition_id, channel=body.channel, note=body.note, now=deps.clock.now(),
                          tz=deps.tz)  # fmt: skip


@router.post("/{petition_id}/extend")
def extend(petition_id: int, body: ReasonBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Extend handling once (at most 30 days), with the reason the petitioner is told."""
    from gridloop.petitions.services.petitions import extend as run

    return run(uow, actor, petition_id, reason=body.reason, now=deps.clock.now(), tz=deps.tz)


@router.post("/{petition_id}/answer")
def answer(petition_id: int, body: TextBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """The handling organ's written answer."""
    from gridloop.petitions.services.petitions import answer as run

    return run(uow, actor, petition_id, text=body.text, now=deps.clock.now(), tz=deps.tz)


@router.post("/{petition_id}/review-request")
def review_request(
    petition_id: int, body: ReviewRequestBody, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """The petitioner's request for 复查 (level=review) or 复核 (level=rereview), within 30 days."""
    from gridloop.petitions.services.petitions import request_review

    return request_review(uow, actor, petition_id, unit_code=body.unit_code, level=body.level,
                          now=deps.clock.now(), tz=deps.tz)  # fmt: skip


@router.post("/{petition_id}/review-decision")
def review_decision(
    petition_id: int, body: ReviewDecisionBody, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """The review or re-review organ's opinion."""
    from gridloop.petitions.services.petitions import decide_review

    return decide_review(uow, actor, petition_id, level=body.level, text=body.text, now=deps.clock.now(),
                         tz=deps.tz)  # fmt: skip


@router.post("/{petition_id}/close")
def close(petition_id: int, body: TextBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Close an answered or reviewed petition."""
    from gridloop.petitions.services.petitions import close as run

    return run(uow, actor, petition_id, note=body.text, now=deps.clock.now(), tz=deps.tz)


@router.post("/{petition_id}/coordination", status_code=201)
def transfer(petition_id: int, body: TransferBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Transfer to a political-legal unit: opens a coordination record."""
    from gridloop.petitions.services.coordination import transfer as run

    return run(uow, actor, petition_id, legal_unit=body.legal_unit, unit_code=body.unit_code, note=body.note,
               now=deps.clock.now(), tz=deps.tz)  # fmt: skip


@router.post("/coordination/{coordination_id}/{step}")
def coordination_step(
    coordination_id: int,
    step: Literal["acknowledge", "result", "feedback"],
    body: TextBody,
    uow: UowDep,
    actor: ActorDep,
    deps: DepsDep,
) -> dict[str, Any]:
    """acknowledge / result (the political-legal unit) or feedback (the petition office)."""
    from gridloop.petitions.services.coordination import step as run

    return run(uow, actor, coordination_id, step_name=step, text=body.text, now=deps.clock.now(), tz=deps.tz)
