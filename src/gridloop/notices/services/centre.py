"""The notice centre: my notices (newest first, unread count, marked read), the ones after an id (the live
stream), the cases I follow, and my channel preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gridloop.cases.services.briefs import may_see
from gridloop.kernel.errors import FieldError, InvalidInput, NotFound
from gridloop.kernel.org import Actor
from gridloop.notices.domain import ROLE_DEFAULTS, NoticeChannel, NoticeKind, channels_for, message
from gridloop.notices.tables import FollowRow, NoticeRow, PreferenceRow
from gridloop.platform.db.uow import UnitOfWork


def notice_to_dict(row: NoticeRow) -> dict[str, Any]:
    """A notice as the API, the page and the live stream give it (codes and both languages' sentences)."""
    kind = NoticeKind(row.kind)
    return {
        "id": row.id,
        "kind": kind.value,
        "kind_label": {"zh": kind.zh, "en": kind.en},
        "colour": kind.colour,
        "case_id": row.case_id,
        "case_number": row.case_number,
        "message": {"zh": message(kind, row.payload), "en": message(kind, row.payload, lang="en")},
        "payload": {k: v for k, v in row.payload.items() if k.endswith("_code") or k in ("number", "level")},
        "created_at": row.created_at.isoformat(),
        "read": row.read_at is not None,
    }


def list_notices(session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 50) -> list[NoticeRow]:
    """My notices, newest first."""
    query = select(NoticeRow).where(NoticeRow.user_id == actor.user_id)
    if unread_only:
        query = query.where(NoticeRow.read_at.is_(None))
    return list(session.scalars(query.order_by(NoticeRow.id.desc()).limit(limit)))


def unread_count(session: Session, actor: Actor) -> int:
    """How many of my notices are unread."""
    query = select(func.count()).where(NoticeRow.user_id == actor.user_id, NoticeRow.read_at.is_(None))
    return int(session.scalar(query) or 0)


def after(session: Session, user_id: int, last_id: int, *, limit: int = 50) -> list[NoticeRow]:
    """My notices with an id above `last_id`, oldest first (what the live stream sends next)."""
    query = select(NoticeRow).where(NoticeRow.user_id == user_id, NoticeRow.id > last_id)
    return list(session.scalars(query.order_by(NoticeRow.id).limit(limit)))


def latest_id(session: Session, user_id: int) -> int:
    """The id of my newest notice (0 when none): a stream opened without Last-Event-ID starts after it."""
    return int(session.scalar(select(func.max(NoticeRow.id)).where(NoticeRow.user_id == user_id)) or 0)


def mark_read(uow: UnitOfWork, actor: Actor, notice_id: int, *, now: datetime) -> NoticeRow:
    """Mark one of my notices read (someone else's answers like a missing one)."""
    row = uow.session.get(NoticeRow, notice_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound(f"No notice with id {notice_id}.")
    if row.read_at is None:
        row.read_at = now
    uow.commit()
    return row


def mark_all_read(uow: UnitOfWork, actor: Actor, *, now: datetime) -> int:
    """Mark every unread notice of mine read; returns how many."""
    result = uow.session.execute(
        update(NoticeRow)
        .where(NoticeRow.user_id == actor.user_id, NoticeRow.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def is_following(session: Session, actor: Actor, case_id: int) -> bool:
    """Whether I follow the case (a case I may not see answers NotFound)."""
    if not may_see(session, actor, case_id):
        raise NotFound(f"No case with id {case_id}.")
    return session.get(FollowRow, (actor.user_id, case_id)) is not None


def follow(uow: UnitOfWork, actor: Actor, case_id: int, *, now: datetime, on: bool = True) -> bool:
    """Follow (or stop following) a case I may see; returns whether I follow it now."""
    if not may_see(uow.session, actor, case_id):
        raise NotFound(f"No case with id {case_id}.")
    row = uow.session.get(FollowRow, (actor.user_id, case_id))
    if on and row is None:
        uow.session.add(FollowRow(user_id=actor.user_id, case_id=case_id, created_at=now))
    elif not on and row is not None:
        uow.session.delete(row)
    uow.commit()
    return on


def preferences(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """For every kind × channel: my choice, the role's default, and whether it is on."""
    rows = session.scalars(select(PreferenceRow).where(PreferenceRow.user_id == actor.user_id))
    mine = {(r.kind, r.channel): r.enabled for r in rows}
    defaults = ROLE_DEFAULTS.get(actor.role, {})
    out = []
    for kind in NoticeKind:
        on = channels_for(actor.role, kind, mine)
        for channel in NoticeChannel:
            out.append(
                {
                    "kind": kind.value,
                    "channel": channel.value,
                    "default": channel in defaults.get(kind, frozenset()),
                    "enabled": channel in on,
                    "own": (kind.value, channel.value) in mine,
                }
            )
    return out


def set_preferences(uow: UnitOfWork, actor: Actor, choices: dict[tuple[str, str], bool]) -> list[dict[str, Any]]:
    """Store my choices (kind × channel → on/off); a choice equal to the role's default is dropped."""
    errors = []
    for kind, channel in choices:
        if kind not in NoticeKind._value2member_map_:
            errors.append(FieldError("kind", f"unknown kind {kind!r}; allowed: {', '.join(NoticeKind)}"))
        if channel not in NoticeChannel._value2member_map_:
            errors.append(FieldError("channel", f"unknown channel {channel!r}; allowed: {', '.join(NoticeChannel)}"))
    if errors:
        raise InvalidInput("Unknown notice kind or channel.", errors=errors)
    defaults = ROLE_DEFAULTS.get(actor.role, {})
    session = uow.session
    for (kind, channel), enabled in choices.items():
        session.execute(
            delete(PreferenceRow).where(
                PreferenceRow.user_id == actor.user_id, PreferenceRow.kind == kind, PreferenceRow.channel == channel
            )
        )
        default = NoticeChannel(channel) in defaults.get(NoticeKind(kind), frozenset())
        if enabled != default:
            session.add(PreferenceRow(user_id=actor.user_id, kind=kind, channel=channel, enabled=enabled))
    uow.commit()
    return preferences(session, actor)
