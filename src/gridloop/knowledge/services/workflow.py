"""The review workflow of article versions: review, reject, publish, expire, withdraw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from gridloop.kernel.errors import NotFound
from gridloop.knowledge.adapters.repository import SqlArticles
from gridloop.knowledge.domain.articles import Action, Status, next_status
from gridloop.knowledge.tables import ArticleRow
from gridloop.platform.db.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class VersionView:
    """One version as shown to editors."""

    number: int
    status: Status
    title: str
    effective_from: date | None
    expires_on: date | None
    published_at: datetime | None


def versions(source_id: str, *, uow: UnitOfWorkFactory) -> list[VersionView]:
    """Every version of an article, oldest first (NotFound for an unknown id)."""
    with uow() as work:
        row = work.session.scalar(select(ArticleRow).where(ArticleRow.source_id == source_id))
        if row is None:
            raise NotFound(f"no article {source_id!r}")
        rows = SqlArticles(work.session).versions_of([row.id])[row.id]
        return [
            VersionView(v.number, Status(v.status), v.title, v.effective_from, v.expires_on, v.published_at)
            for v in rows
        ]


def apply_action(
    source_id: str, *, action: Action, uow: UnitOfWorkFactory, now: datetime, number: int | None = None
) -> Status:
    """Apply the action to a version (the newest by default); publishing expires the previously published one."""
    with uow() as work:
        row = work.session.scalar(select(ArticleRow).where(ArticleRow.source_id == source_id))
        if row is None:
            raise NotFound(f"no article {source_id!r}")
        rows = SqlArticles(work.session).versions_of([row.id])[row.id]
        target = rows[-1] if number is None and rows else next((v for v in rows if v.number == number), None)
        if target is None:
            raise NotFound(f"article {source_id!r} has no version {number}")
        status = next_status(Status(target.status), action)
        if status is Status.PUBLISHED:
            for other in rows:
                if other is not target and other.status == Status.PUBLISHED.value:
                    other.status = next_status(Status.PUBLISHED, Action.EXPIRE).value
            target.published_at = now
        target.status = status.value
        row.updated_at = now
        work.commit()
        return status
