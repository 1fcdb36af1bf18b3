"""Knowledge-base API: search, suggestions for the intake form, the article card, answer directly, gaps."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gridloop.cases.services import Channel, Urgency
from gridloop.platform.web.deps import ActorDep, ContainerDep, DepsDep, SessionDep, UowDep

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge"])
SourceId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/search")
def search(
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    container: ContainerDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """The best articles for a question, each with its matched passage."""
    from gridloop.knowledge.services.search import search_with_passages

    today = deps.clock.now().astimezone(deps.tz).date()
    return {
        "query": q,
        "results": search_with_passages(session, q, top=top, today=today, semantic=container.settings.kb_semantic),
    }


@router.get("/suggest", summary="Answer suggestions while the operator types")
def suggest(
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    container: ContainerDep,
    q: Annotated[str, Query(max_length=2000)] = "",
    top: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict[str, Any]:
    """Articles answerable today with their version, citation, passage, dates and owning department."""
    from gridloop.knowledge.services.assist import suggest as run

    today = deps.clock.now().astimezone(deps.tz).date()
    return {"query": q, "suggestions": run(session, q, today=today, top=top, semantic=container.settings.kb_semantic)}


@router.get("/articles/{source_id}", summary="The current valid version of an article")
def article(session: SessionDep, actor: ActorDep, deps: DepsDep, source_id: SourceId) -> dict[str, Any]:
    """Text, version, citation, effective and expiry dates, owning department (404 when not answerable today)."""
    from gridloop.knowledge.services.assist import article_card

    today = deps.clock.now().astimezone(deps.tz).date()
    return article_card(session, source_id, today=today).as_json()


class InquiryIn(BaseModel):
    """The caller's inquiry as taken on the intake form."""

    text: str = Field(min_length=1, max_length=20_000)
    title: str = Field(default="", max_length=200)
    channel: str = Field(default=Channel.PHONE.value, json_schema_extra={"enum": [c.value for c in Channel]})
    urgency: str | None = Field(default=None, json_schema_extra={"enum": [u.value for u in Urgency]})
    category: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=1000)
    area_code: str | None = Field(default=None, max_length=64)
    reporter_name: str | None = Field(default=None, max_length=100)
    reporter_phone: str | None = Field(default=None, max_length=40)


class AnswerIn(BaseModel):
    """Answer an inquiry directly from an article version."""

    source_id: str = Field(min_length=1, max_length=200)
    version: int = Field(ge=1, le=1_000_000)
    reply: str = Field(min_length=1, max_length=5000)
    inquiry: InquiryIn


@router.post("/answers", status_code=201, summary="Answer an inquiry directly, citing an article version")
def answer_directly(
    body: AnswerIn,
    uow: UowDep,
    actor: ActorDep,
    deps: DepsDep,
    idempotency_key: Annotated[str | None, Header(max_length=64)] = None,
) -> dict[str, Any]:
    """Receives the inquiry and closes it at once (直接答复); the article id and version are kept with the case."""
    from gridloop.cases.services.intake import NewCase
    from gridloop.knowledge.services.assist import answer_directly as run

    i = body.inquiry
    data = NewCase(
        text=i.text,
        title=i.title,
        channel=i.channel,
        urgency=i.urgency,
        category=i.category,
        address=i.address,
        area_code=i.area_code,
        reporter_name=i.reporter_name,
        reporter_phone=i.reporter_phone,
    )
    key = f"kb-{idempotency_key}" if idempotency_key else None
    case_id, number = run(
        uow,
        actor,
        data,
        source_id=body.source_id,
        version=body.version,
        reply=body.reply,
        deps=deps,
        idempotency_key=key,
    )
    return {"case_id": case_id, "case_number": number, "source_id": body.source_id, "version": body.version}


