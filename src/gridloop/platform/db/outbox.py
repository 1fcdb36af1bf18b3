"""The outbox table: messages that leave the process, written in the transaction of the change that caused them.

A dispatcher (`gridloop.platform.outbox`) delivers them after commit. States: `pending` (never tried),
`sending` (claimed until `next_attempt_at`, the lease), `failed` (tried; retried at `next_attempt_at`),
`sent`, `dead` (gave up; an admin may retry). Claims and marks are conditional UPDATEs, so two dispatchers
never both deliver one claim and a message is never marked sent twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from gridloop.kernel.ports import Notice
from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime

PENDING, SENDING, FAILED, SENT, DEAD = "pending", "sending", "failed", "sent", "dead"
STATES = (PENDING, SENDING, FAILED, SENT, DEAD)
#: States a dispatcher may claim once `next_attempt_at` has come (an expired `sending` lease is reclaimed).
CLAIMABLE = (PENDING, FAILED, SENDING)


class OutboxRow(Base):
    """One message to deliver on one channel (webhook, sms, log …)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)


@dataclass(frozen=True)
class Message:
    """A claimed message, detached from any session (delivered outside every transaction)."""

    id: int
    message_id: str
    channel: str
    topic: str
    payload: dict[str, Any]
    attempts: int
    lease_until: datetime

    def notice(self) -> Notice:
        """The notice this message carries."""
        p = self.payload
        return Notice(
            kind=p.get("kind", self.topic),
            title=p.get("title", ""),
            body=p.get("body", ""),
            case_number=p.get("case_number"),
            unit_code=p.get("unit_code"),
            payload=dict(p.get("payload") or {}),
        )


def enqueue(session: Session, notice: Notice, *, channels: Sequence[str], now: datetime) -> list[str]:
    """Add the notice for each channel to the session's transaction; returns the new message ids."""
    ids = []
    for channel in channels:
        message_id = str(uuid.uuid4())
        session.add(
            OutboxRow(
                message_id=message_id,
                channel=channel,
                topic=notice.kind,
                payload=asdict(notice),
                created_at=now,
                state=PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
        ids.append(message_id)
    return ids


def enqueue_many(session: Session, notices: Sequence[tuple[Notice, Sequence[str]]], *, now: datetime) -> list[str]:
    """Add several notices, each for its channels, in one multi-row INSERT (no ORM objects to track)."""
    rows: list[dict[str, Any]] = []
    ids: list[str] = []
    for notice, channels in notices:
        payload = {f.name: getattr(notice, f.name) for f in fields(notice)}  # serialised at once: no deep copy
        for channel in channels:
            ids.append(str(uuid.uuid4()))
            rows.append({"message_id": ids[-1], "channel": channel, "topic": notice.kind,
                         "payload": payload, "created_at": now, "state": PENDING, "attempts": 0,
                         "next_attempt_at": now})  # fmt: skip
    if rows:
        session.execute(insert(OutboxRow), rows)
    return ids


def due(session: Session, *, now: datetime, limit: int = 50, skip: Sequence[str] = ()) -> list[tuple[int, str]]:
    """(id, channel) of messages a dispatcher may claim now, oldest first, leaving out the `skip` channels."""
    stmt = (
        select(OutboxRow.id, OutboxRow.channel)
        .where(OutboxRow.state.in_(CLAIMABLE), OutboxRow.next_attempt_at <= now)
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    if skip:
        stmt = stmt.where(OutboxRow.channel.not_in(list(skip)))
    return [(int(i), str(c)) for i, c in session.execute(stmt)]


def claim(session: Session, row_id: int, *, now: datetime, lease_until: datetime) -> Message | None:
    """Take one due message for delivery until `lease_until`; None when another dispatcher has it."""
    taken = session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id, OutboxRow.state.in_(CLAIMABLE), OutboxRow.next_attempt_at <= now)
        .values(state=SENDING, next_attempt_at=lease_until)
    )
    if getattr(taken, "rowcount", 0) != 1:
        return None
    row = session.execute(
        select(OutboxRow.message_id, OutboxRow.channel, OutboxRow.topic, OutboxRow.payload, OutboxRow.attempts).where(
            OutboxRow.id == row_id
        )
    ).one()
    return Message(row_id, row[0], row[1], row[2], dict(row[3] or {}), int(row[4]), lease_until)


def mark_sent(session: Session, message: Message, *, tries: int, now: datetime) -> bool:
    """Record a delivery; False when the claim had expired and was taken over (nothing is marked twice)."""
    done = session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.id == message.id,
            OutboxRow.state == SENDING,
            OutboxRow.next_attempt_at == message.lease_until,
        )
        .values(state=SENT, sent_at=now, attempts=OutboxRow.attempts + tries, last_error=None)
    )
    return getattr(done, "rowcount", 0) == 1


def mark_failed(session: Session, message: Message, *, tries: int, error: str, retry_at: datetime | None) -> bool:
    """Record failed tries: retry at `retry_at`, or dead when it is None."""
    values: dict[str, Any] = {"attempts": OutboxRow.attempts + tries, "last_error": error[:2000]}
    values.update({"state": DEAD} if retry_at is None else {"state": FAILED, "next_attempt_at": retry_at})
    done = session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.id == message.id,
            OutboxRow.state == SENDING,
            OutboxRow.next_attempt_at == message.lease_until,
        )
        .values(**values)
    )
    return getattr(done, "rowcount", 0) == 1


def list_messages(session: Session, *, state: str | None = None, limit: int = 100) -> list[OutboxRow]:
    """The newest messages, optionally in one state (the admin's view)."""
    stmt = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(OutboxRow.state == state)
    return list(session.scalars(stmt))


def retry(session: Session, *, now: datetime, ids: Sequence[int] = (), dead: bool = False) -> int:
    """Make failed or dead messages due again now (by id, or every dead one); returns how many."""
    stmt = update(OutboxRow).where(OutboxRow.state.in_((FAILED, DEAD)))
    if dead:
        stmt = stmt.where(OutboxRow.state == DEAD)
    if ids:
        stmt = stmt.where(OutboxRow.id.in_(list(ids)))
    elif not dead:
        return 0
    done = session.execute(stmt.values(state=PENDING, next_attempt_at=now, attempts=0))
    return int(getattr(done, "rowcount", 0))


def counts(session: Session) -> dict[str, int]:
    """How many messages are in each state."""
    from sqlalchemy import func

    rows = session.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state)).all()
    return {str(state): int(n) for state, n in rows}
