"""What other capabilities may ask of a received report without touching the case tables (triage's duplicate
search): the report's facts, the open reports of a window, merging into an open case, noting a finding."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Executable, bindparam, func, or_, select
from sqlalchemy.orm import Session

from gridloop.cases.domain.lifecycle import OPEN_STATUSES, Status
from gridloop.cases.tables import CaseRow
from gridloop.kernel.errors import DomainError
from gridloop.kernel.org import mask_name, mask_phone
from gridloop.platform.deps import ServiceDeps


@dataclass(frozen=True)
class ReportFacts:
    """The text, time and place of one report, and where it stands."""

    number: str
    title: str
    text: str
    received_at: datetime
    lng: float | None
    lat: float | None
    status: str
    meaningless: bool = False
    category: str | None = None
    case_id: int | None = None  # given where it was read anyway


def report_facts(session: Session, case_id: int) -> ReportFacts | None:
    """The facts of one case (None when there is no such case)."""
    case = session.get(CaseRow, case_id)
    if case is None or case.exercise_run_id is not None:  # exercise (演练) cases never enter duplicate matching
        return None
    return ReportFacts(
        case.number,
        case.title,
        case.text,
        case.received_at,
        case.lng_wgs84,
        case.lat_wgs84,
        case.status,
        bool(case.meaningless_reason),
        case.category,
    )


def report_facts_by_number(session: Session, number: str) -> ReportFacts | None:
    """The facts of the case numbered `number` (None when there is none), in one query of its columns."""
    r = session.execute(
        select(CaseRow.number, CaseRow.title, CaseRow.text, CaseRow.received_at, CaseRow.lng_wgs84, CaseRow.lat_wgs84,
               CaseRow.status, CaseRow.meaningless_reason, CaseRow.category, CaseRow.exercise_run_id, CaseRow.id)
        .where(CaseRow.number == number)
    ).first()  # fmt: skip
    if r is None or r.exercise_run_id is not None:  # exercise (演练) cases never enter duplicate matching
        return None
    return ReportFacts(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], int(r[10]))


def open_reports(session: Session, *, since: datetime) -> list[ReportFacts]:
    """Open cases received since `since`, oldest first."""
    rows = session.execute(
        select(CaseRow.number, CaseRow.title, CaseRow.text, CaseRow.received_at, CaseRow.lng_wgs84, CaseRow.lat_wgs84,
               CaseRow.status)
        .where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]), CaseRow.received_at >= since,
               CaseRow.exercise_run_id.is_(None))
        .order_by(CaseRow.received_at)
    ).all()  # fmt: skip
    return [ReportFacts(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


def newest_case_id(session: Session) -> int:
    """The highest case id stored so far (0 with none)."""
    return int(session.scalar(select(func.max(CaseRow.id))) or 0)


def reports_after(
    session: Session, *, after_id: int, also: Collection[int] = (), limit: int = 10_000
) -> list[tuple[int, ReportFacts | None]]:
    """The cases with an id above `after_id`, and those of `also` (ids seen missing before: a transaction that
    took its id earlier and committed later), oldest id first, at most `limit`: (id, facts), facts None for a
    case that is not an open, real report (closed, merged, an exercise). One indexed read of the newest rows: how
    an index kept in memory catches up with what every process stored."""
    where = CaseRow.id > after_id
    if also:
        where = or_(where, CaseRow.id.in_(list(also)))
    rows = session.execute(
        select(CaseRow.id, CaseRow.number, CaseRow.title, CaseRow.text, CaseRow.received_at, CaseRow.lng_wgs84,
               CaseRow.lat_wgs84, CaseRow.status, CaseRow.exercise_run_id)
        .where(where)
        .order_by(CaseRow.id)
        .limit(limit)
    ).all()  # fmt: skip
    open_values = {s.value for s in OPEN_STATUSES}
    return [
        (int(r[0]), ReportFacts(r[1], r[2], r[3], r[4], r[5], r[6], r[7]) if r[7] in open_values and r[8] is None
         else None)
        for r in rows
    ]  # fmt: skip


def open_reports_mentioning(
    session: Session,
    *,
    terms: Sequence[str],
    since: datetime,
    exclude: str | None = None,
    before: datetime | None = None,
    among: Collection[str] | None = None,
    limit: int = 50,
) -> list[ReportFacts]:
    """Open cases received since `since` whose title or text contains every one of `terms` (e.g. the road and
    lane of an address), newest first, at most `limit`: what duplicate search by event compares a new report
    with. Read from the database, so reports received by any process count. `among`: only these case numbers
    (those an index of places names); without it every open case of the window is read."""
    if not terms or (among is not None and not among):
        return []
    params: dict[str, Any] = {"since": since, "open": _OPEN_VALUES}
    if among is not None:
        params["among"] = sorted(among)
    params.update({f"term{i}": _like_pattern(term) for i, term in enumerate(terms)})
    if exclude is not None:
        params["exclude"] = exclude
    if before is not None:
        params["before"] = before
    stmt = _mentioning(len(terms), exclude is not None, before is not None, among is not None, limit)
    rows = session.execute(stmt, params).all()
    return [ReportFacts(r[0], r[1], r[2], r[3], r[4], r[5], r[6], False, r[7], int(r[8])) for r in rows]


_OPEN_VALUES = [s.value for s in OPEN_STATUSES]


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@lru_cache(maxsize=64)
def _mentioning(terms: int, exclude: bool, before: bool, among: bool, limit: int) -> Executable:
    """The statement of `open_reports_mentioning` for one shape (built once: it runs for every report triaged)."""
    q = select(
        CaseRow.number, CaseRow.title, CaseRow.text, CaseRow.received_at, CaseRow.lng_wgs84, CaseRow.lat_wgs84,
        CaseRow.status, CaseRow.category, CaseRow.id,
    ).where(CaseRow.status.in_(bindparam("open", expanding=True)))  # fmt: skip
    q = q.where(CaseRow.received_at >= bindparam("since"))
    if among:
        q = q.where(CaseRow.number.in_(bindparam("among", expanding=True)))
    for i in range(terms):
        pattern: BindParameter[str] = bindparam(f"term{i}")
        q = q.where(or_(CaseRow.text.like(pattern, escape="\\"), CaseRow.title.like(pattern, escape="\\")))
    if exclude:
        q = q.where(CaseRow.number != bindparam("exclude"))
    if before:  # only reports received earlier (the later ones are judged against this one)
        q = q.where(CaseRow.received_at < bindparam("before"))
    return q.order_by(CaseRow.received_at.desc()).limit(limit)


def is_open(session: Session, number: str) -> bool:
    """Whether the case numbered `number` exists and is open."""
    status = session.scalar(select(CaseRow.status).where(CaseRow.number == number))
    return status is not None and status_is_open(status)


def status_is_open(status: str) -> bool:
    """Whether a case in this status is open (a `ReportFacts.status`)."""
    return Status(status) in OPEN_STATUSES


def merge_duplicate(session: Session, case_id: int, *, parent: str, note: str, deps: ServiceDeps) -> bool:
    """Merge a report into the open case it duplicates, as the system; False when the merge is refused."""
    from gridloop.cases.services.dispatching import system_actor
    from gridloop.cases.services.lifecycle import ActionRequest, perform

    try:
        perform(
            session,
            system_actor(session, now=deps.clock.now()),
            case_id,
            ActionRequest(action="merge", parent=parent, note=note),
            deps=deps,
        )
    except DomainError:
        return False  # e.g. the parent is outside the system's reach
    return True


def note_duplicate(
    session: Session,
    case_id: int,
    *,
    of: str,
    merged: bool,
    similarity: float,
    reason: str,
    of_id: int | None = None,
) -> None:
    """Link the report to the open case it duplicates (`of_id`: its id, when known): merged into it, or only
    suggested to the operator."""
    case = session.get(CaseRow, case_id)
    other = of_id if of_id is not None else session.scalar(select(CaseRow.id).where(CaseRow.number == of))
    if case is not None and other is not None:
        case.duplicate_of_id = other
        case.duplicate_action = "merge" if merged else "suggest"
        case.duplicate_similarity = similarity
        case.duplicate_reason = reason


@dataclass(frozen=True)
class ReceivedReport:
    """A report as others may read it: the reporter identified by a masked phone or name, the masked text."""

    number: str
    reporter: str
    title: str
    text: str
    received_at: datetime


def reports_received(
    session: Session, *, start: datetime | None, end: datetime | None, visible: Any = None
) -> list[ReceivedReport]:
    """Reports received in [start, end) that the SQL predicate `visible` selects (the caller's scope), with
    personal data masked, so a table built from them never shows it."""
    q = select(
        CaseRow.number,
        CaseRow.reporter_phone,
        CaseRow.reporter_name,
        CaseRow.created_by_id,
        CaseRow.title,
        CaseRow.text,
        CaseRow.masked_text,
        CaseRow.received_at,
    ).where(CaseRow.exercise_run_id.is_(None))  # hot issues are real work
    if visible is not None:
        q = q.where(visible)
    if start is not None:
        q = q.where(CaseRow.received_at >= start)
    if end is not None:
        q = q.where(CaseRow.received_at < end)
    out = []
    for number, phone, name, creator, title, text, masked, received in session.execute(q):
        who = mask_phone(phone) if phone else mask_name(name) if name else f"U{creator or number}"
        out.append(ReceivedReport(str(number), str(who), title or "", masked or text or "", received))
    return out
