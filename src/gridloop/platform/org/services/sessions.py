"""Console login sessions kept on the server: the browser holds a random id, the table holds its hash.

Logging out, disabling a user and changing their role end their sessions at once (the rows are revoked).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.tables import WebSessionRow

#: An anonymous session (login form's CSRF token) lasts this long.
ANONYMOUS_HOURS = 2
#: last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class LoadedSession:
    """A live session: its row id, its user (None before login) and its data."""

    row_id: int
    user_id: int | None
    data: dict[str, Any]
    last_seen_at: datetime


def load(session: Session, session_id: str, *, now: datetime) -> LoadedSession | None:
    """The live session with this id, or None (unknown, revoked or expired)."""
    if not session_id or len(session_id) > 100:
        return None
    row = session.scalar(select(WebSessionRow).where(WebSessionRow.id_hash == _hash(session_id)))
    if row is None or row.revoked or row.expires_at <= now:
        return None
    try:
        data = json.loads(row.data)
    except ValueError:
        data = {}
    return LoadedSession(row.id, row.user_id, data if isinstance(data, dict) else {}, row.last_seen_at)


def create(
    session: Session, *, user_id: int | None, data: dict[str, Any], now: datetime, hours: int
) -> tuple[str, WebSessionRow]:
    """A new session row; returns the id for the cookie (shown once, only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    row = WebSessionRow(
        id_hash=_hash(session_id),
        user_id=user_id,
        data=json.dumps(data, ensure_ascii=False),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=hours if user_id is not None else min(hours, ANONYMOUS_HOURS)),
        revoked=False,
    )
    session.add(row)
    session.flush()
    return session_id, row


def save(session: Session, row_id: int, *, data: dict[str, Any] | None, now: datetime) -> None:
    """Store a session's new data (or only mark it seen when `data` is None)."""
    values: dict[str, Any] = {"last_seen_at": now}
    if data is not None:
        values["data"] = json.dumps(data, ensure_ascii=False)
    session.execute(update(WebSessionRow).where(WebSessionRow.id == row_id).values(**values))


def revoke(session: Session, row_id: int) -> None:
    """End one session (logout)."""
    session.execute(update(WebSessionRow).where(WebSessionRow.id == row_id).values(revoked=True))


def revoke_user(session: Session, user_id: int) -> int:
    """End every session of a user (disabled, role or password changed); returns how many were live."""
    result = session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.user_id == user_id, WebSessionRow.revoked.is_(False))
        .values(revoked=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def prune(session: Session, *, now: datetime) -> int:
    """Delete sessions that expired or were revoked more than a day ago."""
    result = session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now - timedelta(days=1)))
    return int(getattr(result, "rowcount", 0) or 0)


def persist(
    uow: UnitOfWork,
    *,
    row_id: int | None,
    data: dict[str, Any],
    changed: bool,
    end: bool,
    start_user: int | None,
    now: datetime,
    hours: int,
) -> str | None:
    """Write what a request did to its session and commit; returns the id of a session it began (for the cookie).

    Logging in or out revokes the old row; logging in begins a new one (a new id: no session fixation).
    """
    new_id: str | None = None
    if end or start_user is not None:
        if row_id is not None:
            revoke(uow.session, row_id)
        if start_user is not None:
            prune(uow.session, now=now)
            new_id, _row = create(uow.session, user_id=start_user, data=data, now=now, hours=hours)
    elif row_id is not None:
        save(uow.session, row_id, data=data if changed else None, now=now)
    elif data:
        new_id, _row = create(uow.session, user_id=None, data=data, now=now, hours=hours)
    uow.commit()
    return new_id
