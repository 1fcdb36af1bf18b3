"""The operator's side: suggestions while typing, the article card, answer directly, and "no answer found".

Suggestions come from the search service (the index of today's answerable versions), so an expired, withdrawn
or unpublished text is never suggested; each hit is checked again against the answerability rule here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.cases.services import Action as CaseAction
from gridloop.cases.services import RequestType
from gridloop.cases.services.intake import NewCase, create_case
from gridloop.cases.services.lifecycle import ActionRequest, perform
from gridloop.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from gridloop.kernel.org import Actor, Permission
from gridloop.kernel.privacy import mask_personal_data
from gridloop.knowledge.adapters.repository import SqlArticles
from gridloop.knowledge.domain.articles import Article, Status, Version, answerable_version
from gridloop.knowledge.domain.editing import gap_key, iso_week
from gridloop.knowledge.tables import ArticleRow, ArticleVersionRow, CaseAnswerRow, GapRow
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps

MIN_QUERY = 2


@dataclass(frozen=True)
class ArticleCard:
    """What the operator sees of an article: its current valid version, citation, dates and owner."""

    source_id: str
    version: int
    title: str
    body: str
    citation: str
    department: str
    source: str
    effective_from: date | None
    expires_on: date | None

    def as_json(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings)."""
        out = asdict(self)
        for key in ("effective_from", "expires_on"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def citation_of(row: ArticleRow, number: int) -> str:
    """The citation an answer quotes: the article's own (《条例》第N条), else department · id · version."""
    base = row.citation or "·".join(x for x in (row.department, row.source_id) if x)
    return f"{base}（第{number}版）"


def as_version(row: ArticleVersionRow) -> Version:
    """A version row as a domain version."""
    return Version(
        row.number, row.title, row.body, Status(row.status), row.effective_from, row.expires_on, row.published_at
    )


def cards_for(session: Session, source_ids: list[str], *, today: date) -> dict[str, ArticleCard]:
    repo = SqlArticles(session)
    rows = repo.by_source_ids(source_ids)
    versions = repo.versions_of(r.id for r in rows.values())
    out: dict[str, ArticleCard] = {}
    for sid, row in rows.items():
        art = Article(row.source_id, row.department, row.source, row.citation, tuple(map(as_version, versions[row.id])))
        v = answerable_version(art, today=today)
        if v is not None:
            out[sid] = ArticleCard(
                sid,
                v.number,
                v.title,
                v.body,
                citation_of(row, v.number),
                row.department,
                row.source,
                v.effective_from,
                v.expires_on,
            )
    return out


def article_card(session: Session, source_id: str, *, today: date) -> ArticleCard:
    """The article as answered from today (NotFound when it has no valid, published version)."""
    card = cards_for(session, [source_id], today=today).get(source_id)
    if card is None:
        raise NotFound(f"article {source_id!r} has no valid, published version today")
    return card


def suggest(session: Session, query: str, *, today: date, top: int = 5, semantic: bool = False) -> list[dict[str, Any]]:
    """Answer suggestions for what the operator has typed: article, version, citation, passage, dates, owner."""
    from gridloop.knowledge.services.search import search_with_passages

    query = query.strip()
    if len(query) < MIN_QUERY:
        return []
    hits = search_with_passages(session, query[:2000], top=top, today=today, semantic=semantic)
    cards = cards_for(session, [h["source_id"] for h in hits], today=today)
    out = []
    for hit in hits:
        card = cards.get(hit["source_id"])
        if card is None:  # not answerable today (the index is rebuilt on the next change)
            continue
        out.append(
            {
                "source_id": card.source_id,
                "version": card.version,
                "title": card.title,
                "score": hit["score"],
                "passage": hit.get("passage", ""),
                "matched": hit.get("matched", []),
                "citation": card.citation,
                "department": card.department,
                "effective_from": card.effective_from.isoformat() if card.effective_from else None,
                "expires_on": card.expires_on.isoformat() if card.expires_on else None,
            }
        )
    return out


def _check_reply(reply: str) -> str:
    reply = reply.strip()
    if not reply:
        raise InvalidInput("the reply is empty", errors=[FieldError("reply", "required")])
    if len(reply) > 5000:
        raise InvalidInput("the reply is too long", errors=[FieldError("reply", "at most 5000 characters")])
    return reply


def answer_directly(
    uow: UnitOfWork,
    actor: Actor,
    data: NewCase,
    *,
    source_id: str,
    version: int,
    reply: str,
    deps: ServiceDeps,
    idempotency_key: str | None = None,
) -> tuple[int, str]:
    """Receive the inquiry, close it on the spot citing the article version, record the citation; one commit.

    The cited version must be the one answered from today (Conflict otherwise: the operator sees the new one).
    Returns (case id, case number).
    """
    reply = _check_reply(reply)
    today = deps.clock.now().astimezone(deps.tz).date()
    card = cards_for(uow.session, [source_id], today=today).get(source_id)
    if card is None:
        raise NotFound(f"article {source_id!r} has no valid, published version today")
    if card.version != version:
        raise Conflict(f"article {source_id!r} is now at version {card.version}, not {version}; reload it")
    data = replace(data, request_type=RequestType.INQUIRY.value)
    with deps.write_lock:
        case, created = create_case(uow.session, actor, data, deps=deps, idempotency_key=idempotency_key)
        if created:
            base = card.citation.removesuffix(f"（第{version}版）")
            note = f"依据知识库直接答复：{base}（文章 {source_id}，第 {version} 版）"
            req = ActionRequest(action=CaseAction.ANSWER_DIRECTLY.value, reply=reply, note=note)
            perform(uow.session, actor, case.id, req, deps=deps)
            article_id = uow.session.scalar(select(ArticleRow.id).where(ArticleRow.source_id == source_id))
            uow.session.add(
                CaseAnswerRow(
                    case_id=case.id,
                    article_id=article_id,
                    source_id=source_id,
                    version=version,
                    citation=card.citation,
                    answered_by=actor.username,
                    answered_at=deps.clock.now(),
                )
            )
        uow.commit()
    return case.id, case.number


def answers_of_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The articles a case was answered from (article id, version, citation, who, when)."""
    rows = session.scalars(select(CaseAnswerRow).where(CaseAnswerRow.case_id == case_id).order_by(CaseAnswerRow.id))
    return [
        {
            "source_id": r.source_id,
            "version": r.version,
            "citation": r.citation,
            "answered_by": r.answered_by,
            "answered_at": r.answered_at.isoformat(),
        }
        for r in rows
    ]


def record_gap(
    uow: UnitOfWork, actor: Actor, query: str, *, now: datetime, tz: Any, department: str = "", category: str = ""
) -> int:
    """Record "no answer found" for a query (personal data masked); returns the gap's id."""
    if not actor.can(Permission.CREATE_CASE):
        raise Forbidden(f"Role '{actor.role.value}' does not take calls.")
    text = " ".join(query.split())
    if len(text) < MIN_QUERY:
        raise InvalidInput("the query is empty", errors=[FieldError("query", f"at least {MIN_QUERY} characters")])
    masked = mask_personal_data(text[:2000])
    row = GapRow(
        query=masked,
        normalized=gap_key(masked) or masked[:200],
        department=department.strip()[:200] or "",
        category=category.strip()[:100],
        week=iso_week(now.astimezone(tz).date()),
        recorded_by=actor.username,
        recorded_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    gap_id = row.id
    uow.commit()
    return gap_id


GAP_COLUMNS = ("week", "department", "query", "count")


def gap_report(
    session: Session, *, week: str | None = None, department: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Top unanswered queries per week and department (most often first); the newest wording is shown."""
    stmt = (
        select(GapRow.week, GapRow.department, GapRow.normalized, func.count(GapRow.id), func.max(GapRow.id))
        .group_by(GapRow.week, GapRow.department, GapRow.normalized)
        .order_by(GapRow.week.desc(), func.count(GapRow.id).desc(), GapRow.normalized)
        .limit(limit)
    )
    if week:
        stmt = stmt.where(GapRow.week == week)
    if department is not None and department != "":
        stmt = stmt.where(GapRow.department == department)
    rows = session.execute(stmt).all()
    texts = dict(
        session.execute(select(GapRow.id, GapRow.query).where(GapRow.id.in_([r[4] for r in rows]))).tuples().all()
    )
    return [{"week": r[0], "department": r[1], "query": texts.get(r[4], r[2]), "count": r[3]} for r in rows]


def gap_filters(session: Session) -> tuple[list[str], list[str]]:
    """The weeks (newest first) and departments that have gaps."""
    weeks = list(session.scalars(select(GapRow.week).distinct().order_by(GapRow.week.desc())))
    departments = list(session.scalars(select(GapRow.department).distinct().order_by(GapRow.department)))
    return weeks, departments


def gap_csv(rows: list[dict[str, Any]]) -> str:
    """The report as CSV (UTF-8 with BOM for spreadsheet programs is added by the caller)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=GAP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row[k] for k in GAP_COLUMNS})
    return buf.getvalue()
