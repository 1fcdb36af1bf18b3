"""Participation API: staff routes under /api/v1/participation (login or token), public routes under
/api/v1/public/participation (no login: open campaigns, submit, look up an outcome by receipt)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gridloop.platform.web.deps import ActorDep, DepsDep, SessionDep, UowDep

router = APIRouter(prefix="/api/v1/participation", tags=["participation"])
public_router = APIRouter(prefix="/api/v1/public/participation", tags=["participation (public)"])


class CampaignBody(BaseModel):
    code: str
    topic: str
    starts_on: date
    ends_on: date
    channels: list[str] = Field(description="web | hotline | roundtable | letter | visit")
    questions: list[str] = []
    description: str = ""
    owner_unit_code: str | None = None


class StatusBody(BaseModel):
    status: str = Field(description="open | closed")


class SuggestionBody(BaseModel):
    text: str
    channel: str = "letter"
    proposer_name: str = ""
    proposer_contact: str = ""
    source_ref: str = ""
    question: int | None = None


class PublicSuggestionBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    proposer_name: str = ""
    proposer_contact: str = ""
    question: int | None = None


class HotlineBody(BaseModel):
    case_number: str


class ClusterBody(BaseModel):
    k: int | None = Field(default=None, ge=2, le=200)


class ThemeEditBody(BaseModel):
    label: str | None = None
    key_terms: list[str] | None = None
    merge_into: int | None = None


class AssignBody(BaseModel):
    unit_code: str


class AnswerBody(BaseModel):
    outcome: str = Field(description="adopted | partly | reference | not_adopted")
    reason: str = ""


class MoveBody(BaseModel):
    theme_id: int


@router.get("/campaigns")
def campaigns(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Every campaign, drafts included."""
    from gridloop.participation.services.campaigns import list_campaigns

    return list_campaigns(session, public=False)


@router.post("/campaigns", status_code=201)
def create(body: CampaignBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Create a campaign (draft)."""
    from gridloop.participation.services.campaigns import create_campaign

    return create_campaign(uow, actor, now=deps.clock.now(), **body.model_dump())


@router.post("/campaigns/{campaign_id}/status")
def status(campaign_id: int, body: StatusBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Open or close a campaign."""
    from gridloop.participation.services.campaigns import set_status

    return set_status(uow, actor, campaign_id, status=body.status)


@router.get("/campaigns/{campaign_id}/suggestions")
def suggestions(
    campaign_id: int,
    session: SessionDep,
    actor: ActorDep,
    theme_id: Annotated[int | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """A campaign's suggestions (with proposers' contacts: staff only)."""
    from gridloop.participation.services.suggestions import list_suggestions

    return list_suggestions(session, campaign_id, theme_id=theme_id, offset=offset, limit=limit)


@router.post("/campaigns/{campaign_id}/suggestions", status_code=201)
def add_suggestion(
    campaign_id: int, body: SuggestionBody, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """Staff enter a suggestion from a letter, a roundtable or a visit."""
    from gridloop.participation.services.suggestions import submit

    return submit(uow, campaign_id, now=deps.clock.now(), **body.model_dump())


@router.post("/campaigns/{campaign_id}/hotline", status_code=201)
def from_hotline(campaign_id: int, body: HotlineBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Take a 12345 case marked as a suggestion into the campaign."""
    from gridloop.participation.services.suggestions import from_hotline_case

    return from_hotline_case(uow, actor, campaign_id, case_number=body.case_number, now=deps.clock.now())


@router.post("/campaigns/{campaign_id}/cluster")
def cluster(campaign_id: int, body: ClusterBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Sort the campaign's suggestions into themes (labels, key terms, representatives; near-duplicates linked)."""
    from gridloop.participation.services.suggestions import cluster as run

    return run(uow, actor, campaign_id, k=body.k, now=deps.clock.now())


@router.get("/campaigns/{campaign_id}/themes")
def themes(campaign_id: int, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The campaign's themes, largest first."""
    from gridloop.participation.services.suggestions import list_themes

    return list_themes(session, campaign_id)


@router.get("/campaigns/{campaign_id}/stats")
def stats(campaign_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Adoption statistics per campaign, theme, department and channel."""
    from gridloop.participation.services.campaigns import campaign_stats

    return campaign_stats(session, campaign_id)


@router.patch("/themes/{theme_id}")
def edit_theme(theme_id: int, body: ThemeEditBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Rename a theme, change its key terms, or merge it into another."""
    from gridloop.participation.services.suggestions import edit_theme as run

    return run(uow, actor, theme_id, **body.model_dump())


@router.post("/themes/{theme_id}/assign")
def assign(theme_id: int, body: AssignBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Send a theme to a department for study."""
    from gridloop.participation.services.suggestions import assign_theme

    return assign_theme(uow, actor, theme_id, unit_code=body.unit_code)


@router.post("/themes/{theme_id}/answer")
def answer_theme(theme_id: int, body: AnswerBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Answer a whole theme (suggestions answered on their own keep their answer)."""
    from gridloop.participation.services.suggestions import answer_theme as run

    return run(uow, actor, theme_id, outcome=body.outcome, reason=body.reason, now=deps.clock.now())


@router.post("/suggestions/{suggestion_id}/answer")
def answer_suggestion(
    suggestion_id: int, body: AnswerBody, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """Answer one suggestion (its exact duplicates get the same answer)."""
    from gridloop.participation.services.suggestions import answer_suggestion as run

    return run(uow, actor, suggestion_id, outcome=body.outcome, reason=body.reason, now=deps.clock.now())


@router.post("/suggestions/{suggestion_id}/move")
def move(suggestion_id: int, body: MoveBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Move a suggestion to another theme."""
    from gridloop.participation.services.suggestions import move_suggestion

    return move_suggestion(uow, actor, suggestion_id, theme_id=body.theme_id)


@router.get("/notices/pending")
def pending(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Outcome notices waiting to be handed to the outbox."""
    from gridloop.participation.services.suggestions import pending_notices

    return pending_notices(session)


@public_router.get("/campaigns")
def public_campaigns(session: SessionDep) -> list[dict[str, Any]]:
    """Open and closed campaigns (no login)."""
    from gridloop.participation.services.campaigns import list_campaigns

    return list_campaigns(session, public=True)


@public_router.get("/campaigns/{campaign_id}")
def public_campaign(campaign_id: int, session: SessionDep) -> dict[str, Any]:
    """One campaign with its questions, themes and their answers (no login; drafts are not found)."""
    from gridloop.participation.services.campaigns import public_campaign as run

    return run(session, campaign_id)


@public_router.post("/campaigns/{campaign_id}/suggestions", status_code=201)
def public_submit(campaign_id: int, body: PublicSuggestionBody, uow: UowDep, deps: DepsDep) -> dict[str, Any]:
    """Submit a suggestion through the web form (no login); keep the receipt to see the outcome."""
    from gridloop.participation.services.suggestions import submit

    made = submit(uow, campaign_id, channel="web", now=deps.clock.now(), **body.model_dump())
    return {"receipt": made["receipt"], "duplicate_of": made["duplicate_of"] is not None}


@public_router.get("/suggestions/{receipt}")
def public_lookup(receipt: str, session: SessionDep) -> dict[str, Any]:
    """A proposer's suggestion and its outcome, by receipt (no login)."""
    from gridloop.participation.services.suggestions import lookup

    return lookup(session, receipt)
