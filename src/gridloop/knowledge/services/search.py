"""Import articles into the knowledge base and search it (one query or a batch)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gridloop.knowledge.adapters.lexical import Hit, LexicalIndex
from gridloop.knowledge.adapters.repository import SqlArticles
from gridloop.knowledge.adapters.sources import ImportItem
from gridloop.knowledge.adapters.store import IndexCache
from gridloop.knowledge.domain.articles import Action, Status, next_status
from gridloop.knowledge.tables import ArticleRow, ArticleVersionRow
from gridloop.platform.db.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    read: int
    added: int
    new_versions: int
    unchanged: int


def import_articles(
    items: Iterable[ImportItem],
    *,
    uow: UnitOfWorkFactory,
    now: datetime,
    source: str = "",
    status: Status = Status.PUBLISHED,
) -> ImportReport:
    """Store imported articles as new versions (published by default: the old published one expires; or drafts)."""
    batch = list({i.source_id: i for i in items}.values())
    added = new_versions = unchanged = 0
    with uow() as work:
        repo = SqlArticles(work.session)
        existing = repo.by_source_ids(i.source_id for i in batch)
        versions = repo.versions_of(a.id for a in existing.values())
        for item in batch:
            row = existing.get(item.source_id)
            if row is None:
                row = ArticleRow(
                    source_id=item.source_id,
                    department=item.unit,
                    source=source,
                    citation=item.citation,
                    created_at=now,
                    updated_at=now,
                )
                work.session.add(row)
                work.session.flush()
                number = 1
                added += 1
            else:
                olds = versions.get(row.id, [])
                last = olds[-1] if olds else None
                same = last is not None and (last.title, last.body, last.effective_from, last.expires_on) == (
                    item.title,
                    item.body,
                    item.effective_from,
                    item.expires_on,
                )
                if same and row.department == item.unit:
                    unchanged += 1
                    continue
                for old in olds if status is Status.PUBLISHED else []:
                    if old.status == Status.PUBLISHED.value:
                        old.status = next_status(Status.PUBLISHED, Action.EXPIRE).value
                row.department, row.updated_at = item.unit, now
                number = (last.number if last else 0) + 1
                new_versions += 1
            work.session.add(
                ArticleVersionRow(
                    article_id=row.id,
                    number=number,
                    title=item.title,
                    body=item.body,
                    status=status.value,
                    effective_from=item.effective_from,
                    expires_on=item.expires_on,
                    published_at=now if status is Status.PUBLISHED else None,
                    created_at=now,
                )
            )
        work.commit()
    return ImportReport(len(batch), added, new_versions, unchanged)


def current_index(*, uow: UnitOfWorkFactory, cache_dir: Path, today: date) -> LexicalIndex:
    """The index of the answerable articles today: loaded from the cache, rebuilt when the articles changed."""
    with uow() as work:
        repo = SqlArticles(work.session)
        stamp = f"{repo.fingerprint()}:{today.isoformat()}"
        cache = IndexCache(cache_dir)
        index = cache.load(stamp)
        if index is None:
            index = LexicalIndex.build(repo.answerable_records(today=today))
            cache.save(index, stamp)
    return index


def hits_as_json(hits: list[Hit]) -> list[dict[str, Any]]:
    """Results in the output shape of `gridloop kb search`."""
    return [{"source_id": h.source_id, "score": round(h.score, 4), "title": h.title} for h in hits]


def search_many(queries: Iterable[dict[str, Any]], *, index: LexicalIndex, top: int = 10) -> Iterator[dict[str, Any]]:
    """One `{"id", "results"}` per `{"id", "query"}`, in input order."""
    for item in queries:
        yield {"id": item.get("id"), "results": hits_as_json(index.search(str(item.get("query", "")), top=top))}
