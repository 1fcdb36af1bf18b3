"""Participation API: staff routes under /api/v1/participation (login or token), public routes under
/api/v1/public/participation (no login: open campaigns, submit, look up an outcome by receipt)."""

from __future__ import annotations

from datetime import date, datetime
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

    return run(uow, actor, theme_id, outcome=body.outcome, reason=body.reason, now=deps.clock.now(), outbox=deps.outbox)


@router.post("/suggestions/{suggestion_id}/answer")
def answer_suggestion(
    suggestion_id: int, body: AnswerBody, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """Answer one suggestion (its exact duplicates get the same answer)."""
    from gridloop.participation.services.suggestions import answer_suggestion as run

    return run(
        uow, actor, suggestion_id, outcome=body.outcome, reason=body.reason, now=deps.clock.now(), outbox=deps.outbox
    )


@router.post("/suggestions/{suggestion_id}/move")
def move(suggestion_id: int, body: MoveBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Move a suggestion to another theme."""
    from gridloop.participation.services.suggestions import move_suggestion

    return move_suggestion(uow, actor, suggestion_id, theme_id=body.theme_id)


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


class RoundtableBody(BaseModel):
    title: str
    scheduled_at: datetime
    place: str
    agenda: list[str] = []
    campaign_id: int | None = None
    capacity: int = Field(default=30, ge=1, le=500)


class JoinBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    contact: str = ""
    affiliation: str = ""


class HoldBody(BaseModel):
    minutes: str
    attended: list[int] = []


class RaiseBody(BaseModel):
    text: str
    proposer_name: str = ""


class ActionBody(BaseModel):
    description: str
    owner_unit_code: str
    due_on: date


class ConsultationBody(BaseModel):
    title: str
    text: str
    opens_on: date
    closes_on: date
    summary: str = ""
    documents: list[dict[str, str]] = []


class OpinionBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    author_name: str = ""
    clause: str = ""


class MeetingBody(BaseModel):
    title: str
    held_at: datetime
    place: str = ""


class InviteBody(BaseModel):
    name: str
    affiliation: str = ""
    contact: str = ""


class SpokenBody(BaseModel):
    representative_id: int
    text: str
    clause: str = ""


class RespondBody(BaseModel):
    outcome: str
    response: str
    change: str = ""


@router.post("/roundtables", status_code=201)
def schedule_roundtable(body: RoundtableBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Schedule a citizens' roundtable hosted by the caller's unit."""
    from gridloop.participation.services.roundtables import schedule

    return schedule(uow, actor, **body.model_dump())


@router.get("/roundtables/{roundtable_id}")
def roundtable(roundtable_id: int, session: SessionDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """A roundtable with participants, suggestions raised and follow-up actions."""
    from gridloop.participation.services.roundtables import show

    return show(session, roundtable_id, today=deps.clock.now().astimezone(deps.tz).date())


@router.post("/roundtables/{roundtable_id}/invite", status_code=201)
def invite_to_roundtable(
    roundtable_id: int, body: JoinBody, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """Invite someone to the roundtable."""
    from gridloop.participation.services.roundtables import join

    return join(uow, roundtable_id, kind="invited", actor=actor, now=deps.clock.now(), **body.model_dump())


@router.post("/roundtables/{roundtable_id}/hold")
def hold_roundtable(roundtable_id: int, body: HoldBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Record the roundtable as held: minutes and attendance."""
    from gridloop.participation.services.roundtables import hold

    return hold(uow, actor, roundtable_id, minutes=body.minutes, attended=body.attended)


@router.post("/roundtables/{roundtable_id}/suggestions", status_code=201)
def raise_at_roundtable(
    roundtable_id: int, body: RaiseBody, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """A suggestion raised at the roundtable, recorded in its campaign."""
    from gridloop.participation.services.roundtables import raise_suggestion

    return raise_suggestion(uow, actor, roundtable_id, now=deps.clock.now(), **body.model_dump())


@router.post("/roundtables/{roundtable_id}/actions", status_code=201)
def add_action(roundtable_id: int, body: ActionBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """A follow-up action with its owner and due date."""
    from gridloop.participation.services.roundtables import add_action as run

    return run(uow, actor, roundtable_id, **body.model_dump())


@router.post("/consultations", status_code=201)
def create_consultation(body: ConsultationBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """A draft decision (version 1) drafted by the caller's unit."""
    from gridloop.participation.services.consultations import create

    return create(uow, actor, now=deps.clock.now(), **body.model_dump())


@router.post("/consultations/{consultation_id}/status")
def consultation_status(consultation_id: int, body: StatusBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Publish (open) or close the comment period."""
    from gridloop.participation.services.consultations import set_status

    return set_status(uow, actor, consultation_id, status=body.status)


@router.post("/consultations/{consultation_id}/meetings", status_code=201)
def add_meeting(consultation_id: int, body: MeetingBody, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """A meeting on the draft with public representatives."""
    from gridloop.participation.services.consultations import add_meeting as run

    return run(uow, actor, consultation_id, **body.model_dump())


@router.post("/meetings/{meeting_id}/representatives", status_code=201)
def invite_representative(
    meeting_id: int, body: InviteBody, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """Invite a public representative."""
    from gridloop.participation.services.consultations import invite

    return invite(uow, actor, meeting_id, now=deps.clock.now(), **body.model_dump())


@router.post("/meetings/{meeting_id}/opinions", status_code=201)
def spoken_opinion(meeting_id: int, body: SpokenBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """An opinion a representative spoke at the meeting."""
    from gridloop.participation.services.consultations import record_spoken

    return record_spoken(uow, actor, meeting_id, now=deps.clock.now(), **body.model_dump())


@router.post("/opinions/{opinion_id}/response")
def respond(opinion_id: int, body: RespondBody, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """The drafting department answers an opinion (outcome, response, what changed)."""
    from gridloop.participation.services.consultations import respond as run

    return run(uow, actor, opinion_id, now=deps.clock.now(), **body.model_dump())


@router.get("/consultations/{consultation_id}/record")
def record(consultation_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The final record: each opinion beside its response and change, representatives, text changes."""
    from gridloop.participation.services.consultations import final_record

    return final_record(session, consultation_id)


@public_router.get("/consultations/{consultation_id}")
def public_consultation(consultation_id: int, session: SessionDep) -> dict[str, Any]:
    """A draft open (or closed) for comment, with its documents and answered opinions (no login)."""
    from gridloop.participation.services.consultations import public_view

    return public_view(session, consultation_id)


@public_router.post("/consultations/{consultation_id}/opinions", status_code=201)
def public_opinion(consultation_id: int, body: OpinionBody, uow: UowDep, deps: DepsDep) -> dict[str, Any]:
    """Comment on a draft online (no login)."""
    from gridloop.participation.services.consultations import comment

    made = comment(uow, consultation_id, now=deps.clock.now(), **body.model_dump())
    return {"id": made["id"], "status": "received"}


@public_router.post("/roundtables/{roundtable_id}/register", status_code=201)
def public_register(roundtable_id: int, body: JoinBody, uow: UowDep, deps: DepsDep) -> dict[str, Any]:
    """Register for a roundtable (no login), within its capacity."""
    from gridloop.participation.services.roundtables import join

    made = join(uow, roundtable_id, kind="registered", now=deps.clock.now(), **body.model_dump())
    return {"id": made["id"], "status": "registered"}
