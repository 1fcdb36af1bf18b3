"""Notices made from domain events, in the event's transaction: who hears, on which channels, in which words.

Every recipient gets one in-app row (when their preferences keep the console channel) and one outbox message per
outbound channel (SMS, WeChat) they chose; a channel that is not configured writes nothing. One event gives a
person at most one notice (a dispatch to my unit of a case I follow is one "new dispatch", not two).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.services import Action, Status
from gridloop.cases.services.briefs import CaseBrief, case_brief
from gridloop.kernel.org import Role, is_within
from gridloop.kernel.ports import Notice
from gridloop.kernel.privacy import mask_personal_data
from gridloop.notices.domain import OUTBOUND, NoticeChannel, NoticeKind, channels_for, message
from gridloop.notices.tables import FollowRow, NoticeRow, PreferenceRow
from gridloop.platform.db.batch import batch_cached, batch_scope
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import UnitRow, UserRow

#: Step codes of the supervision tick, as people say them.
STEP_LABELS: dict[str, tuple[str, str]] = {
    "sign": ("签收", "sign"),
    "contact": ("先行联系", "first contact"),
    "reply": ("办结反馈", "reply"),
    "return_review": ("退单审核", "return review"),
    "coordinate": ("三跨协调", "coordination"),
    "manual": ("人工督办", "manual"),
}


@dataclass(frozen=True)
class Person:
    """A recipient."""

    id: int
    username: str
    role: Role
    unit_path: str


def _people(session: Session, query: Any) -> list[Person]:
    rows = session.execute(query.where(UserRow.active.is_(True))).all()
    return [Person(r.id, r.username, Role(r.role), r.path) for r in rows]


def _base() -> Any:
    return select(UserRow.id, UserRow.username, UserRow.role, UnitRow.path).join(UnitRow, UnitRow.id == UserRow.unit_id)


def unit_members(session: Session, *, unit_ids: Iterable[int] = (), codes: Iterable[str] = ()) -> list[Person]:
    """Active people of the units given by id or code."""
    ids, codes = list(unit_ids), [c for c in codes if c]
    if not ids and not codes:
        return []
    where: Any = UnitRow.id.in_(ids) if ids else UnitRow.code.in_(codes)
    if ids and codes:
        where = where | UnitRow.code.in_(codes)
    key = ("unit_members", tuple(ids), tuple(codes))
    return list(batch_cached(session, key, lambda: _people(session, _base().where(where))))


def dispatchers_over(session: Session, area_path: str | None) -> list[Person]:
    """Dispatchers and administrators whose unit covers the case's area (everyone's at the top when unknown)."""
    people = _people(session, _base().where(UserRow.role.in_([Role.DISPATCHER.value, Role.ADMIN.value])))
    if area_path is None:
        return [p for p in people if p.unit_path.count("/") == 2]
    return [p for p in people if is_within(area_path, p.unit_path)]


def followers(session: Session, case_id: int) -> list[Person]:
    """The people who follow a case (in a batch transaction, which of its cases have any is asked once)."""
    scope = batch_scope(session)
    if scope is not None and case_id in scope.case_ids:
        ids = list(scope.case_ids)
        followed = batch_cached(
            session,
            "followed cases",
            lambda: set(session.scalars(select(FollowRow.case_id).where(FollowRow.case_id.in_(ids)).distinct())),
        )
        if case_id not in followed:
            return []
    query = _base().join(FollowRow, FollowRow.user_id == UserRow.id).where(FollowRow.case_id == case_id)
    return _people(session, query)


def _overrides(session: Session, user_ids: list[int]) -> dict[int, dict[tuple[str, str], bool]]:
    def load() -> dict[int, dict[tuple[str, str], bool]]:
        out: dict[int, dict[tuple[str, str], bool]] = {}
        if user_ids:
            for row in session.scalars(select(PreferenceRow).where(PreferenceRow.user_id.in_(user_ids))):
                out.setdefault(row.user_id, {})[(row.kind, row.channel)] = row.enabled
        return out

    return batch_cached(session, ("notice preferences", tuple(user_ids)), load)


def case_fields(brief: CaseBrief) -> dict[str, Any]:
    """The fields of a notice about a case."""
    return {"number": brief.number, "title": brief.title, "case_id": brief.id}


def deliver(
    session: Session,
    *,
    kind: NoticeKind,
    people: Iterable[Person],
    payload: Mapping[str, Any],
    case: CaseBrief | None,
    deps: ServiceDeps,
    now: datetime,
    skip: set[int] | None = None,
    dedupe: str | None = None,
) -> set[int]:
    """Write the notice for each person (once each) on the channels they keep; returns who was told."""
    chosen = {p.id: p for p in people if p.id not in (skip or set())}
    if not chosen:
        return set()
    overrides = _overrides(session, list(chosen))
    if dedupe is not None:
        seen = set(
            session.scalars(
                select(NoticeRow.user_id).where(NoticeRow.dedupe_key == dedupe, NoticeRow.user_id.in_(list(chosen)))
            )
        )
        chosen = {k: v for k, v in chosen.items() if k not in seen}
    told: set[int] = set()
    for person in chosen.values():
        channels = channels_for(person.role, kind, overrides.get(person.id))
        if not channels:
            continue
        told.add(person.id)
        if NoticeChannel.IN_APP in channels:
            session.add(
                NoticeRow(
                    user_id=person.id,
                    kind=kind.value,
                    case_id=case.id if case else None,
                    case_number=case.number if case else None,
                    payload=dict(payload),
                    created_at=now,
                    dedupe_key=dedupe,
                )
            )
        for channel in OUTBOUND:
            if channel in channels:
                deps.outbox.enqueue(
                    session,
                    Notice(
                        kind=f"notice.{kind.value}",
                        title=message(kind, payload),
                        body=message(kind, payload, lang="en"),
                        case_number=case.number if case else None,
                        payload={"user": person.username, "user_id": person.id, "channel": channel.value},
                    ),
                    now=now,
                    to=channel.value,
                )
    return told


def action_fields(action: str, to_status: str, note: str) -> dict[str, Any]:
    """Labels of an action and the status it led to, and its reason (masked), for a notice's sentence."""
    act, status = Action.parse(action), Status.parse(to_status)
    return {
        "action_code": act.value,
        "action": act.zh,
        "action_en": act.en,
        "status_code": status.value,
        "status": status.zh,
        "status_en": status.en,
        "reason": mask_personal_data(note)[:200] if note else "",
    }


def brief_of(session: Session, case_id: int) -> CaseBrief | None:
    """The case a notice is about."""
    return case_brief(session, case_id)
