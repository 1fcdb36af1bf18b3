"""Editors' use cases: who may edit, the article list, new versions, workflow buttons, diffs, expiry alerts.

Roles (least privilege): administrators and KB editors (`kb_editor`). A KB editor bound to the city (the root
unit) edits every article; one bound to a department edits the articles whose owning department is that unit's
name, and creates articles only for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound
from gridloop.kernel.org import Actor, Role
from gridloop.kernel.ports import Notice
from gridloop.knowledge.adapters.repository import SqlArticles
from gridloop.knowledge.domain.articles import STATUS_LABELS, Action, Status, next_status
from gridloop.knowledge.domain.editing import Draft, allowed_actions, check_draft, diff_lines
from gridloop.knowledge.tables import ArticleRow, ArticleVersionRow, ExpiryAlertRow
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import UnitRow

EDITOR_ROLES = (Role.ADMIN, Role.KB_EDITOR)
PER_PAGE = 50


def require_editor(actor: Actor) -> None:
    """Forbidden unless the actor edits the knowledge base."""
    if actor.role not in EDITOR_ROLES:
        raise Forbidden(f"Role '{actor.role.value}' may not edit the knowledge base.")


def editor_department(session: Session, actor: Actor) -> str | None:
    """The one department the actor edits, or None for every department (administrators, city-level editors)."""
    require_editor(actor)
    if actor.role is Role.ADMIN or actor.unit_path.strip("/").count("/") == 0:
        return None
    unit = session.get(UnitRow, actor.unit_id)
    return unit.name if unit is not None else ""


def _require_scope(session: Session, actor: Actor, department: str) -> None:
    mine = editor_department(session, actor)
    if mine is not None and department != mine:
        raise Forbidden(f"You edit the articles of {mine!r} only.")


@dataclass(frozen=True)
class ArticleFilter:
    """The article list's filters."""

    department: str | None = None
    status: str | None = None  # status of the newest version
    valid_on: date | None = None  # has a published version valid that day
    text: str | None = None  # in the id or the newest title


