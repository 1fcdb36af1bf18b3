"""Hot issues: cluster reports about one place or group within a time window and rank them by heat."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from gridloop.triage.domain.hotspots import (
    HeatInputs,
    HotIssue,
    Message,
    common_place,
    growth_ratio,
    heat_index,
    shared_name,
)
from gridloop.triage.services.duplicates import ReportIndex

LINK_SIMILARITY = 0.25
"""Two reports join one cluster when their text similarity reaches this (see docs/models.md)…"""
NAME_LINK_SIMILARITY = 0.18
"""…or when they are at least this similar and their titles share a name of 4+ characters (58车贷案)."""


class SimilarityIndex(ReportIndex, Protocol):
    """A report index that lists earlier similar reports."""

    def search(
        self,
        sketch: Any,
        *,
        when: datetime | None = None,
        lng: float | None = None,
        lat: float | None = None,
        limit: int = 5,
    ) -> list[Any]:
        """Earlier similar reports (objects with .key and .similarity), best first."""
        ...


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def find_hot_issues(
    messages: Sequence[Message],
    *,
    index: SimilarityIndex,
    start: datetime | None = None,
    end: datetime | None = None,
    top: int = 5,
    link_similarity: float = LINK_SIMILARITY,
) -> list[HotIssue]:
    """Clusters of similar reports within [start, end], ranked by heat index, best `top`."""
    chosen = sorted(
        (m for m in messages if (start is None or m.when >= start) and (end is None or m.when <= end)),
        key=lambda m: m.when,
    )
    if not chosen:
        return []
    sketches = index.sketches([(m.title, m.text) for m in chosen])
    parent = list(range(len(chosen)))
    pos: dict[str, int] = {}
    for i, (m, sk) in enumerate(zip(chosen, sketches, strict=True)):
        for cand in index.search(sk, when=m.when, limit=10):
            if cand.key not in pos or cand.similarity < NAME_LINK_SIMILARITY:
                continue
            other = chosen[pos[cand.key]]
            if cand.similarity >= link_similarity or shared_name(m.title, other.title):
                a, b = _find(parent, i), _find(parent, pos[cand.key])
                if a != b:
                    parent[a] = b
        index.add(m.key, sk, when=m.when)
        pos[m.key] = i
    clusters: dict[int, list[int]] = {}
    for i in range(len(chosen)):
        clusters.setdefault(_find(parent, i), []).append(i)
    issues = []
    for members in clusters.values():
        msgs = [chosen[i] for i in members]
        times = [m.when for m in msgs]
        inputs = HeatInputs(
            reports=len(msgs),
            reporters=len({m.user for m in msgs}),
            likes=sum(m.likes for m in msgs),
            dislikes=sum(m.dislikes for m in msgs),
            first=min(times),
            last=max(times),
            growth=growth_ratio(times),
        )
        place = common_place([m.title for m in msgs])
        lead = max(msgs, key=lambda m: (m.likes, len(m.text)))
        issues.append(
            HotIssue(
                0,
                0,
                heat_index(inputs),
                inputs.first,
                inputs.last,
                place,
                lead.title,
                inputs.reporters,
                inputs.likes,
                inputs.dislikes,
                round(inputs.growth, 2),
                msgs,
            )
        )
    issues.sort(key=lambda h: -h.heat)
    for n, issue in enumerate(issues[:top], start=1):
        issue.rank = issue.issue_id = n
    return issues[:top]


def load_case_messages(
    session: Any, *, start: datetime | None, end: datetime | None, visible: Any = None
) -> list[Message]:
    """Cases received in [start, end) that `visible` selects, as messages. The reporter is identified by the
    masked phone (or masked name), so the member table never shows personal data."""
    from sqlalchemy import select

    from gridloop.cases.tables import CaseRow
    from gridloop.kernel.org import mask_name, mask_phone

    q = select(
        CaseRow.number,
        CaseRow.reporter_phone,
        CaseRow.reporter_name,
        CaseRow.created_by_id,
        CaseRow.title,
        CaseRow.text,
        CaseRow.masked_text,
        CaseRow.received_at,
    )
    if visible is not None:
        q = q.where(visible)
    if start is not None:
        q = q.where(CaseRow.received_at >= start)
    if end is not None:
        q = q.where(CaseRow.received_at < end)
    out = []
    for number, phone, name, creator, title, text, masked, received in session.execute(q):
        who = mask_phone(phone) if phone else mask_name(name) if name else f"U{creator or number}"
        shown = masked or text or ""
        out.append(Message(str(number), str(who), title or "", shown, received))
    return out


def hot_issues_of_cases(
    session: Any, *, start: datetime | None, end: datetime | None, top: int = 5, visible: Any = None
) -> list[HotIssue]:
    """The hot issues among the cases received in [start, end) that the caller may see."""
    from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer, documents
    from gridloop.triage.domain.duplicates import DuplicatePolicy

    messages = load_case_messages(session, start=start, end=end, visible=visible)
    index = DuplicateIndex(
        SketchVectorizer(documents([(m.title, m.text) for m in messages])),
        policy=DuplicatePolicy(window_hours=60 * 24),
    )
    return find_hot_issues(messages, index=index, start=start, end=end, top=top)


def issues_as_dict(issues: list[HotIssue]) -> dict[str, list[dict[str, Any]]]:
    """The two tables as lists of rows with the Teddy Cup column names."""
    ranking = [
        {
            "热度排名": h.rank,
            "问题ID": h.issue_id,
            "热度指数": h.heat,
            "时间范围": h.time_range,
            "地点/人群": h.place,
            "问题描述": h.description,
            "留言数": len(h.members),
            "留言用户数": h.reporters,
        }
        for h in issues
    ]
    details = [
        {
            "问题ID": h.issue_id,
            "留言编号": m.key,
            "留言用户": m.user,
            "留言主题": m.title,
            "留言时间": f"{m.when:%Y/%m/%d %H:%M:%S}",
            "留言详情": m.text,
            "点赞数": m.likes,
            "反对数": m.dislikes,
        }
        for h in issues
        for m in sorted(h.members, key=lambda m: m.when)
    ]
    return {"热点问题表": ranking, "热点问题留言明细表": details}
