"""Triage API: hot issues (热点问题) for cases in a time window. Thin: the logic is in services/hotspots."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from gridloop.entrypoints.api.deps import get_session

router = APIRouter(prefix="/api/v1", tags=["triage"])


@router.get("/hot-issues")
def hot_issues(
    session: Annotated[Session, Depends(get_session)],
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    """The hot-issue ranking and member messages for cases received between `from` and `to`."""
    from gridloop.adapters.nlp.dedup import DuplicateIndex, SketchVectorizer, _doc
    from gridloop.domain.duplicates import DuplicatePolicy
    from gridloop.entrypoints.cli.triage import issues_as_dict
    from gridloop.services.hotspots import find_hot_issues, load_case_messages

    start = datetime.combine(date_from, time.min) if date_from else None
    end = datetime.combine(date_to, time.max) if date_to else None
    messages = load_case_messages(session, start=start, end=end)
    index = DuplicateIndex(
        SketchVectorizer([_doc(m.title, m.text) for m in messages]),
        policy=DuplicatePolicy(window_hours=60 * 24),
    )
    issues = find_hot_issues(messages, index=index, start=start, end=end, top=top)
    tables = issues_as_dict(issues)
    return {"ranking": tables["热点问题表"], "messages": tables["热点问题留言明细表"]}