@router.get("/case-answers/{case_id}", summary="The articles a case was answered from")
def case_answers(
    session: SessionDep, actor: ActorDep, case_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    """Article id, version and citation of each direct answer (404 when the case is not visible)."""
    from gridloop.cases.services.queries import get_case
    from gridloop.knowledge.services.assist import answers_of_case

    get_case(session, actor, case_id)
    return {"case_id": case_id, "answers": answers_of_case(session, case_id)}


class GapIn(BaseModel):
    """A query the operator found no answer for."""

    query: str = Field(min_length=1, max_length=2000)
    department: str = Field(default="", max_length=200)
    category: str = Field(default="", max_length=100)


@router.post("/gaps", status_code=201, summary='Record "no answer found"')
def record_gap(body: GapIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Stores the query (personal data masked) for the KB owners' gaps report."""
    from gridloop.knowledge.services.assist import record_gap as run

    gap_id = run(
        uow, actor, body.query, now=deps.clock.now(), tz=deps.tz, department=body.department, category=body.category
    )
    return {"id": gap_id}


Week = Annotated[str | None, Query(pattern=r"^\d{4}-W\d{2}$")]
Dept = Annotated[str | None, Query(max_length=200)]


@router.get("/gaps", summary="Top unanswered queries per week and department")
def gaps(session: SessionDep, actor: ActorDep, week: Week = None, department: Dept = None) -> dict[str, Any]:
    """For KB editors and administrators."""
    from gridloop.knowledge.services.assist import gap_report
    from gridloop.knowledge.services.editing import require_editor

    require_editor(actor)
    return {"items": gap_report(session, week=week, department=department)}


@router.get(
    "/gaps.csv",
    summary="The gaps report as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def gaps_csv(session: SessionDep, actor: ActorDep, week: Week = None, department: Dept = None) -> Response:
    """Same rows as `/gaps`, as a UTF-8 CSV file."""
    from gridloop.knowledge.services.assist import gap_csv, gap_report
    from gridloop.knowledge.services.editing import require_editor

    require_editor(actor)
    body = "\ufeff" + gap_csv(gap_report(session, week=week, department=department, limit=10_000))
    headers = {"Content-Disposition": 'attachment; filename="kb-gaps.csv"'}
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers)


# Editors (administrators and KB editors): the same use cases as the console's editor pages.
EditorId = Annotated[str, Path(min_length=1, max_length=200)]
StatusQ = Annotated[
    str | None, Query(json_schema_extra={"enum": ["draft", "reviewed", "published", "expired", "withdrawn"]})
]


class ArticleIn(BaseModel):
    """An editor's text; saved as a new draft version."""

    title: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=50_000)
    department: str = Field(default="", max_length=200)
    citation: str = Field(default="", max_length=500)
    source: str = Field(default="", max_length=300)
    effective_from: date | None = None
    expires_on: date | None = None


class NewArticleIn(ArticleIn):
    """A new article with its first draft version."""

    source_id: str = Field(min_length=1, max_length=200, pattern=r"^[^\s/?#<>\"'\\]+$")


def _draft(source_id: str, body: ArticleIn) -> Any:
    from gridloop.knowledge.domain.editing import Draft

    return Draft(
        source_id=source_id,
        title=body.title,
        body=body.body,
        department=body.department,
        citation=body.citation,
        source=body.source,
        effective_from=body.effective_from.isoformat() if body.effective_from else "",
        expires_on=body.expires_on.isoformat() if body.expires_on else "",
    )


@router.get("/editor/articles", summary="Articles for editors (newest version of each), filtered")
def editor_articles(
    session: SessionDep,
    actor: ActorDep,
    department: Dept = None,
    status: StatusQ = None,
    valid_on: date | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> dict[str, Any]:
    """Filters: department, status of the newest version, has a published version valid on a day, id/title text."""
    from gridloop.knowledge.services import editing as ed

    ed.require_editor(actor)
    f = ed.ArticleFilter(department=department or None, status=status or None, valid_on=valid_on, text=q or None)
    rows, total = ed.list_articles(session, f, page=page)
    return {"items": rows, "total": total, "page": page, "per_page": ed.PER_PAGE}


@router.get("/editor/articles/{source_id}", summary="An article with every version and the actions each allows")
def editor_article(session: SessionDep, actor: ActorDep, source_id: EditorId) -> dict[str, Any]:
    """Versions newest first; `actions` are those the workflow table allows from each version's status."""
    from gridloop.knowledge.services import editing as ed

    ed.require_editor(actor)
    return ed.article_detail(session, source_id)


@router.post("/editor/articles", status_code=201, summary="Create an article (first version is a draft)")
def editor_create(body: NewArticleIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """409-free: an id already taken is a 422 on `source_id`."""
    from gridloop.knowledge.services import editing as ed

    number = ed.save_draft(uow, actor, _draft(body.source_id, body), now=deps.clock.now(), new=True)
    return {"source_id": body.source_id, "version": number, "status": "draft"}


@router.post("/editor/articles/{source_id}/versions", status_code=201, summary="Save a new draft version")
def editor_new_version(
    source_id: EditorId, body: ArticleIn, uow: UowDep, actor: ActorDep, deps: DepsDep
) -> dict[str, Any]:
    """The published version stays answered from until this draft is reviewed and published."""
    from gridloop.knowledge.services import editing as ed

    number = ed.save_draft(uow, actor, _draft(source_id, body), now=deps.clock.now(), new=False)
    return {"source_id": source_id, "version": number, "status": "draft"}


ActionPath = Annotated[str, Path(json_schema_extra={"enum": ["review", "reject", "publish", "expire", "withdraw"]})]


@router.post("/editor/articles/{source_id}/versions/{number}/{action}", summary="A review-workflow transition")
def editor_transition(
    source_id: EditorId,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    action: ActionPath,
    uow: UowDep,
    actor: ActorDep,
    deps: DepsDep,
) -> dict[str, Any]:
    """Allowed only as the workflow table says (409 otherwise); publishing expires the previous published one."""
    from gridloop.knowledge.services import editing as ed

    ed.require_editor(actor)
    status = ed.transition(uow, actor, source_id, action=action, number=number, now=deps.clock.now())
    return {"source_id": source_id, "version": number, "status": status.value}


@router.get("/editor/articles/{source_id}/diff", summary="Line diff of two versions")
def editor_diff(
    session: SessionDep,
    actor: ActorDep,
    source_id: EditorId,
    old: Annotated[int, Query(ge=1, le=1_000_000)],
    new: Annotated[int, Query(ge=1, le=1_000_000)],
) -> dict[str, Any]:
    """Title and body as lines marked same / added / removed."""
    from gridloop.knowledge.services import editing as ed

    ed.require_editor(actor)
    return ed.version_diff(session, source_id, old=old, new=new)


@router.get("/editor/expiring", summary="Published versions expiring within N days")
def editor_expiring(
    session: SessionDep, actor: ActorDep, deps: DepsDep, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> dict[str, Any]:
    """Soonest first."""
    from gridloop.knowledge.services import editing as ed

    ed.require_editor(actor)
    today = deps.clock.now().astimezone(deps.tz).date()
    items = [{k: v for k, v in r.items() if k != "article_id"} for r in ed.expiring(session, today=today, days=days)]
    return {"days": days, "items": items}


@router.post("/editor/expiry-alerts", summary="Queue expiry alerts to the owners (outbox, once per version)")
def editor_alerts(
    uow: UowDep, actor: ActorDep, deps: DepsDep, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> dict[str, Any]:
    """How many alerts were queued."""
    from gridloop.knowledge.services import editing as ed

    ed.require_editor(actor)
    return {"queued": ed.send_expiry_alerts(uow, deps, days=days)}
