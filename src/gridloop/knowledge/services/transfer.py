"""Console import (an uploaded CSV/JSONL with a column mapping, dry run with row errors) and export (CSV/JSONL)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.knowledge.adapters.repository import SqlArticles
from gridloop.knowledge.adapters.sources import ImportItem
from gridloop.knowledge.domain.articles import Status
from gridloop.knowledge.domain.editing import SOURCE_ID
from gridloop.knowledge.services.search import ImportReport, import_articles
from gridloop.knowledge.tables import ArticleRow
from gridloop.platform.db.uow import UnitOfWorkFactory

#: Mapping keys (what an article needs) → required?
TARGETS: dict[str, bool] = {
    "id": True,
    "title": True,
    "body": True,
    "department": False,
    "citation": False,
    "effective_from": False,
    "expires_on": False,
}
MAX_ROWS = 50_000
EXPORT_COLUMNS = (
    "source_id",
    "version",
    "status",
    "title",
    "body",
    "department",
    "citation",
    "source",
    "effective_from",
    "expires_on",
)


@dataclass
class Parsed:
    """An uploaded file read with a mapping: items that are fine, and one error per bad row."""

    columns: list[str]
    items: list[ImportItem] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, field, message)
    rows: int = 0


def _records(content: bytes, fmt: str) -> Iterator[tuple[int, dict[str, str] | None]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("not UTF-8", errors=[FieldError("file", "the file must be UTF-8 text")]) from None
    if fmt == "csv":
        for n, row in enumerate(csv.DictReader(io.StringIO(text)), 1):
            yield n, {k: v or "" for k, v in row.items() if isinstance(k, str)}
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            yield n, None
            continue
        yield n, {str(k): "" if v is None else str(v) for k, v in obj.items()} if isinstance(obj, dict) else None


def columns_of(content: bytes, fmt: str) -> list[str]:
    """The column names of the file (CSV header, or the keys of the first JSON line)."""
    for _, row in _records(content, fmt):
        return list(row or {})
    return []


def _day(raw: str) -> date | None:
    raw = raw.strip()
    return date.fromisoformat(raw[:10]) if raw else None


def parse_upload(content: bytes, *, fmt: str, mapping: dict[str, str]) -> Parsed:
    """Read the file with `mapping` (target → column); a bad row is reported and left out, never fatal."""
    if fmt not in ("csv", "jsonl"):
        raise InvalidInput("unknown format", errors=[FieldError("format", "csv or jsonl")])
    missing = [FieldError(f"map_{t}", "choose a column") for t, req in TARGETS.items() if req and not mapping.get(t)]
    if missing:
        raise InvalidInput("the mapping is incomplete", errors=missing)
    parsed = Parsed(columns_of(content, fmt))
    unknown = [FieldError(f"map_{t}", f"no column {c!r}") for t, c in mapping.items() if c and c not in parsed.columns]
    if unknown:
        raise InvalidInput("the mapping names unknown columns", errors=unknown)
    seen: set[str] = set()
    for n, row in _records(content, fmt):
        parsed.rows += 1
        if parsed.rows > MAX_ROWS:
            parsed.errors.append((n, "file", f"more than {MAX_ROWS} rows; split the file"))
            break
        if row is None:
            parsed.errors.append((n, "file", "not a JSON object"))
            continue
        value = {t: row.get(c, "") if c else "" for t, c in mapping.items()}
        sid = value.get("id", "").strip()
        problem = None
        if not SOURCE_ID.match(sid):
            problem = ("id", "empty or invalid id")
        elif sid in seen:
            problem = ("id", "id repeated in the file")
        elif not value.get("title", "").strip() or not value.get("body", "").strip():
            problem = ("title" if not value.get("title", "").strip() else "body", "empty")
        if problem is None:
            try:
                start, end = _day(value.get("effective_from", "")), _day(value.get("expires_on", ""))
            except ValueError:
                problem = ("effective_from/expires_on", "not a date (YYYY-MM-DD)")
            else:
                if start and end and end < start:
                    problem = ("expires_on", "before the effective date")
        if problem is not None:
            parsed.errors.append((n, *problem))
            continue
        seen.add(sid)
        parsed.items.append(
            ImportItem(
                sid,
                value["title"].strip(),
                value["body"].strip(),
                value.get("department", "").strip(),
                citation=value.get("citation", "").strip(),
                effective_from=start,
                expires_on=end,
            )
        )
    return parsed


def run_import(parsed: Parsed, *, uow: UnitOfWorkFactory, now: datetime, publish: bool, source: str) -> ImportReport:
    """Store the good rows: drafts (reviewed and published in the console), or published at once."""
    status = Status.PUBLISHED if publish else Status.DRAFT
    return import_articles(parsed.items, uow=uow, now=now, source=source[:300], status=status)


def export_rows(session: Session) -> Iterator[dict[str, Any]]:
    """The newest version of every article, as export rows."""
    repo = SqlArticles(session)
    articles = list(session.scalars(select(ArticleRow).order_by(ArticleRow.source_id)))
    for i in range(0, len(articles), 500):
        chunk = articles[i : i + 500]
        versions = repo.versions_of(a.id for a in chunk)
        for a in chunk:
            if not versions[a.id]:
                continue
            v = versions[a.id][-1]
            yield {
                "source_id": a.source_id,
                "version": v.number,
                "status": v.status,
                "title": v.title,
                "body": v.body,
                "department": a.department,
                "citation": a.citation,
                "source": a.source,
                "effective_from": v.effective_from.isoformat() if v.effective_from else "",
                "expires_on": v.expires_on.isoformat() if v.expires_on else "",
            }


def export_text(session: Session, *, fmt: str) -> str:
    """Every article's newest version as CSV or JSONL."""
    rows = export_rows(session)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
