"""SQL repository of articles and versions (the knowledge tables), mapped to domain objects."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.knowledge.adapters.lexical import Record
from gridloop.knowledge.domain.articles import Article, Status, Version, answerable_version
from gridloop.knowledge.tables import ArticleRow, ArticleVersionRow, EmbeddingRow

_CHUNK = 500


def _version(row: ArticleVersionRow) -> Version:
    return Version(
        row.number, row.title, row.body, Status(row.status), row.effective_from, row.expires_on, row.published_at
    )


class SqlArticles:
    """Articles of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_source_ids(self, source_ids: Iterable[str]) -> dict[str, ArticleRow]:
        """Existing article rows for these ids."""
        ids = list(dict.fromkeys(source_ids))
        out: dict[str, ArticleRow] = {}
        for i in range(0, len(ids), _CHUNK):
            stmt = select(ArticleRow).where(ArticleRow.source_id.in_(ids[i : i + _CHUNK]))
            out.update({r.source_id: r for r in self.session.scalars(stmt)})
        return out

    def versions_of(self, article_ids: Iterable[int]) -> dict[int, list[ArticleVersionRow]]:
        """Version rows per article id, oldest first."""
        ids = list(article_ids)
        out: dict[int, list[ArticleVersionRow]] = {i: [] for i in ids}
        for i in range(0, len(ids), _CHUNK):
            stmt = (
                select(ArticleVersionRow)
                .where(ArticleVersionRow.article_id.in_(ids[i : i + _CHUNK]))
                .order_by(ArticleVersionRow.article_id, ArticleVersionRow.number)
            )
            for v in self.session.scalars(stmt):
                out[v.article_id].append(v)
        return out

    def fingerprint(self) -> str:
        """Changes whenever an article or version is added or changed."""
        a = self.session.execute(select(func.count(ArticleRow.id), func.max(ArticleRow.updated_at))).one()
        v = self.session.execute(select(func.count(ArticleVersionRow.id), func.max(ArticleVersionRow.id))).one()
        return f"{a[0]}:{a[1]}:{v[0]}:{v[1]}"

    def vectors_stamp(self) -> str:
        """Changes whenever a sentence vector is stored or deleted."""
        n, last = self.session.execute(select(func.count(), func.max(EmbeddingRow.created_at))).one()
        return f"{n}:{last}"

    def answerable_records(self, *, today: date, source_ids: Iterable[str] | None = None) -> list[Record]:
        """One search record per article that has a valid, published version today (its newest such version); of
        every article, or of these."""
        q = select(ArticleRow).order_by(ArticleRow.id)
        if source_ids is not None:
            q = q.where(ArticleRow.source_id.in_(list(dict.fromkeys(source_ids))))
        articles = list(self.session.scalars(q))
        versions = self.versions_of(a.id for a in articles)
        out: list[Record] = []
        for row in articles:
            art = Article(
                row.source_id, row.department, row.source, row.citation, tuple(map(_version, versions[row.id]))
            )
            v = answerable_version(art, today=today)
            if v is not None:
                out.append(Record(row.source_id, v.title, v.body, row.department))
        return out

    def vectors(self, model: str, keys: Iterable[str]) -> dict[str, bytes]:
        """Stored embedding bytes of these text keys for one model."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, bytes] = {}
        for i in range(0, len(wanted), _CHUNK):
            stmt = select(EmbeddingRow.text_key, EmbeddingRow.vector).where(
                EmbeddingRow.model == model, EmbeddingRow.text_key.in_(wanted[i : i + _CHUNK])
            )
            out.update({k: v for k, v in self.session.execute(stmt)})
        return out

    def count_vectors(self, model: str) -> int:
        """How many embeddings of this model are stored."""
        return int(self.session.scalar(select(func.count()).where(EmbeddingRow.model == model)) or 0)
