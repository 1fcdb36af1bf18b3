"""Knowledge-base tables: articles and versions; answers given from them on cases; unanswered queries; alerts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class ArticleRow(Base):
    """One knowledge-base article; `source_id` is the id it was imported under (FAQ id, `doc#第N条`)."""

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(200), unique=True)
    department: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    citation: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleVersionRow(Base):
    """One version of an article's text with its review status and validity window."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseAnswerRow(Base):
    """A case the operator answered directly from an article: the cited article and version number."""

    __tablename__ = "kb_case_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(String(500), default="")
    answered_by: Mapped[str] = mapped_column(String(100))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GapRow(Base):
    """A query for which the operator found no answer ("no answer found"), personal data masked."""

    __tablename__ = "kb_gaps"
    __table_args__ = (Index("ix_kb_gaps_week_department", "week", "department"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(200), index=True)
    department: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    week: Mapped[str] = mapped_column(String(10))  # ISO week, e.g. 2026-W49
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExpiryAlertRow(Base):
    """An expiry alert sent to an article's owner for one version (so each is sent once)."""

    __tablename__ = "kb_expiry_alerts"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmbeddingRow(Base):
    """A sentence embedding of one article text (title, or body start), keyed by model and the text's hash.

    Keyed by content, not by version: a new version with the same text reuses it (adapters/semantic.py).
    """

    __tablename__ = "kb_embeddings"

    model: Mapped[str] = mapped_column(String(60), primary_key=True)
    text_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


KNOWLEDGE_TABLES = [
    ArticleRow.__table__,
    ArticleVersionRow.__table__,
    CaseAnswerRow.__table__,
    GapRow.__table__,
    ExpiryAlertRow.__table__,
    EmbeddingRow.__table__,
]
