"""Warning messages: keeping them (one unit of work, committed once), the active board, the CAP feed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from gridloop.emergency.adapters.cap_feed import FeedEntry, atom_feed, headline_of
from gridloop.emergency.domain.cap import CapMessage
from gridloop.emergency.domain.levels import level_info
from gridloop.emergency.tables import WarningMessageRow
from gridloop.kernel.errors import Conflict, NotFound
from gridloop.kernel.ports import Notice
from gridloop.platform.db.uow import UnitOfWork

#: Outbox topic of a CAP warning message (issue, update, cancel).
WARNING_NOTICE = "cap_warning"


def record_warnings(
    messages: Iterable[CapMessage], *, uow: Callable[[], UnitOfWork], status: str, outbox: Any = None, now: datetime
) -> int:
    """Store the messages (and publish each through the outbox) in one commit; a stored identifier refuses all."""
    messages = list(messages)
    with uow() as work:
        identifiers = [m.identifier for m in messages]
        clash = work.session.scalar(
            select(func.count()).select_from(WarningMessageRow).where(WarningMessageRow.identifier.in_(identifiers))
        )
        if clash:
            raise Conflict(f"{clash} of these warning identifiers are already stored; was this series replayed before?")
        add_warnings(work.session, messages, status=status, outbox=outbox, now=now)
        work.commit()
    return len(messages)


def add_warnings(session: Session, messages: Iterable[CapMessage], *, status: str, outbox: Any, now: datetime) -> None:
    """Add the messages to the caller's transaction, each with its outbox notice (nothing leaves before commit).

    The messages go in one multi-row INSERT, their notices in another (no ORM objects to track: a batch of
    readings may raise hundreds).
    """
    messages = list(messages)
    if not messages:
        return
    session.execute(insert(WarningMessageRow), [
        {"identifier": m.identifier, "msg_type": m.msg_type, "status": status, "sent_at": m.transition.at,
         "rule_id": m.transition.rule_id, "subject": m.transition.subject, "event": m.transition.event,
         "transition": m.transition.kind.value, "level": m.transition.level,
         "previous_level": m.transition.previous_level, "value": m.transition.value, "unit": m.transition.unit,
         "cap_references": m.references, "xml": m.xml.decode("utf-8")}
        for m in messages
    ])  # fmt: skip
    if outbox is not None:
        outbox.enqueue_many(session, [warning_notice(m, status=status) for m in messages], now=now)


def warning_notice(message: CapMessage, *, status: str) -> Notice:
    """The outbox notice of one CAP message: a headline for people, the CAP XML for machines."""
    t = message.transition
    info = level_info(t.level)
    action = {"issue": "发布", "upgrade": "升级", "downgrade": "降级", "cancel": "解除", "renotify": "重申"}
    title = f"{message.area}{t.event}{info.colour_zh}预警{action.get(t.kind.value, '')}"
    body = f"{title}（{message.msg_type}，{message.sent}）；CAP 标识 {message.identifier}"
    payload = {**message.summary(), "status": status, "content_type": "application/cap+xml",
               "cap_xml": message.xml.decode("utf-8")}  # fmt: skip
    return Notice(kind=WARNING_NOTICE, title=title, body=body, payload=payload)


def message_xml(session: Session, identifier: str) -> str:
    """The stored CAP document of one message, or NotFound."""
    xml = session.scalar(select(WarningMessageRow.xml).where(WarningMessageRow.identifier == identifier))
    if xml is None:
        raise NotFound(f"No CAP message '{identifier}'.")
    return xml


def feed(session: Session, *, base_url: str, now: datetime, limit: int = 100) -> bytes:
    """An Atom feed of the newest stored messages, each linking to its CAP XML."""
    rows = session.scalars(
        select(WarningMessageRow)
        .where(WarningMessageRow.exercise_run_id.is_(None))  # the public feed is a real channel: no exercise
        .order_by(WarningMessageRow.sent_at.desc(), WarningMessageRow.id.desc())
        .limit(limit)
    ).all()
    entries = []
    for r in rows:
        headline, area = headline_of(r.xml)
        entries.append(FeedEntry(r.identifier, r.sent_at, r.msg_type, r.status, headline, area or r.subject,
                                 f"{base_url}/api/v1/cap/{r.identifier}.xml"))  # fmt: skip
    updated = rows[0].sent_at if rows else now
    return atom_feed(
        entries, feed_url=f"{base_url}/api/v1/cap/feed.atom", title="gridloop CAP 预警信息", updated=updated
    )


def active_warnings(session: Session) -> list[dict[str, Any]]:
    """The newest message of every warning chain (rule × subject) that is not cancelled: the warnings board."""
    latest = (
        select(WarningMessageRow.rule_id, WarningMessageRow.subject, func.max(WarningMessageRow.id).label("last"))
        .where(WarningMessageRow.exercise_run_id.is_(None))
        .group_by(WarningMessageRow.rule_id, WarningMessageRow.subject)
        .subquery()
    )
    rows = session.scalars(
        select(WarningMessageRow)
        .join(latest, WarningMessageRow.id == latest.c.last)
        .where(WarningMessageRow.msg_type != "Cancel")
        .order_by(WarningMessageRow.level, WarningMessageRow.sent_at.desc())
    ).all()
    return [warning_to_dict(r) for r in rows]


def recent_messages(session: Session, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest messages of every chain, newest first."""
    rows = session.scalars(
        select(WarningMessageRow)
        .where(WarningMessageRow.exercise_run_id.is_(None))
        .order_by(WarningMessageRow.sent_at.desc(), WarningMessageRow.id.desc())
        .limit(limit)
    ).all()
    return [warning_to_dict(r) for r in rows]


def warning_to_dict(row: WarningMessageRow) -> dict[str, Any]:
    """One message's facts as JSON (with the level's colour and the CAP area, for the map)."""
    info = level_info(row.level) if row.level in (1, 2, 3, 4) else None
    headline, area = headline_of(row.xml)
    return {
        "identifier": row.identifier, "msg_type": row.msg_type, "status": row.status,
        "sent": row.sent_at.isoformat(), "rule_id": row.rule_id, "subject": row.subject, "event": row.event,
        "transition": row.transition, "level": row.level, "colour": info.colour_en if info else None,
        "colour_zh": info.colour_zh if info else None, "hex": info.hex_colour if info else "#64748b",
        "value": row.value, "unit": row.unit, "headline": headline, "area": area or row.subject,
    }  # fmt: skip