def list_articles(session: Session, f: ArticleFilter, *, page: int = 1) -> tuple[list[dict[str, Any]], int]:
    """One row per article (its newest version), filtered; newest changes first. Returns (rows, total)."""
    newest = (
        select(ArticleVersionRow.article_id, func.max(ArticleVersionRow.number).label("n"))
        .group_by(ArticleVersionRow.article_id)
        .subquery()
    )
    stmt = (
        select(ArticleRow, ArticleVersionRow)
        .join(newest, newest.c.article_id == ArticleRow.id)
        .join(
            ArticleVersionRow,
            and_(ArticleVersionRow.article_id == ArticleRow.id, ArticleVersionRow.number == newest.c.n),
        )
    )
    if f.department:
        stmt = stmt.where(ArticleRow.department == f.department)
    if f.status:
        stmt = stmt.where(ArticleVersionRow.status == f.status)
    if f.text:
        like = f"%{f.text}%"
        stmt = stmt.where(or_(ArticleRow.source_id.like(like), ArticleVersionRow.title.like(like)))
    if f.valid_on:
        day = f.valid_on
        valid = select(ArticleVersionRow.article_id).where(
            ArticleVersionRow.status == Status.PUBLISHED.value,
            or_(ArticleVersionRow.effective_from.is_(None), ArticleVersionRow.effective_from <= day),
            or_(ArticleVersionRow.expires_on.is_(None), ArticleVersionRow.expires_on >= day),
        )
        stmt = stmt.where(ArticleRow.id.in_(valid))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(ArticleRow.updated_at.desc(), ArticleRow.id.desc())
    rows = session.execute(stmt.offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    out = [
        {
            "source_id": a.source_id,
            "department": a.department,
            "title": v.title,
            "version": v.number,
            "status": v.status,
            "effective_from": v.effective_from,
            "expires_on": v.expires_on,
            "updated_at": a.updated_at,
        }
        for a, v in rows
    ]
    return out, int(total)


def departments(session: Session) -> list[str]:
    """Owning departments that have articles."""
    return [d for d in session.scalars(select(ArticleRow.department).distinct().order_by(ArticleRow.department)) if d]


def _article(session: Session, source_id: str) -> ArticleRow:
    row = session.scalar(select(ArticleRow).where(ArticleRow.source_id == source_id))
    if row is None:
        raise NotFound(f"no article {source_id!r}")
    return row


def article_detail(session: Session, source_id: str) -> dict[str, Any]:
    """The article and every version (newest first) with the workflow actions each allows."""
    row = _article(session, source_id)
    versions = SqlArticles(session).versions_of([row.id])[row.id]
    return {
        "source_id": row.source_id,
        "department": row.department,
        "source": row.source,
        "citation": row.citation,
        "versions": [
            {
                "number": v.number,
                "title": v.title,
                "body": v.body,
                "status": v.status,
                "effective_from": v.effective_from,
                "expires_on": v.expires_on,
                "published_at": v.published_at,
                "actions": [a.value for a in allowed_actions(Status(v.status))],
            }
            for v in reversed(versions)
        ],
    }


def save_draft(uow: UnitOfWork, actor: Actor, draft: Draft, *, now: datetime, new: bool) -> int:
    """Store an editor's text as a new draft version (a new article when `new`); returns the version number."""
    errors, start, end = check_draft(draft)
    if errors:
        raise InvalidInput("the article has errors", errors=errors)
    session = uow.session
    source_id = draft.source_id.strip()
    row = session.scalar(select(ArticleRow).where(ArticleRow.source_id == source_id))
    mine = editor_department(session, actor)
    department = draft.department.strip() if mine is None else mine
    if new and row is not None:
        raise InvalidInput("id taken", errors=[FieldError("source_id", "an article with this id exists")])
    if row is None:
        if not new:
            raise NotFound(f"no article {source_id!r}")
        row = ArticleRow(
            source_id=source_id,
            department=department,
            source=draft.source.strip(),
            citation=draft.citation.strip(),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        number = 1
    else:
        _require_scope(session, actor, row.department)
        last = session.scalar(select(func.max(ArticleVersionRow.number)).where(ArticleVersionRow.article_id == row.id))
        number = (last or 0) + 1
        row.department, row.citation, row.source = department, draft.citation.strip(), draft.source.strip()
        row.updated_at = now
    session.add(
        ArticleVersionRow(
            article_id=row.id,
            number=number,
            title=draft.title.strip(),
            body=draft.body.strip(),
            status=Status.DRAFT.value,
            effective_from=start,
            expires_on=end,
            created_at=now,
        )
    )
    uow.commit()
    return number


def transition(uow: UnitOfWork, actor: Actor, source_id: str, *, action: str, number: int, now: datetime) -> Status:
    """A workflow button: the action must be allowed by the table from the version's status."""
    try:
        act = Action(action)
    except ValueError:
        raise InvalidInput(f"unknown action {action!r}", errors=[FieldError("action", "unknown")]) from None
    session = uow.session
    row = _article(session, source_id)
    _require_scope(session, actor, row.department)
    rows = SqlArticles(session).versions_of([row.id])[row.id]
    target = next((v for v in rows if v.number == number), None)
    if target is None:
        raise NotFound(f"article {source_id!r} has no version {number}")
    status = next_status(Status(target.status), act)
    if status is Status.PUBLISHED:  # publishing expires the previously published version (the table's expire)
        for other in rows:
            if other is not target and other.status == Status.PUBLISHED.value:
                other.status = next_status(Status.PUBLISHED, Action.EXPIRE).value
        target.published_at = now
    target.status = status.value
    row.updated_at = now
    uow.commit()
    return status


def version_diff(session: Session, source_id: str, *, old: int, new: int) -> dict[str, Any]:
    """The line diff of two versions' titles and bodies."""
    row = _article(session, source_id)
    versions = {v.number: v for v in SqlArticles(session).versions_of([row.id])[row.id]}
    if old not in versions or new not in versions:
        raise NotFound(f"article {source_id!r} has no version {old if old not in versions else new}")
    a, b = versions[old], versions[new]
    return {"old": old, "new": new, "title": diff_lines(a.title, b.title), "body": diff_lines(a.body, b.body)}


def expiring(session: Session, *, today: date, days: int) -> list[dict[str, Any]]:
    """Published versions whose last valid day falls within the next `days` days (soonest first)."""
    stmt = (
        select(ArticleRow, ArticleVersionRow)
        .join(ArticleVersionRow, ArticleVersionRow.article_id == ArticleRow.id)
        .where(
            ArticleVersionRow.status == Status.PUBLISHED.value,
            ArticleVersionRow.expires_on.is_not(None),
            ArticleVersionRow.expires_on >= today,
            ArticleVersionRow.expires_on <= today + timedelta(days=days),
        )
        .order_by(ArticleVersionRow.expires_on, ArticleRow.source_id)
        .limit(1000)
    )
    return [
        {
            "source_id": a.source_id,
            "department": a.department,
            "title": v.title,
            "version": v.number,
            "expires_on": v.expires_on,
            "days_left": (v.expires_on - today).days,
            "article_id": a.id,
        }
        for a, v in session.execute(stmt).all()
        if v.expires_on is not None
    ]


def send_expiry_alerts(uow: UnitOfWork, deps: ServiceDeps, *, days: int = 30) -> int:
    """Queue one outbox notice per version expiring within `days` days to its owning department (once each)."""
    now = deps.clock.now()
    today = now.astimezone(deps.tz).date()
    session = uow.session
    sent = {(r.article_id, r.version) for r in session.scalars(select(ExpiryAlertRow))}
    count = 0
    for item in expiring(session, today=today, days=days):
        if (item["article_id"], item["version"]) in sent:
            continue
        notice = Notice(
            kind="kb_expiry",
            title=f"知识库文章即将到期：{item['title'][:60]}（{item['expires_on'].isoformat()} 失效）",
            body=(
                f"文章 {item['source_id']} 第 {item['version']} 版将于 {item['expires_on'].isoformat()} 后失效，"
                f"剩余 {item['days_left']} 天。请责任部门「{item['department'] or '未指定'}」及时修订或续期。"
            ),
            payload={
                "source_id": item["source_id"],
                "version": item["version"],
                "department": item["department"],
                "expires_on": item["expires_on"].isoformat(),
            },
        )
        deps.outbox.enqueue(session, notice, now=now)
        session.add(
            ExpiryAlertRow(
                article_id=item["article_id"], version=item["version"], expires_on=item["expires_on"], sent_at=now
            )
        )
        count += 1
    uow.commit()
    return count


def status_label(status: str, lang: str) -> str:
    """The status in the console's language."""
    pair = STATUS_LABELS.get(Status(status)) if status in {s.value for s in Status} else None
    return status if pair is None else pair[0 if lang == "zh" else 1]
