"""Triage API: hot issues (热点问题) among the cases the caller may see. Thin: the logic is in services/hotspots."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from gridloop.cases.services.scope import visible_cases
from gridloop.platform.web.deps import ActorDep, DepsDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["triage"])


@router.get("/hot-issues")
def hot_issues(
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    """The hot-issue ranking and member messages for cases received on days `from`..`to` (inclusive)."""
    from gridloop.triage.services.hotspots import hot_issues_of_cases, issues_as_dict

    start = datetime.combine(date_from, time.min, deps.tz) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, deps.tz) if date_to else None
    issues = hot_issues_of_cases(session, start=start, end=end, top=top, visible=visible_cases(actor))
    tables = issues_as_dict(issues)
    return {"ranking": tables["热点问题表"], "messages": tables["热点问题留言明细表"]}
