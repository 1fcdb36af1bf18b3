"""Notices from the case loop's events (registered in `bootstrap.EVENT_SUBSCRIBERS`, isolated: a notice that
fails never undoes the action it is about)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridloop.kernel.events import CaseChanged, DeadlineMissed, DeadlineNear
from gridloop.notices.domain import UNIT_ROLES, NoticeKind
from gridloop.notices.services import produce
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import UnitRow

_DISPATCHING = {"dispatch", "redispatch", "uphold_return"}


def _of_roles(people: list[produce.Person], kind: NoticeKind) -> list[produce.Person]:
    return [p for p in people if p.role in UNIT_ROLES[kind]]


def on_case_changed(session: Session, event: CaseChanged, deps: ServiceDeps) -> None:
    """A dispatch tells the lead unit, a return the dispatchers over the area, a 督办 the lead unit; then followers."""
    brief = produce.brief_of(session, event.case_id)
    if brief is None:
        return
    fields = {**produce.case_fields(brief), **produce.action_fields(event.action, event.to_status, event.note)}
    told: set[int] = {event.actor.user_id}
    lead = [brief.lead_unit_id] if brief.lead_unit_id else []
    if event.action in _DISPATCHING and lead:
        people = _of_roles(produce.unit_members(session, unit_ids=lead), NoticeKind.DISPATCH)
        told |= produce.deliver(
            session, kind=NoticeKind.DISPATCH, people=people, payload=fields, case=brief, deps=deps,
            now=event.at, skip=told,
        )  # fmt: skip
    elif event.action == "return":
        unit = session.get(UnitRow, event.actor.unit_id)
        fields |= {"unit": unit.name if unit else "—", "unit_en": unit.code if unit else "—"}
        people = _of_roles(produce.dispatchers_over(session, brief.area_path), NoticeKind.RETURN)
        told |= produce.deliver(
            session, kind=NoticeKind.RETURN, people=people, payload=fields, case=brief, deps=deps,
            now=event.at, skip=told,
        )  # fmt: skip
    elif event.action == "supervise" and lead:
        people = _of_roles(produce.unit_members(session, unit_ids=lead), NoticeKind.SUPERVISION)
        told |= produce.deliver(
            session, kind=NoticeKind.SUPERVISION, people=people, payload=fields, case=brief, deps=deps,
            now=event.at, skip=told,
        )  # fmt: skip
    produce.deliver(
        session, kind=NoticeKind.FOLLOWED, people=produce.followers(session, event.case_id), payload=fields,
        case=brief, deps=deps, now=event.at, skip=told,
    )  # fmt: skip


def on_deadline_missed(session: Session, event: DeadlineMissed, deps: ServiceDeps) -> None:
    """An automatic 督办 tells the lead unit and the unit it is addressed to."""
    brief = produce.brief_of(session, event.case_id)
    if brief is None:
        return
    step_zh, step_en = produce.STEP_LABELS.get(event.step, (event.step, event.step))
    fields = {
        **produce.case_fields(brief),
        "reason": f"{step_zh}超时，{event.level} 级督办",
        "reason_en": f"{step_en} overdue, level {event.level}",
        "level": event.level,
    }
    people = produce.unit_members(
        session, unit_ids=[brief.lead_unit_id] if brief.lead_unit_id else [], codes=[event.addressed_unit or ""]
    )
    produce.deliver(
        session, kind=NoticeKind.SUPERVISION, people=_of_roles(people, NoticeKind.SUPERVISION), payload=fields,
        case=brief, deps=deps, now=event.at, dedupe=f"supervision:{event.case_id}:{event.step}:{event.level}",
    )  # fmt: skip


def on_deadline_near(session: Session, event: DeadlineNear, deps: ServiceDeps) -> None:
    """A step due within 24 hours tells the lead unit (once per deadline)."""
    brief = produce.brief_of(session, event.case_id)
    if brief is None or brief.lead_unit_id is None:
        return
    step_zh, step_en = produce.STEP_LABELS.get(event.step, (event.step, event.step))
    due = event.due_at.astimezone(deps.tz).strftime("%m-%d %H:%M")
    fields = {**produce.case_fields(brief), "step": step_zh, "step_en": step_en, "due": due}
    people = _of_roles(produce.unit_members(session, unit_ids=[brief.lead_unit_id]), NoticeKind.DEADLINE)
    produce.deliver(
        session, kind=NoticeKind.DEADLINE, people=people, payload=fields, case=brief, deps=deps, now=event.at,
        dedupe=f"deadline:{event.case_id}:{event.due_at.isoformat()}",
    )  # fmt: skip
